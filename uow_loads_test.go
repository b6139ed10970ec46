package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Loads and the unit of work (issue 9, items 6 and 17): loads never
// overwrite unflushed changes of relationship fields, Get and Refresh of a
// vanished row forget the stale object, Refresh reloads loaded
// relationships, and FromStatement runs a lazy=joined relationship as a
// SelectIn. Tables are prefixed ul_.

// ULAddr is an address orders are shipped to.
type ULAddr struct {
	ID     int64
	Street string
}

// ULAddrTable maps ULAddr to ul_addrs.
type ULAddrTable struct {
	quarry.Entity[ULAddr]
	ID     quarry.Column[int64]  `quarry:"id,pk"`
	Street quarry.Column[string] `quarry:"street,len=30"`
}

// ULOrder's Addr is loaded by default with SelectIn.
type ULOrder struct {
	ID     int64
	AddrID *int64
	Item   string
	Addr   *ULAddr
}

// ULOrderTable maps ULOrder to ul_orders.
type ULOrderTable struct {
	quarry.Entity[ULOrder]
	ID     quarry.Column[int64]        `quarry:"id,pk"`
	AddrID quarry.Column[*int64]       `quarry:"addr_id,fk=ul_addrs.id"`
	Item   quarry.Column[string]       `quarry:"item,len=30"`
	Addr   quarry.One[ULOrder, ULAddr] `quarry:"lazy=selectin"`
}

// ULJOrder's Addr is loaded by default with Joined.
type ULJOrder struct {
	ID     int64
	AddrID *int64
	Item   string
	Addr   *ULAddr
}

// ULJOrderTable maps ULJOrder to ul_jorders.
type ULJOrderTable struct {
	quarry.Entity[ULJOrder]
	ID     quarry.Column[int64]         `quarry:"id,pk"`
	AddrID quarry.Column[*int64]        `quarry:"addr_id,fk=ul_addrs.id"`
	Item   quarry.Column[string]        `quarry:"item,len=30"`
	Addr   quarry.One[ULJOrder, ULAddr] `quarry:"lazy=joined"`
}

// ULUser has notes, loaded only when asked.
type ULUser struct {
	ID    int64
	Name  string
	Notes []*ULNote
}

// ULUserTable maps ULUser to ul_users.
type ULUserTable struct {
	quarry.Entity[ULUser]
	ID    quarry.Column[int64]        `quarry:"id,pk"`
	Name  quarry.Column[string]       `quarry:"name,len=30"`
	Notes quarry.Many[ULUser, ULNote] `quarry:"order=id,back=User"`
}

// ULNote belongs to a user, or to none.
type ULNote struct {
	ID     int64
	UserID *int64
	Body   string
	User   *ULUser
}

// ULNoteTable maps ULNote to ul_notes.
type ULNoteTable struct {
	quarry.Entity[ULNote]
	ID     quarry.Column[int64]       `quarry:"id,pk"`
	UserID quarry.Column[*int64]      `quarry:"user_id,fk=ul_users.id"`
	Body   quarry.Column[string]      `quarry:"body,len=30"`
	User   quarry.One[ULNote, ULUser] `quarry:"back=Notes"`
}

var (
	ULAddrs   = quarry.Table[ULAddr, ULAddrTable]("ul_addrs")
	ULOrders  = quarry.Table[ULOrder, ULOrderTable]("ul_orders")
	ULJOrders = quarry.Table[ULJOrder, ULJOrderTable]("ul_jorders")
	ULUsers   = quarry.Table[ULUser, ULUserTable]("ul_users")
	ULNotes   = quarry.Table[ULNote, ULNoteTable]("ul_notes")
)

// ulSchema creates the tables with addresses 1 and 2, orders 1 and 2
// shipped to address 1 (and the same in ul_jorders), users 1 and 2, and
// notes 1 and 2 of user 1.
func ulSchema(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, ULAddrs, ULOrders, ULJOrders, ULUsers, ULNotes); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []*quarry.TextClause{
		quarry.Text(`INSERT INTO ul_addrs (id, street) VALUES (1, 'first'), (2, 'second')`),
		quarry.Text(`INSERT INTO ul_orders (id, addr_id, item) VALUES (1, 1, 'o1'), (2, 1, 'o2')`),
		quarry.Text(`INSERT INTO ul_jorders (id, addr_id, item) VALUES (1, 1, 'j1'), (2, 1, 'j2')`),
		quarry.Text(`INSERT INTO ul_users (id, name) VALUES (1, 'ann'), (2, 'bob')`),
		quarry.Text(`INSERT INTO ul_notes (id, user_id, body) VALUES (1, 1, 'n1'), (2, 1, 'n2')`),
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
}

// ulOrderAddrs returns addr_id of every order by id (0 for NULL).
func ulOrderAddrs(t *testing.T, db *quarry.DB) map[int64]int64 {
	t.Helper()
	rows, err := quarry.Select2(ULOrders.ID, ULOrders.AddrID).OrderBy(ULOrders.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int64{}
	for _, r := range rows {
		var a int64
		if r.V2 != nil {
			a = *r.V2
		}
		out[r.V1] = a
	}
	return out
}

// ulNoteUsers returns user_id of every note by body (0 for NULL).
func ulNoteUsers(t *testing.T, db *quarry.DB) map[string]int64 {
	t.Helper()
	rows, err := quarry.Select2(ULNotes.Body, ULNotes.UserID).OrderBy(ULNotes.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		var u int64
		if r.V2 != nil {
			u = *r.V2
		}
		out[r.V1] = u
	}
	return out
}

// countPrefix counts the statements that start with prefix.
func countPrefix(stmts []string, prefix string) int {
	n := 0
	for _, s := range stmts {
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}

// Item 6: with autoflush off, a load of orders (by the default
// lazy=selectin, each explicit loader, or Load) leaves an unflushed
// many-to-one assignment as the program made it, and the commit writes
// it. The order left unchanged is loaded as usual.
func TestLoadKeepsUnflushedManyToOne(t *testing.T) {
	ctx := context.Background()
	loads := []struct {
		name string
		load func(s *quarry.Session, orders ...*ULOrder) error
	}{
		{"default selectin", func(s *quarry.Session, _ ...*ULOrder) error {
			_, err := quarry.Select(ULOrders).OrderBy(ULOrders.ID).All(ctx, s)
			return err
		}},
		{"SelectIn", func(s *quarry.Session, _ ...*ULOrder) error {
			_, err := quarry.Select(ULOrders).OrderBy(ULOrders.ID).Options(quarry.SelectIn(ULOrders.Addr)).All(ctx, s)
			return err
		}},
		{"Joined", func(s *quarry.Session, _ ...*ULOrder) error {
			_, err := quarry.Select(ULOrders).OrderBy(ULOrders.ID).Options(quarry.Joined(ULOrders.Addr)).All(ctx, s)
			return err
		}},
		{"SubqueryLoad", func(s *quarry.Session, _ ...*ULOrder) error {
			_, err := quarry.Select(ULOrders).OrderBy(ULOrders.ID).Options(quarry.SubqueryLoad(ULOrders.Addr)).All(ctx, s)
			return err
		}},
		{"ContainsEager", func(s *quarry.Session, _ ...*ULOrder) error {
			_, err := quarry.Select(ULOrders).Join(ULOrders.Addr).OrderBy(ULOrders.ID).Options(quarry.ContainsEager(ULOrders.Addr)).All(ctx, s)
			return err
		}},
		{"Load", func(s *quarry.Session, orders ...*ULOrder) error {
			return ULOrders.Addr.Load(ctx, s, orders...)
		}},
	}
	for _, l := range loads {
		t.Run(l.name, func(t *testing.T) {
			testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
				is := is.New(t)
				ulSchema(t, db)
				s := db.Session(quarry.WithAutoflush(false))
				defer s.Close(ctx)
				orders, err := quarry.Select(ULOrders).OrderBy(ULOrders.ID).All(ctx, s)
				is.NoErr(err)
				o1, o2 := orders[0], orders[1]
				is.Equal(o1.Addr.ID, int64(1))
				a2, err := quarry.Get(ctx, s, ULAddrs, int64(2))
				is.NoErr(err)
				o1.Addr = a2 // unflushed: autoflush is off

				log.Reset()
				is.NoErr(l.load(s, o1, o2))
				is.True(o1.Addr == a2)         // the program's assignment stands
				is.True(o2.Addr != nil)        // the unchanged order is loaded
				is.Equal(o2.Addr.ID, int64(1)) //
				is.Equal(countPrefix(log.Statements(), "INSERT"), 0)
				is.Equal(countPrefix(log.Statements(), "UPDATE"), 0) // no autoflush

				log.Reset()
				is.NoErr(s.Commit(ctx))
				is.Equal(sessSQL(log), []string{
					"BEGIN",
					"UPDATE ul_orders SET addr_id = ? WHERE ul_orders.id = ?",
					"COMMIT",
				})
				is.Equal(ulOrderAddrs(t, db), map[int64]int64{1: 2, 2: 1})
			})
		})
	}
}

// Item 6: a many-to-one field the program cleared stays cleared through a
// load, and the commit writes the NULL.
func TestLoadKeepsClearedManyToOne(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ulSchema(t, db)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		orders, err := quarry.Select(ULOrders).OrderBy(ULOrders.ID).All(ctx, s)
		is.NoErr(err)
		orders[0].Addr = nil
		_, err = quarry.Select(ULOrders).OrderBy(ULOrders.ID).All(ctx, s)
		is.NoErr(err)
		is.True(orders[0].Addr == nil)
		is.NoErr(ULOrders.Addr.Load(ctx, s, orders...))
		is.True(orders[0].Addr == nil)
		is.Equal(orders[1].Addr.ID, int64(1))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"UPDATE ul_orders SET addr_id = ? WHERE ul_orders.id = ?",
			"COMMIT",
		})
		is.Equal(ulOrderAddrs(t, db), map[int64]int64{1: 0, 2: 1})
	})
}

// Item 6: an unflushed change of a collection (a new child appended, a
// child removed) survives a load of the collection by every loader, and
// so does a child's many-to-one moved to another parent, which a load of
// the old parent's collection would set back. The commit writes them all.
func TestLoadKeepsUnflushedCollection(t *testing.T) {
	ctx := context.Background()
	loads := []struct {
		name string
		load func(s *quarry.Session, users ...*ULUser) error
	}{
		{"SelectIn", func(s *quarry.Session, _ ...*ULUser) error {
			_, err := quarry.Select(ULUsers).OrderBy(ULUsers.ID).Options(quarry.SelectIn(ULUsers.Notes)).All(ctx, s)
			return err
		}},
		{"Joined", func(s *quarry.Session, _ ...*ULUser) error {
			_, err := quarry.Select(ULUsers).OrderBy(ULUsers.ID).Options(quarry.Joined(ULUsers.Notes)).All(ctx, s)
			return err
		}},
		{"SubqueryLoad", func(s *quarry.Session, _ ...*ULUser) error {
			_, err := quarry.Select(ULUsers).OrderBy(ULUsers.ID).Options(quarry.SubqueryLoad(ULUsers.Notes)).All(ctx, s)
			return err
		}},
		{"ContainsEager", func(s *quarry.Session, _ ...*ULUser) error {
			_, err := quarry.Select(ULUsers).OuterJoin(ULUsers.Notes).OrderBy(ULUsers.ID, ULNotes.ID).Options(quarry.ContainsEager(ULUsers.Notes)).All(ctx, s)
			return err
		}},
		{"Load", func(s *quarry.Session, users ...*ULUser) error {
			return ULUsers.Notes.Load(ctx, s, users...)
		}},
	}
	for _, l := range loads {
		t.Run(l.name, func(t *testing.T) {
			testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
				is := is.New(t)
				ulSchema(t, db)
				s := db.Session(quarry.WithAutoflush(false))
				defer s.Close(ctx)
				users, err := quarry.Select(ULUsers).OrderBy(ULUsers.ID).Options(quarry.SelectIn(ULUsers.Notes)).All(ctx, s)
				is.NoErr(err)
				ann, bob := users[0], users[1]
				is.Equal(len(ann.Notes), 2)
				n1 := ann.Notes[0]
				is.True(n1.User == ann)
				// Unflushed: n2 leaves ann, a new note joins her, and n1
				// moves to bob through its own many-to-one field.
				n3 := &ULNote{ID: 3, Body: "n3"}
				ann.Notes = []*ULNote{n1, n3}
				n1.User = bob

				log.Reset()
				is.NoErr(l.load(s, ann, bob))
				is.Equal(ann.Notes, []*ULNote{n1, n3}) // the program's collection stands
				is.True(n1.User == bob)                // and so does n1's parent
				is.Equal(len(bob.Notes), 0)            // bob's is loaded from the rows
				is.Equal(countPrefix(log.Statements(), "INSERT"), 0)
				is.Equal(countPrefix(log.Statements(), "UPDATE"), 0)

				is.NoErr(s.Commit(ctx))
				// n1 went to bob, n2 was removed from ann (its key set to
				// NULL: no delete-orphan), n3 was inserted under ann.
				is.Equal(ulNoteUsers(t, db), map[string]int64{"n1": 2, "n2": 0, "n3": 1})
			})
		})
	}
}

// Item 6: an eager load of the children fills the identity map's objects
// without setting back a child's many-to-one that the program changed.
func TestLoadKeepsMovedChildParent(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ulSchema(t, db)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		n1, err := quarry.Get(ctx, s, ULNotes, int64(1))
		is.NoErr(err)
		bob, err := quarry.Get(ctx, s, ULUsers, int64(2))
		is.NoErr(err)
		n1.User = bob // never loaded: a new assignment
		users, err := quarry.Select(ULUsers).Where(ULUsers.ID.Eq(1)).Options(quarry.SelectIn(ULUsers.Notes)).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(users[0].Notes), 2) // the rows as they are
		is.True(n1.User == bob)
		is.True(users[0].Notes[1].User == users[0])
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"UPDATE ul_notes SET user_id = ? WHERE ul_notes.id = ?",
			"COMMIT",
		})
		is.Equal(ulNoteUsers(t, db), map[string]int64{"n1": 2, "n2": 1})
	})
}

// Item 6: a nested load reaches the pending objects of a kept collection
// and leaves them alone: they have no row to load from.
func TestLoadSkipsPendingObjects(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ulSchema(t, db)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		ann, err := quarry.Get(ctx, s, ULUsers, int64(1))
		is.NoErr(err)
		is.NoErr(ULUsers.Notes.Load(ctx, s, ann))
		n3 := &ULNote{ID: 3, Body: "n3", User: ann}
		ann.Notes = append(ann.Notes, n3)
		is.NoErr(s.Add(n3))
		_, err = quarry.Select(ULUsers).Where(ULUsers.ID.Eq(1)).
			Options(quarry.SelectIn(ULUsers.Notes, quarry.SelectIn(ULNotes.User))).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(ann.Notes), 3)
		is.True(n3.User == ann) // not loaded from its NULL foreign key
		is.NoErr(s.Commit(ctx))
		is.Equal(ulNoteUsers(t, db), map[string]int64{"n1": 1, "n2": 1, "n3": 1})
	})
}

// Item 6: NoLoad leaves a loaded collection alone (emptying it would
// unlink every member at the next flush) and fills one not loaded with an
// empty list that the flush takes as loaded, not as a change.
func TestNoLoadKeepsLoadedCollection(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ulSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		users, err := quarry.Select(ULUsers).OrderBy(ULUsers.ID).All(ctx, s)
		is.NoErr(err)
		ann, bob := users[0], users[1]
		is.NoErr(ULUsers.Notes.Load(ctx, s, ann))
		_, err = quarry.Select(ULUsers).OrderBy(ULUsers.ID).Options(quarry.NoLoad(ULUsers.Notes)).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(ann.Notes), 2)
		is.True(bob.Notes != nil && len(bob.Notes) == 0)
		is.True(!s.IsModified(bob))
		// A later load fills bob's collection: it holds no change.
		is.NoErr(ULUsers.Notes.Load(ctx, s, bob))
		is.True(bob.Notes != nil)
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(len(sessSQL(log)), 0) // nothing written: no transaction to commit
		is.Equal(ulNoteUsers(t, db), map[string]int64{"n1": 1, "n2": 1})
	})
}

// Item 17: Get of a row deleted by someone else after this Session's
// commit forgets the stale object and returns ErrNoResult; so does
// Refresh.
func TestGetRefreshVanishedRow(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ulSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		ann, err := quarry.Get(ctx, s, ULUsers, int64(1))
		is.NoErr(err)
		n1, err := quarry.Get(ctx, s, ULNotes, int64(1))
		is.NoErr(err)
		is.NoErr(s.Commit(ctx))
		_, err = db.Exec(ctx, quarry.Text(`DELETE FROM ul_notes WHERE user_id = 1`))
		is.NoErr(err)
		_, err = db.Exec(ctx, quarry.Text(`DELETE FROM ul_users WHERE id = 1`))
		is.NoErr(err)

		log.Reset()
		got, err := quarry.Get(ctx, s, ULUsers, int64(1))
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.True(got == nil)
		is.True(!s.Contains(ann)) // expunged
		err = s.Refresh(ctx, n1)
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.True(!s.Contains(n1))
		// A second Get selects again (nothing is cached for the key), and
		// the commit writes nothing.
		_, err = quarry.Get(ctx, s, ULUsers, int64(1))
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.NoErr(s.Commit(ctx))
		stmts := sessSQL(log)
		is.Equal(countPrefix(stmts, "SELECT"), 3)
		is.Equal(countPrefix(stmts, "UPDATE")+countPrefix(stmts, "INSERT")+countPrefix(stmts, "DELETE"), 0)
		// A new row with the key is a new object.
		_, err = db.Exec(ctx, quarry.Text(`INSERT INTO ul_users (id, name) VALUES (1, 'ann2')`))
		is.NoErr(err)
		again, err := quarry.Get(ctx, s, ULUsers, int64(1))
		is.NoErr(err)
		is.True(again != ann)
		is.Equal(again.Name, "ann2")
	})
}

// Item 17: Refresh reloads the loaded collections of the object, so rows
// added by others appear and the unflushed changes of the collection are
// discarded: a removed child comes back, an appended new child leaves it
// (and stays pending in the Session, as it was added). Its loaded
// many-to-one fields are reloaded too.
func TestRefreshReloadsRelationships(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ulSchema(t, db)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		ann, err := quarry.Get(ctx, s, ULUsers, int64(1))
		is.NoErr(err)
		is.NoErr(ULUsers.Notes.Load(ctx, s, ann))
		o1, err := quarry.Get(ctx, s, ULOrders, int64(1))
		is.NoErr(err)
		is.NoErr(ULOrders.Addr.Load(ctx, s, o1))
		is.NoErr(s.Commit(ctx))
		_, err = db.Exec(ctx, quarry.Text(`INSERT INTO ul_notes (id, user_id, body) VALUES (5, 1, 'by other')`))
		is.NoErr(err)

		n1 := ann.Notes[0]
		fresh := &ULNote{ID: 9, Body: "unflushed"}
		is.NoErr(s.Add(fresh))
		ann.Notes = []*ULNote{ann.Notes[1], fresh} // n1 removed, fresh appended
		ann.Name = "changed"
		a2, err := quarry.Get(ctx, s, ULAddrs, int64(2))
		is.NoErr(err)
		o1.Addr = a2

		log.Reset()
		is.NoErr(s.Refresh(ctx, ann))
		is.NoErr(s.Refresh(ctx, o1))
		is.Equal(countPrefix(sessSQL(log), "SELECT"), 4) // each row, then its relationship
		is.Equal(ann.Name, "ann")
		is.Equal(len(ann.Notes), 3)
		is.True(ann.Notes[0] == n1)
		is.Equal(ann.Notes[2].Body, "by other")
		is.True(ann.Notes[2].User == ann)
		is.True(o1.Addr != nil && o1.Addr.ID == 1)
		is.True(!s.IsModified(ann))
		is.True(!s.IsModified(o1))
		is.Equal(s.New(), []any{fresh}) // still pending: it was added

		s.Expunge(fresh)
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(len(sessSQL(log)), 0) // nothing written: no transaction to commit
		is.Equal(ulNoteUsers(t, db), map[string]int64{"n1": 1, "n2": 1, "by other": 1})
		is.Equal(ulOrderAddrs(t, db), map[int64]int64{1: 1, 2: 1})
	})
}

// Item 17: FromStatement of an entity with a lazy=joined relationship
// loads the relationship with a SelectIn (a text statement cannot be
// joined), in a Session and outside one; so does an explicit Joined.
func TestFromStatementJoinedDefault(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ulSchema(t, db)
		txt := quarry.Text(`SELECT id, addr_id, item FROM ul_jorders WHERE item = :item`).Bind("item", "j2")
		for _, ex := range []quarry.Executor{db, db.Session()} {
			log.Reset()
			orders, err := quarry.Select(ULJOrders).FromText(txt).All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(orders), 1)
			is.Equal(orders[0].ID, int64(2))
			is.True(orders[0].Addr != nil)
			is.Equal(orders[0].Addr.Street, "first")
			is.Equal(selects(log), []string{
				"SELECT id, addr_id, item FROM ul_jorders WHERE item = ?",
				"SELECT ul_addrs.id, ul_addrs.street FROM ul_addrs WHERE ul_addrs.id IN (?)",
			})
			plain, err := quarry.Select(ULOrders).FromText(quarry.Text(`SELECT id, addr_id, item FROM ul_orders`)).
				Options(quarry.Joined(ULOrders.Addr)).All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(plain), 2)
			is.Equal(plain[1].Addr.Street, "first")
			if s, ok := ex.(*quarry.Session); ok {
				is.NoErr(s.Close(ctx))
			}
		}
	})
}
