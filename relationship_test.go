package quarry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// RNode is a self-referential tree for the relationship tests.
type RNode struct {
	ID       int64
	ParentID *int64
	Name     string
	Children []*RNode
	Parent   *RNode
}

// RNodeTable maps RNode to rel_nodes.
type RNodeTable struct {
	quarry.Entity[RNode]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	ParentID quarry.Column[*int64] `quarry:"parent_id,fk=rel_nodes.id"`
	Name     quarry.Column[string]
	Children quarry.Many[RNode, RNode] `quarry:"back=Parent,order=id"`
	Parent   quarry.One[RNode, RNode]  `quarry:"back=Children"`
}

// RNodes is the self-referential table.
var RNodes = quarry.Table[RNode, RNodeTable]("rel_nodes")

func TestRelConfigure(t *testing.T) {
	is := is.New(t)
	is.NoErr(quarry.Configure())
}

// TestRelLoad loads relationships after the fact: the tutorial's lazy
// load of jack.addresses, many parents at once, many-to-one and
// many-to-many, with back-populated fields.
func TestRelLoad(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadTutorial(t, db)
		jack, err := quarry.Select(TUsers).Where(TUsers.Name.Eq("jack")).One(ctx, db)
		is.NoErr(err)
		is.Equal(jack.Addresses, nil) // no hidden I/O: nothing loaded yet
		log.Reset()
		is.NoErr(TUsers.Addresses.Load(ctx, db, jack))
		is.Equal(log.Count(), 1)
		is.Equal(normSQL(log.Statements()[0]), normSQL(`SELECT addresses.id, addresses.email_address, addresses.user_id FROM addresses WHERE ? = addresses.user_id ORDER BY addresses.id`))
		is.Equal(len(jack.Addresses), 2)
		is.Equal(jack.Addresses[0].EmailAddress, "jack@google.com")
		is.Equal(jack.Addresses[1].EmailAddress, "j25@yahoo.com")
		is.True(jack.Addresses[1].User == jack) // back-populated

		// All users at once: one query, empty (non-nil) collections.
		users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).All(ctx, db)
		is.NoErr(err)
		log.Reset()
		is.NoErr(TUsers.Addresses.Load(ctx, db, users...))
		is.Equal(log.Count(), 1)
		is.True(strings.Contains(normSQL(log.Statements()[0]), "WHERE addresses.user_id IN (?, ?, ?, ?, ?) ORDER BY addresses.id"))
		for _, u := range users[:4] {
			is.True(u.Addresses != nil)
			is.Equal(len(u.Addresses), 0)
		}
		is.Equal(len(users[4].Addresses), 2)

		// Many-to-one: both addresses get the same *TUser.
		addrs, err := quarry.Select(TAddresses).OrderBy(TAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.NoErr(TAddresses.User.Load(ctx, db, addrs...))
		is.Equal(addrs[0].User.Name, "jack")
		is.True(addrs[0].User == addrs[1].User)

		// Many-to-many both ways.
		ps, err := quarry.Select(TPosts).All(ctx, db)
		is.NoErr(err)
		is.NoErr(TPosts.Keywords.Load(ctx, db, ps...))
		is.Equal(len(ps[0].Keywords), 2)
		is.Equal(ps[0].Keywords[0].Keyword+","+ps[0].Keywords[1].Keyword, "wendy,firstpost")
		kws, err := quarry.Select(TKeywords).OrderBy(TKeywords.ID).All(ctx, db)
		is.NoErr(err)
		is.NoErr(TKeywords.Posts.Load(ctx, db, kws...))
		is.Equal(len(kws[1].Posts), 1)
		is.Equal(kws[1].Posts[0].Headline, "Wendy's Blog Post")
		is.NoErr(TPosts.Author.Load(ctx, db, ps...))
		is.Equal(ps[0].Author.Name, "wendy")

		// Loading nothing runs nothing.
		log.Reset()
		is.NoErr(TUsers.Addresses.Load(ctx, db))
		is.Equal(log.Count(), 0)
	})
}

// TestRelLoadChain loads the 2.0 guide's users, their orders and the
// orders' items (through order_items).
func TestRelLoadChain(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadGuide(t, db)
		users, err := quarry.Select(GUsers).OrderBy(GUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.NoErr(GUsers.Orders.Load(ctx, db, users...))
		var orders []*GOrder
		for _, u := range users {
			orders = append(orders, u.Orders...)
		}
		is.Equal(len(orders), 3)
		is.NoErr(GOrders.Items.Load(ctx, db, orders...))
		got := ""
		for _, o := range users[0].Orders {
			for _, it := range o.Items {
				got += fmt.Sprintf("%d:%s ", o.ID, it.Description)
			}
		}
		is.Equal(got, "1:widget 1:gizmo 2:gizmo ")
		is.Equal(users[1].Orders[0].Items[0].Description, "doohickey")
	})
}

// TestRelLoadChunks loads more parents than the database takes
// parameters in one statement: the keys are split over several queries.
func TestRelLoadChunks(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadTutorial(t, db)
		const n = 70000 // over SQLite's 32766 and PostgreSQL's 65535
		parents := make([]*TUser, n)
		for i := range parents {
			parents[i] = &TUser{ID: int64(i + 1)}
		}
		log.Reset()
		is.NoErr(TUsers.Addresses.Load(ctx, db, parents...))
		is.True(log.Count() >= 2)
		is.Equal(len(parents[4].Addresses), 2)
		is.Equal(len(parents[0].Addresses), 0)
	})
}

// TestRelSelfReferential covers a tree: loading both ways, joins to an
// alias, EXISTS against an anonymous alias, and the error of a join to
// the same table.
func TestRelSelfReferential(t *testing.T) {
	ctx := context.Background()
	child := quarry.Aliased(RNodes, quarry.AliasName("child"))
	assertSQL(t, quarry.Select2(RNodes.Name, child.Name).Join(RNodes.Children.OfType(child)),
		`SELECT rel_nodes.name, child.name AS name_1 FROM rel_nodes JOIN rel_nodes AS child ON rel_nodes.id = child.parent_id`)
	parent := quarry.Aliased(RNodes, quarry.AliasName("parent"))
	assertSQL(t, quarry.Select(RNodes.Name).Join(RNodes.Parent.OfType(parent)).Where(parent.Name.Eq("root")),
		`SELECT rel_nodes.name FROM rel_nodes JOIN rel_nodes AS parent ON parent.id = rel_nodes.parent_id WHERE parent.name = ?`)
	assertSQL(t, quarry.Select(RNodes.Name).Where(RNodes.Children.Any()),
		`SELECT rel_nodes.name FROM rel_nodes WHERE EXISTS (SELECT 1 FROM rel_nodes AS rel_nodes_1 WHERE rel_nodes.id = rel_nodes_1.parent_id)`)
	assertSQL(t, quarry.Select(RNodes.Name).Where(RNodes.Children.OfType(child).Any(child.Name.Eq("a"))),
		`SELECT rel_nodes.name FROM rel_nodes WHERE EXISTS (SELECT 1 FROM rel_nodes AS child WHERE rel_nodes.id = child.parent_id AND child.name = ?)`)
	_, _, err := quarry.Render(sqliteDialect(t), quarry.Select(RNodes.Name).Join(RNodes.Children))
	if err == nil || !strings.Contains(err.Error(), "to itself") || !strings.Contains(err.Error(), "Aliased") {
		t.Fatalf("self join error = %v", err)
	}

	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		is.NoErr(db.CreateAll(ctx, RNodes))
		_, err := db.Exec(ctx, quarry.Text(`INSERT INTO rel_nodes (id, parent_id, name) VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1')`))
		is.NoErr(err)
		nodes, err := quarry.Select(RNodes).OrderBy(RNodes.ID).All(ctx, db)
		is.NoErr(err)
		is.NoErr(RNodes.Children.Load(ctx, db, nodes...))
		is.Equal(len(nodes[0].Children), 2)
		is.True(nodes[0].Children[0].Parent == nodes[0])
		is.Equal(len(nodes[3].Children), 0)
		is.NoErr(RNodes.Parent.Load(ctx, db, nodes...))
		is.True(nodes[0].Parent == nil)
		is.Equal(nodes[3].Parent.Name, "a")
		leaves, err := quarry.Select(RNodes.Name).Where(quarry.Not(RNodes.Children.Any())).OrderBy(RNodes.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(leaves, []string{"b", "a1"})
		rows, err := quarry.Select2(RNodes.Name, child.Name).Join(RNodes.Children.OfType(child)).OrderBy(child.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 3)
		is.Equal(rows[2], quarry.Row2[string, string]{V1: "a", V2: "a1"})
	})
}

// TestRelOuterJoinTyped reads the optional side of outer joins: a nil
// entity for a missing row, a nil *T through Nullable, and an error that
// names the column for a non-nullable read of a NULL.
func TestRelOuterJoinTyped(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadTutorial(t, db)
		a := quarry.Aliased(TAddresses)
		rows, err := quarry.Select2(TUsers, a).OuterJoin(TUsers.Addresses.OfType(a)).OrderBy(TUsers.ID, a.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 6)
		for _, r := range rows[:4] {
			is.True(r.V1 != nil)
			is.True(r.V2 == nil)
		}
		is.Equal(rows[4].V1.Name, "jack")
		is.Equal(rows[4].V2.EmailAddress, "jack@google.com")
		is.Equal(*rows[5].V2.UserID, int64(5))

		em, err := quarry.Select2(TUsers.Name, quarry.Nullable(TAddresses.EmailAddress)).OuterJoin(TUsers.Addresses).OrderBy(TUsers.ID, TAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(em[0].V2, (*string)(nil))
		is.Equal(*em[4].V2, "jack@google.com")

		_, err = quarry.Select2(TUsers.Name, TAddresses.EmailAddress).OuterJoin(TUsers.Addresses).All(ctx, db)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "addresses.email_address"))
		is.True(strings.Contains(err.Error(), "quarry.Nullable"))

		// Inner joins read as before; an outer join to a many-to-many
		// makes the item optional.
		orders, err := quarry.Select3(TPosts.Headline, quarry.Nullable(TKeywords.Keyword), TKeywords).
			SelectFrom(TUsers).OuterJoin(TUsers.Posts).OuterJoin(TPosts.Keywords).OrderBy(TUsers.ID, TKeywords.ID).All(ctx, db)
		is.True(err != nil) // Headline is a string from the optional side
		_ = orders
		rs, err := quarry.Select3(TUsers.Name, quarry.Nullable(TKeywords.Keyword), TKeywords).
			OuterJoin(TUsers.Posts).OuterJoin(TPosts.Keywords).OrderBy(TUsers.ID, TKeywords.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rs), 6)
		is.True(rs[0].V3 == nil)
		is.Equal(rs[1].V1, "wendy")
		is.Equal(rs[1].V3.Keyword, "wendy")
	})
}

// TestRelMappingErrors checks the mistakes found when a table struct is
// bound. Mistakes found at configure time (a foreign key that cannot be
// found or is ambiguous, an unknown back-populates name) would break the
// shared registry of this test binary; compilefail_test.go checks them in
// programs of their own.
func TestRelMappingErrors(t *testing.T) {
	type bad1 struct {
		ID        int64
		Addresses []GAddress
	}
	type bad1Table struct {
		quarry.Entity[bad1]
		ID        quarry.Column[int64] `quarry:"id,pk"`
		Addresses quarry.Many[bad1, GAddress]
	}
	type bad2 struct{ ID int64 }
	type bad2Table struct {
		quarry.Entity[bad2]
		ID        quarry.Column[int64] `quarry:"id,pk"`
		Addresses quarry.Many[bad2, GAddress]
	}
	type bad3 struct {
		ID   int64
		User *GUser
	}
	type bad3Table struct {
		quarry.Entity[bad3]
		ID   quarry.Column[int64]     `quarry:"id,pk"`
		User quarry.One[GUser, GUser] `quarry:"back=X"`
	}
	type bad4 struct {
		ID    int64
		Items []*GItem
	}
	type bad4Table struct {
		quarry.Entity[bad4]
		ID    quarry.Column[int64]           `quarry:"id,pk"`
		Items quarry.ManyToMany[bad4, GItem] `quarry:"cascade=all,sometimes"`
	}
	type bad5Table struct {
		quarry.Entity[bad4]
		ID    quarry.Column[int64]           `quarry:"id,pk"`
		Items quarry.ManyToMany[bad4, GItem] `quarry:"back=Orders"`
	}
	tests := []struct {
		name string
		try  func() error
		want []string
	}{
		{"collection of values", func() error { _, err := quarry.TryTable[bad1, bad1Table]("rel_bad1"); return err },
			[]string{"bad1Table.Addresses", "[]*quarry_test.GAddress", "[]quarry_test.GAddress"}},
		{"no struct field", func() error { _, err := quarry.TryTable[bad2, bad2Table]("rel_bad2"); return err },
			[]string{"has no field Addresses", "add `Addresses []*quarry_test.GAddress`"}},
		{"wrong owner", func() error { _, err := quarry.TryTable[bad3, bad3Table]("rel_bad3"); return err },
			[]string{"One[quarry_test.GUser, quarry_test.GUser]", "maps quarry_test.bad3"}},
		{"unknown cascade", func() error { _, err := quarry.TryTable[bad4, bad4Table]("rel_bad4"); return err },
			[]string{"unknown cascade \"sometimes\""}},
		{"secondary missing", func() error { _, err := quarry.TryTable[bad4, bad5Table]("rel_bad5"); return err },
			[]string{"needs secondary="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.try()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// None of them broke the shared mappings.
	if err := quarry.Configure(); err != nil {
		t.Fatal(err)
	}
}

// TestRelJoinErrors checks joins that cannot be built.
func TestRelJoinErrors(t *testing.T) {
	d := sqliteDialect(t)
	_, _, err := quarry.Render(d, quarry.Select(GUsers).Join(GOrders.Items).Join(GUsers.Orders))
	if err == nil || !strings.Contains(err.Error(), "GOrderTable.Items") || !strings.Contains(err.Error(), "not in the FROM list") || !strings.Contains(err.Error(), "JoinFrom") {
		t.Fatalf("left side error = %v", err)
	}
	var zero GUserTable
	_, _, err = quarry.Render(d, quarry.Select(GUsers).Join(zero.Addresses))
	if err == nil {
		t.Fatal("join along a zero relationship rendered")
	}
	_, _, err = quarry.Render(d, quarry.Select(GUsers).Where(zero.Addresses.Any()))
	if err == nil {
		t.Fatal("Any of a zero relationship rendered")
	}
}

func sqliteDialect(t *testing.T) quarry.Dialect {
	t.Helper()
	return testdb.SQLite(t).Dialect()
}
