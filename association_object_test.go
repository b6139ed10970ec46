package quarry_test

// The association object pattern (SQLAlchemy's "Association Object"):
// a many-to-many whose association table is a mapped entity with columns
// of its own, reached through a one-to-many and a many-to-one, next to a
// plain secondary relationship over the same table.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type AoOrder struct {
	ID       int64
	Customer string
	Lines    []*AoOrderItem
	Items    []*AoItem
}

type AoOrderTable struct {
	quarry.Entity[AoOrder]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Customer quarry.Column[string]
	Lines    quarry.Many[AoOrder, AoOrderItem]  `quarry:"order=position,back=Order,cascade=all,delete-orphan"`
	Items    quarry.ManyToMany[AoOrder, AoItem] `quarry:"secondary=ao_order_items,order=ao_order_items.position desc,viewonly"`
}

type AoItem struct {
	ID   int64
	Name string
}

type AoItemTable struct {
	quarry.Entity[AoItem]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Name quarry.Column[string]
}

type AoOrderItem struct {
	OrderID  int64
	ItemID   int64
	Price    int64
	Position int64
	Order    *AoOrder
	Item     *AoItem
}

type AoOrderItemTable struct {
	quarry.Entity[AoOrderItem]
	OrderID  quarry.Column[int64]             `quarry:"order_id,pk,fk=ao_orders.id"`
	ItemID   quarry.Column[int64]             `quarry:"item_id,pk,fk=ao_items.id"`
	Price    quarry.Column[int64]             `quarry:"price"`
	Position quarry.Column[int64]             `quarry:"position"`
	Order    quarry.One[AoOrderItem, AoOrder] `quarry:"back=Lines"`
	Item     quarry.One[AoOrderItem, AoItem]
}

var (
	AoOrders     = quarry.Table[AoOrder, AoOrderTable]("ao_orders")
	AoItems      = quarry.Table[AoItem, AoItemTable]("ao_items")
	AoOrderItems = quarry.Table[AoOrderItem, AoOrderItemTable]("ao_order_items")
)

func aoEach(t *testing.T, fn func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log)) {
	t.Helper()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		if err := db.CreateAll(context.Background(), AoOrders, AoItems, AoOrderItems); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		fn(t, db, relSession(t, db), log)
	})
}

// aoLineRows reads the association rows back as "order:item:price:position".
func aoLineRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	rows, err := quarry.Select(AoOrderItems).OrderBy(AoOrderItems.OrderID, AoOrderItems.ItemID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%d:%d:%d:%d", r.OrderID, r.ItemID, r.Price, r.Position))
	}
	return out
}

// aoSeed adds an order with three lines over three new items, positions
// in an order other than the items'.
func aoSeed(t *testing.T, s *quarry.Session) (*AoOrder, []*AoItem) {
	t.Helper()
	ctx := context.Background()
	items := []*AoItem{{Name: "apple"}, {Name: "pear"}, {Name: "plum"}}
	o := &AoOrder{Customer: "ed", Lines: []*AoOrderItem{
		{Item: items[0], Price: 10, Position: 2},
		{Item: items[1], Price: 20, Position: 3},
		{Item: items[2], Price: 30, Position: 1},
	}}
	if err := s.Add(o); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return o, items
}

func TestAssocObjectInsert(t *testing.T) {
	aoEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		aoSeed(t, s)
		is.Equal(dml(log), []string{
			"INSERT INTO ao_items (name) VALUES (?), (?), (?) RETURNING id",
			"INSERT INTO ao_orders (customer) VALUES (?) RETURNING id",
			"INSERT INTO ao_order_items (order_id, item_id, price, position) VALUES (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)",
		})
		is.Equal(aoLineRows(t, db), []string{"1:1:10:2", "1:2:20:3", "1:3:30:1"})
	})
}

func TestAssocObjectLoadOrdered(t *testing.T) {
	aoEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		aoSeed(t, s)
		names := func(o *AoOrder) string {
			var out []string
			for _, l := range o.Lines {
				out = append(out, fmt.Sprintf("%s@%d", l.Item.Name, l.Position))
			}
			return strings.Join(out, " ")
		}
		opts := []struct {
			name string
			opt  quarry.Option[*AoOrder]
		}{
			{"selectin", quarry.SelectIn(AoOrders.Lines, quarry.Joined(AoOrderItems.Item))},
			{"joined", quarry.Joined(AoOrders.Lines, quarry.Joined(AoOrderItems.Item))},
			{"selectin-selectin", quarry.SelectIn(AoOrders.Lines, quarry.SelectIn(AoOrderItems.Item))},
		}
		for _, o := range opts {
			s2 := relSession(t, db)
			got, err := quarry.Select(AoOrders).Options(o.opt).One(ctx, s2)
			is.NoErr(err)
			is.Equal(names(got), "plum@1 apple@2 pear@3") // o.name
		}
		// Explicit loads, chained.
		s3 := relSession(t, db)
		got, err := quarry.Select(AoOrders).One(ctx, s3)
		is.NoErr(err)
		is.NoErr(AoOrders.Lines.Load(ctx, s3, got))
		for _, l := range got.Lines {
			is.NoErr(AoOrderItems.Item.Load(ctx, s3, l))
		}
		is.Equal(names(got), "plum@1 apple@2 pear@3")
		is.True(got.Lines[0].Order == got) // the many-to-one back to the order is the same object
	})
}

func TestAssocObjectJoin(t *testing.T) {
	aoEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		aoSeed(t, s)
		log.Reset()
		got, err := quarry.Select(AoOrders).Join(AoOrders.Lines).Join(AoOrderItems.Item).
			Where(AoItems.Name.Eq("pear")).All(ctx, relSession(t, db))
		is.NoErr(err)
		is.Equal(len(got), 1)
		is.Equal(got[0].Customer, "ed")
		is.Equal(selects(log), sqlList("SELECT ao_orders.id, ao_orders.customer FROM ao_orders "+
			"JOIN ao_order_items ON ao_orders.id = ao_order_items.order_id "+
			"JOIN ao_items ON ao_items.id = ao_order_items.item_id WHERE ao_items.name = ?"))
		// Ordered by an association column, through the join.
		rows, err := quarry.Select2(AoItems.Name, AoOrderItems.Price).SelectFrom(AoOrders).
			Join(AoOrders.Lines).Join(AoOrderItems.Item).OrderBy(AoOrderItems.Position.Desc()).All(ctx, db)
		is.NoErr(err)
		var out []string
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%s:%d", r.V1, r.V2))
		}
		is.Equal(out, []string{"pear:20", "apple:10", "plum:30"})
		// Relationship operators through the association entity.
		n, err := quarry.Select(AoOrders).Where(AoOrders.Lines.Any(AoOrderItems.Item.Has(AoItems.Name.Eq("plum")))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
	})
}

func TestAssocObjectDeleteOrphan(t *testing.T) {
	aoEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		o, _ := aoSeed(t, s)
		is.NoErr(AoOrders.Lines.Load(ctx, s, o))
		// Remove the apple line (position 2).
		var kept []*AoOrderItem
		for _, l := range o.Lines {
			if l.Position != 2 {
				kept = append(kept, l)
			}
		}
		o.Lines = kept
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"DELETE FROM ao_order_items WHERE ao_order_items.order_id = ? AND ao_order_items.item_id = ?",
		})
		is.Equal(aoLineRows(t, db), []string{"1:2:20:3", "1:3:30:1"})
		is.Equal(count(t, db, AoItems), int64(3)) // the item stays
	})
}

// The secondary relationship over the mapped association table reads
// the same rows, ordered by the association column.
func TestAssocObjectSecondaryAlongside(t *testing.T) {
	aoEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		aoSeed(t, s)
		itemNames := func(o *AoOrder) string {
			var out []string
			for _, it := range o.Items {
				out = append(out, it.Name)
			}
			return strings.Join(out, " ")
		}
		for _, opt := range []quarry.Option[*AoOrder]{quarry.SelectIn(AoOrders.Items), quarry.Joined(AoOrders.Items), quarry.SubqueryLoad(AoOrders.Items)} {
			got, err := quarry.Select(AoOrders).Options(opt).One(ctx, relSession(t, db))
			is.NoErr(err)
			is.Equal(itemNames(got), "pear apple plum") // position desc
		}
		s2 := relSession(t, db)
		got, err := quarry.Select(AoOrders).One(ctx, s2)
		is.NoErr(err)
		is.NoErr(AoOrders.Items.Load(ctx, s2, got))
		is.Equal(itemNames(got), "pear apple plum")
		q, err := AoOrders.Items.Query(got).All(ctx, s2)
		is.NoErr(err)
		is.Equal(len(q), 3)
		is.Equal(q[0].Name, "pear")
	})
}

// A viewonly relationship is read, never written: changing it changes no
// row.
func TestAssocObjectViewOnlyNotWritten(t *testing.T) {
	aoEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		o, items := aoSeed(t, s)
		is.NoErr(AoOrders.Items.Load(ctx, s, o))
		o.Items = o.Items[:1]                      // drop two
		extra := &AoItem{Name: "fig"}              // not reached by any cascade
		o.Items = append(o.Items, extra, items[0]) // and a duplicate
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string(nil))
		is.Equal(aoLineRows(t, db), []string{"1:1:10:2", "1:2:20:3", "1:3:30:1"})
		is.Equal(count(t, db, AoItems), int64(3))
	})
}

// Without viewonly, a many-to-many over a mapped association entity that
// a one-to-many also writes is refused at configure time.
func TestAssocObjectOverlapRefused(t *testing.T) {
	type I struct{ ID int64 }
	type L struct{ OID, IID int64 }
	type O struct {
		ID    int64
		Lines []*L
		Items []*I
	}
	type ITable struct {
		quarry.Entity[I]
		ID quarry.Column[int64] `quarry:"id,pk"`
	}
	type LTable struct {
		quarry.Entity[L]
		OID quarry.Column[int64] `quarry:"o_id,pk,fk=ao_ov_o.id"`
		IID quarry.Column[int64] `quarry:"i_id,pk,fk=ao_ov_i.id"`
	}
	type OTable struct {
		quarry.Entity[O]
		ID    quarry.Column[int64]    `quarry:"id,pk"`
		Lines quarry.Many[O, L]       `quarry:"cascade=all,delete-orphan"`
		Items quarry.ManyToMany[O, I] `quarry:"secondary=ao_ov_l"`
	}
	is := is.New(t)
	md := quarry.NewMetadata()
	_, err := quarry.TableIn[O, OTable](md, "ao_ov_o")
	is.NoErr(err)
	_, err = quarry.TableIn[I, ITable](md, "ao_ov_i")
	is.NoErr(err)
	_, err = quarry.TableIn[L, LTable](md, "ao_ov_l")
	is.NoErr(err)
	err = md.Configure()
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "OTable.Items")) // names the many-to-many
	is.True(strings.Contains(err.Error(), "OTable.Lines")) // and the relationship it overlaps
	is.True(strings.Contains(err.Error(), "viewonly"))     // and the fix
}

// order= names the target's or the association table's columns, nothing
// else.
func TestAssocObjectOrderErrors(t *testing.T) {
	type I struct{ ID int64 }
	type O struct {
		ID    int64
		Items []*I
	}
	type ITable struct {
		quarry.Entity[I]
		ID quarry.Column[int64] `quarry:"id,pk"`
	}
	type OTable struct {
		quarry.Entity[O]
		ID    quarry.Column[int64]    `quarry:"id,pk"`
		Items quarry.ManyToMany[O, I] `quarry:"secondary=ao_oe_l,order=ao_oe_l.nope"`
	}
	type OTable2 struct {
		quarry.Entity[O]
		ID    quarry.Column[int64]    `quarry:"id,pk"`
		Items quarry.ManyToMany[O, I] `quarry:"secondary=ao_oe_l,order=elsewhere.id"`
	}
	for _, c := range []struct {
		name string
		mapO func(md *quarry.Metadata) error
		want string
	}{
		{"unknown column", func(md *quarry.Metadata) error { _, err := quarry.TableIn[O, OTable](md, "ao_oe_o"); return err }, `table "ao_oe_l" has no column "nope"`},
		{"other table", func(md *quarry.Metadata) error { _, err := quarry.TableIn[O, OTable2](md, "ao_oe_o"); return err }, `"elsewhere" is not table "ao_oe_i" or the association table "ao_oe_l"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			md := quarry.NewMetadata()
			is.NoErr(c.mapO(md))
			_, err := quarry.TableIn[I, ITable](md, "ao_oe_i")
			is.NoErr(err)
			_, err = quarry.AssociationIn(md, "ao_oe_l", quarry.AssocColumn("o_id", "ao_oe_o.id"), quarry.AssocColumn("i_id", "ao_oe_i.id"))
			is.NoErr(err)
			err = md.Configure()
			is.True(errors.Is(err, quarry.ErrMapping))
			is.True(strings.Contains(err.Error(), c.want)) // err
		})
	}
}

// order= on a column of a plain association table (quarry.Association).
type AoPost struct {
	ID   int64
	Tags []*AoTag
}

type AoPostTable struct {
	quarry.Entity[AoPost]
	ID   quarry.Column[int64]             `quarry:"id,pk"`
	Tags quarry.ManyToMany[AoPost, AoTag] `quarry:"secondary=ao_post_tags,order=ao_post_tags.tag_id desc"`
}

type AoTag struct {
	ID   int64
	Name string
}

type AoTagTable struct {
	quarry.Entity[AoTag]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Name quarry.Column[string]
}

var (
	AoPosts    = quarry.Table[AoPost, AoPostTable]("ao_posts")
	AoTags     = quarry.Table[AoTag, AoTagTable]("ao_tags")
	AoPostTags = quarry.Association("ao_post_tags",
		quarry.AssocColumn("post_id", "ao_posts.id"),
		quarry.AssocColumn("tag_id", "ao_tags.id"))
)

func TestAssocObjectOrderPlainSecondary(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, AoPosts, AoTags, AoPostTags))
		s := relSession(t, db)
		is.NoErr(s.Add(&AoPost{Tags: []*AoTag{{Name: "a"}, {Name: "b"}, {Name: "c"}}}))
		is.NoErr(s.Commit(ctx))
		names := func(p *AoPost) string {
			var out []string
			for _, tg := range p.Tags {
				out = append(out, tg.Name)
			}
			return strings.Join(out, "")
		}
		for _, opt := range []quarry.Option[*AoPost]{quarry.SelectIn(AoPosts.Tags), quarry.Joined(AoPosts.Tags), quarry.SubqueryLoad(AoPosts.Tags)} {
			p, err := quarry.Select(AoPosts).Options(opt).One(ctx, relSession(t, db))
			is.NoErr(err)
			is.Equal(names(p), "cba")
		}
		s2 := relSession(t, db)
		p, err := quarry.Select(AoPosts).One(ctx, s2)
		is.NoErr(err)
		log.Reset()
		is.NoErr(AoPosts.Tags.Load(ctx, s2, p))
		is.Equal(names(p), "cba")
		is.Equal(selects(log), sqlList("SELECT ao_tags.id, ao_tags.name, ao_post_tags.post_id FROM ao_post_tags "+
			"JOIN ao_tags ON ao_tags.id = ao_post_tags.tag_id WHERE ? = ao_post_tags.post_id ORDER BY ao_post_tags.tag_id DESC"))
	})
}
