package quarry_test

// Partial loading: ports of SQLAlchemy's test/orm/test_deferred.py
// (DeferredTest, DeferredOptionsTest) onto the orders fixture of
// test/orm/_fixtures.py, and the 2.0 querying guide's user_address_subq
// example. quarry cannot intercept a field read, so where SQLAlchemy
// loads a deferred attribute on access these tests call
// Session.LoadColumns and assert the same statement.

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// DfOrder is the fixture's Order.
type DfOrder struct {
	ID          int64
	UserID      int64
	AddressID   *int64
	Description string
	IsOpen      int64
}

// DfOrderTable maps it with description deferred (deferred(orders.c.description)).
type DfOrderTable struct {
	quarry.Entity[DfOrder]
	ID          quarry.Column[int64]  `quarry:"id,pk"`
	UserID      quarry.Column[int64]  `quarry:"user_id"`
	AddressID   quarry.Column[*int64] `quarry:"address_id"`
	Description quarry.Column[string] `quarry:"description,deferred"`
	IsOpen      quarry.Column[int64]  `quarry:"isopen"`
}

// DfPlainOrderTable maps the same struct with no deferred column, for
// the option tests (map_imperatively(Order, orders)).
type DfPlainOrderTable struct {
	quarry.Entity[DfPlainOrder]
	ID          quarry.Column[int64]  `quarry:"id,pk"`
	UserID      quarry.Column[int64]  `quarry:"user_id"`
	AddressID   quarry.Column[*int64] `quarry:"address_id"`
	Description quarry.Column[string] `quarry:"description"`
	IsOpen      quarry.Column[int64]  `quarry:"isopen"`
}

// DfPlainOrder is the Order of the option tests.
type DfPlainOrder DfOrder

// DfUser and DfItem test column options under a relationship loader
// (test_deep_options, reduced to one level).
type DfUser struct {
	ID     int64
	Name   string
	Orders []*DfLine
}

type DfUserTable struct {
	quarry.Entity[DfUser]
	ID     quarry.Column[int64]        `quarry:"id,pk"`
	Name   quarry.Column[string]       `quarry:"name"`
	Orders quarry.Many[DfUser, DfLine] `quarry:"order=id"`
}

type DfLine struct {
	ID          int64
	UserID      int64
	Description string
}

type DfLineTable struct {
	quarry.Entity[DfLine]
	ID          quarry.Column[int64]  `quarry:"id,pk"`
	UserID      quarry.Column[int64]  `quarry:"user_id,fk=df_users.id"`
	Description quarry.Column[string] `quarry:"description,deferred"`
}

var (
	DfOrders      = quarry.Table[DfOrder, DfOrderTable]("df_orders")
	DfPlainOrders = quarry.Table[DfPlainOrder, DfPlainOrderTable]("df_plain_orders")
	DfUsers       = quarry.Table[DfUser, DfUserTable]("df_users")
	DfLines       = quarry.Table[DfLine, DfLineTable]("df_lines")
)

// dfEach runs fn on every backend with the orders fixture loaded into
// both order tables, a Session without autoflush (so the statements
// asserted are the test's own), and the log reset.
func dfEach(t *testing.T, fn func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log)) {
	t.Helper()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		ctx := context.Background()
		if err := db.CreateAll(ctx, DfOrders, DfPlainOrders, DfUsers, DfLines); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []*quarry.TextClause{
			quarry.Text(`INSERT INTO df_orders (id, user_id, description, isopen, address_id) VALUES
				(1, 7, 'order 1', 0, 1), (2, 9, 'order 2', 0, 4), (3, 7, 'order 3', 1, 1),
				(4, 9, 'order 4', 1, 4), (5, 7, 'order 5', 0, NULL)`),
			quarry.Text(`INSERT INTO df_plain_orders (id, user_id, description, isopen, address_id) VALUES
				(1, 7, 'order 1', 0, 1), (2, 9, 'order 2', 0, 4), (3, 7, 'order 3', 1, 1),
				(4, 9, 'order 4', 1, 4), (5, 7, 'order 5', 0, NULL)`),
			quarry.Text(`INSERT INTO df_users (id, name) VALUES (7, 'jack'), (9, 'fred')`),
			quarry.Text(`INSERT INTO df_lines (id, user_id, description) VALUES (1, 7, 'item 1'), (2, 7, 'item 2'), (3, 9, 'item 3')`),
		} {
			if _, err := db.Exec(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		s := db.Session(quarry.WithAutoflush(false))
		t.Cleanup(func() { s.Close(context.Background()) })
		log.Reset()
		fn(t, db, s, log)
	})
}

// dfSQL is the log's statements, normalised, without transaction control.
func dfSQL(log *testdb.Log) []string { return relFlushSQL(log) }

// dfRows reads back id:description:isopen of a table with a fresh query.
func dfRows(t *testing.T, db *quarry.DB) []quarry.Row3[int64, string, int64] {
	t.Helper()
	rows, err := quarry.Select3(DfPlainOrders.ID, DfPlainOrders.Description, DfPlainOrders.IsOpen).
		OrderBy(DfPlainOrders.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func dfOrderRows(t *testing.T, db *quarry.DB) []quarry.Row4[int64, int64, string, int64] {
	t.Helper()
	rows, err := quarry.Select4(DfOrders.ID, DfOrders.UserID, DfOrders.Description, DfOrders.IsOpen).
		OrderBy(DfOrders.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// test_deferred.py::DeferredTest::test_basic (and test_basic_w_new_style:
// the tag is the mapped_column(deferred=True) form).
func TestSA_DeferredTest_test_basic(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.Equal(DfOrder{}.Description, "") // o.description is None

		result, err := quarry.Select(DfOrders).OrderBy(DfOrders.ID).All(ctx, s)
		is.NoErr(err)
		o2 := result[2]
		is.Equal(o2.Description, "")
		is.Equal(s.Unloaded(o2), []string{"Description"})
		is.NoErr(s.LoadColumns(ctx, o2)) // o2.description
		is.Equal(o2.Description, "order 3")
		is.Equal(s.Unloaded(o2), nil)
		is.Equal(dfSQL(log), []string{
			"SELECT df_orders.id, df_orders.user_id, df_orders.address_id, df_orders.isopen FROM df_orders ORDER BY df_orders.id",
			"SELECT df_orders.id, df_orders.description FROM df_orders WHERE df_orders.id = ?",
		})

		// Loaded once: no more SQL, and Get of a partially loaded object
		// is an identity-map hit.
		log.Reset()
		is.NoErr(s.LoadColumns(ctx, o2))
		got, err := quarry.Get(ctx, s, DfOrders, int64(1))
		is.NoErr(err)
		is.Equal(got, result[0])
		is.Equal(log.Count(), 0)
	})
}

// test_deferred.py::DeferredTest::test_unsaved, test_unsaved_2: a pending
// object's deferred column is the program's; setting it sends no SQL,
// and the INSERT writes it.
func TestSA_DeferredTest_test_unsaved(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		o := &DfOrder{}
		is.NoErr(s.Add(o))
		o.ID = 7
		o.Description = "some description"
		is.Equal(log.Count(), 0)
		is.NoErr(s.Commit(ctx))
		rows := dfOrderRows(t, db)
		is.Equal(rows[len(rows)-1], quarry.Row4[int64, int64, string, int64]{V1: 7, V2: 0, V3: "some description", V4: 0})
	})
}

// test_deferred.py::DeferredTest::test_save: the UPDATE of a Get object
// writes the column changed, never the unloaded one.
func TestSA_DeferredTest_test_save(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		o2, err := quarry.Get(ctx, s, DfOrders, int64(2))
		is.NoErr(err)
		o2.IsOpen = 1
		is.NoErr(s.Flush(ctx))
		is.Equal(dfSQL(log), []string{
			"SELECT df_orders.id, df_orders.user_id, df_orders.address_id, df_orders.isopen FROM df_orders WHERE df_orders.id = ?",
			"UPDATE df_orders SET isopen = ? WHERE df_orders.id = ?",
		})
		is.NoErr(s.Commit(ctx))
		is.Equal(dfOrderRows(t, db)[1], quarry.Row4[int64, int64, string, int64]{V1: 2, V2: 9, V3: "order 2", V4: 1})
	})
}

// An unloaded column set to a value other than its zero value is written,
// as SQLAlchemy writes a deferred attribute that was set; one left alone
// is not, even across a commit.
func TestDfFlushWritesSetUnloadedColumn(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		os, err := quarry.Select(DfOrders).OrderBy(DfOrders.ID).Limit(2).All(ctx, s)
		is.NoErr(err)
		os[0].Description = "rewritten"
		os[1].UserID = 8
		log.Reset()
		is.NoErr(s.Commit(ctx))
		sql := dfSQL(log)
		is.Equal(len(sql), 2)
		is.Equal(sql[0], "UPDATE df_orders SET description = ? WHERE df_orders.id = ?")
		is.Equal(sql[1], "UPDATE df_orders SET user_id = ? WHERE df_orders.id = ?")
		rows := dfOrderRows(t, db)
		is.Equal(rows[0].V3, "rewritten")
		is.Equal(rows[1], quarry.Row4[int64, int64, string, int64]{V1: 2, V2: 8, V3: "order 2", V4: 0})
	})
}

// test_deferred.py::DeferredTest::test_preserve_changes: loading the
// deferred columns keeps a change the program made to one.
func TestSA_DeferredTest_test_preserve_changes(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		o, err := quarry.Get(ctx, s, DfOrders, int64(3))
		is.NoErr(err)
		o.Description = "somenewdescription"
		log.Reset()
		is.NoErr(s.LoadColumns(ctx, o))
		is.Equal(log.Count(), 1)
		is.Equal(o.Description, "somenewdescription")
		is.True(s.IsModified(o))
	})
}

// test_deferred.py::DeferredTest::test_commits_state: a loaded deferred
// column gets its committed state, so setting it to the same value is no
// change and the flush sends no SQL.
func TestSA_DeferredTest_test_commits_state(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		o2, err := quarry.Get(ctx, s, DfOrders, int64(3))
		is.NoErr(err)
		is.NoErr(s.LoadColumns(ctx, o2, "Description"))
		is.Equal(o2.Description, "order 3")
		is.True(!s.IsModified(o2))
		o2.Description = "order 3"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(log.Count(), 0)
	})
}

// test_deferred.py::DeferredTest::test_locates_col: a deferred column
// selected next to the entity is not looked up in the row (as in
// SQLAlchemy 1.0+): reading it on the object takes one statement.
func TestSA_DeferredTest_test_locates_col(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		r, err := quarry.Select2(DfOrders, DfOrders.Description).OrderBy(DfOrders.ID).First(ctx, s)
		is.NoErr(err)
		is.Equal(r.V2, "order 1")
		o1 := r.V1
		log.Reset()
		is.NoErr(s.LoadColumns(ctx, o1))
		is.Equal(o1.Description, "order 1")
		is.Equal(log.Count(), 1)
	})
}

// test_deferred.py::DeferredTest::test_map_selectable_wo_deferred: an
// entity over a subquery that selects the deferred column still defers
// it.
func TestSA_DeferredTest_test_map_selectable_wo_deferred(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sq := quarry.Select5(DfOrders.ID, DfOrders.UserID, DfOrders.AddressID, DfOrders.Description, DfOrders.IsOpen).Subquery()
		o := quarry.Aliased(DfOrders, quarry.FromSubquery(sq))
		o1, err := quarry.Select(o).OrderBy(o.ID).First(ctx, s)
		is.NoErr(err)
		is.Equal(s.Unloaded(o1), []string{"Description"})
		is.NoErr(s.LoadColumns(ctx, o1))
		is.Equal(o1.Description, "order 1")
	})
}

// test_deferred.py::DeferredOptionsTest::test_options: defer() and
// undefer() as statement options. Where SQLAlchemy refuses a later
// undefer of a column an earlier defer named, quarry applies the options
// in order: the later one wins.
func TestSA_DeferredOptionsTest_test_options(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		P := DfPlainOrders
		q := quarry.Select(P).OrderBy(P.ID).Options(quarry.Defer(P, P.UserID))
		os, err := q.All(ctx, s)
		is.NoErr(err)
		is.Equal(os[0].UserID, int64(0))
		is.NoErr(s.LoadColumns(ctx, os[0], "UserID"))
		is.Equal(os[0].UserID, int64(7))
		is.Equal(dfSQL(log), []string{
			"SELECT df_plain_orders.id, df_plain_orders.address_id, df_plain_orders.description, df_plain_orders.isopen FROM df_plain_orders ORDER BY df_plain_orders.id",
			"SELECT df_plain_orders.id, df_plain_orders.user_id FROM df_plain_orders WHERE df_plain_orders.id = ?",
		})
		s.ExpungeAll()

		full := "SELECT df_plain_orders.id, df_plain_orders.user_id, df_plain_orders.address_id, df_plain_orders.description, df_plain_orders.isopen FROM df_plain_orders ORDER BY df_plain_orders.id"
		for _, q := range []*quarry.Query[*DfPlainOrder]{
			q.Options(quarry.Undefer(P, P.UserID)),
			quarry.Select(P).OrderBy(P.ID).Options(quarry.Undefer(P, P.UserID)),
		} {
			log.Reset()
			os, err := q.All(ctx, s)
			is.NoErr(err)
			is.Equal(dfSQL(log), []string{full})
			is.Equal(os[1].UserID, int64(9))
			is.Equal(s.Unloaded(os[1]), nil)
		}
	})
}

// test_deferred.py::DeferredOptionsTest::test_load_only_no_pk,
// test_load_only_no_pk_rt, test_load_only_w_deferred, and
// test_undefer_star: load_only always loads the primary key; undefer
// adds to it; Undefer with no column loads every column.
func TestSA_DeferredOptionsTest_test_load_only(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		P, D := DfPlainOrders, DfOrders
		cases := []struct {
			name string
			sql  string
			run  func() error
		}{
			{"no_pk", "SELECT df_plain_orders.id, df_plain_orders.description, df_plain_orders.isopen FROM df_plain_orders ORDER BY df_plain_orders.id LIMIT ?",
				func() error {
					o, err := quarry.Select(P).OrderBy(P.ID).Options(quarry.LoadOnly(P, P.IsOpen, P.Description)).First(ctx, s)
					if err == nil && *o != (DfPlainOrder{ID: 1, Description: "order 1"}) {
						err = errors.New("wrong object")
					}
					return err
				}},
			{"w_deferred", "SELECT df_orders.id, df_orders.user_id, df_orders.description, df_orders.isopen FROM df_orders ORDER BY df_orders.id",
				func() error {
					_, err := quarry.Select(D).OrderBy(D.ID).Options(quarry.LoadOnly(D, D.IsOpen, D.Description), quarry.Undefer(D, D.UserID)).All(ctx, s)
					return err
				}},
			{"undefer_star", "SELECT df_orders.id, df_orders.user_id, df_orders.address_id, df_orders.description, df_orders.isopen FROM df_orders ORDER BY df_orders.id",
				func() error {
					os, err := quarry.Select(D).OrderBy(D.ID).Options(quarry.Undefer(D)).All(ctx, s)
					if err == nil && os[4].Description != "order 5" {
						err = errors.New("description not loaded")
					}
					return err
				}},
		}
		for _, c := range cases {
			s.ExpungeAll()
			log.Reset()
			if err := c.run(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			is.Equal(dfSQL(log), []string{c.sql})
		}
	})
}

// A later statement that reads the whole row fills the columns a held
// object lacks, and keeps the unflushed changes of those it has.
func TestDfIdentityMapFillsUnloaded(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		P := DfPlainOrders
		os, err := quarry.Select(P).OrderBy(P.ID).Options(quarry.LoadOnly(P, P.IsOpen)).All(ctx, s)
		is.NoErr(err)
		o := os[3]
		is.Equal(s.Unloaded(o), []string{"UserID", "AddressID", "Description"})
		o.IsOpen = 5 // unflushed (autoflush is off)
		o.Description = "mine"
		again, err := quarry.Select(P).Where(P.ID.Eq(4)).One(ctx, s)
		is.NoErr(err)
		is.True(again == o)
		is.Equal(o.UserID, int64(9))
		is.Equal(*o.AddressID, int64(4))
		is.Equal(o.Description, "mine")
		is.Equal(o.IsOpen, int64(5))
		is.Equal(s.Unloaded(o), nil)
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dfSQL(log), []string{"UPDATE df_plain_orders SET description = ?, isopen = ? WHERE df_plain_orders.id = ?"})
		is.Equal(dfRows(t, db)[3], quarry.Row3[int64, string, int64]{V1: 4, V2: "mine", V3: 5})

		// A second partial statement fills only what it reads.
		s.ExpungeAll()
		a, err := quarry.Select(P).Where(P.ID.Eq(1)).Options(quarry.LoadOnly(P, P.IsOpen)).One(ctx, s)
		is.NoErr(err)
		_, err = quarry.Select(P).Where(P.ID.Eq(1)).Options(quarry.LoadOnly(P, P.UserID)).One(ctx, s)
		is.NoErr(err)
		is.Equal(a.UserID, int64(7))
		is.Equal(s.Unloaded(a), []string{"AddressID", "Description"})
	})
}

// Column options name columns of the statement's entity: another
// table's column, a key column, or a statement of something else is an
// error before any SQL is sent. (A column option of another entity does
// not compile: Options of a Query[*DfOrder] takes Option[*DfOrder].)
func TestDfColumnOptionErrors(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		ctx := context.Background()
		D, P := DfOrders, DfPlainOrders
		cases := []struct {
			name string
			run  func() error
		}{
			{"other table's column", func() error {
				_, err := quarry.Select(D).Options(quarry.LoadOnly(D, P.IsOpen)).All(ctx, s)
				return err
			}},
			{"defer the key", func() error {
				_, err := quarry.Select(D).Options(quarry.Defer(D, D.ID)).All(ctx, s)
				return err
			}},
			{"zero column", func() error {
				_, err := quarry.Select(D).Options(quarry.Defer(D, quarry.Column[int64]{})).All(ctx, s)
				return err
			}},
			{"subquery lacks it", func() error {
				sq := quarry.Select2(D.ID, D.IsOpen).Subquery()
				a := quarry.Aliased(D, quarry.FromSubquery(sq))
				_, err := quarry.Select(a).Options(quarry.Undefer(a, a.UserID)).All(ctx, s)
				return err
			}},
			{"under Joined", func() error {
				_, err := quarry.Select(DfUsers).Options(quarry.Joined(DfUsers.Orders, quarry.LoadOnly(DfLines, DfLines.ID))).All(ctx, s)
				return err
			}},
		}
		for _, c := range cases {
			err := c.run()
			if !errors.Is(err, quarry.ErrInvalidArgument) {
				t.Errorf("%s: got %v, want ErrInvalidArgument", c.name, err)
			}
		}
		if n := log.Count(); n != 0 {
			t.Errorf("%d statements sent", n)
		}

		// StrictColumns keeps the old error for a subquery that lacks a
		// column.
		sq := quarry.Select2(D.ID, D.IsOpen).Subquery()
		a := quarry.Aliased(D, quarry.FromSubquery(sq), quarry.StrictColumns())
		if _, err := quarry.Select(a).All(ctx, s); err == nil {
			t.Error("StrictColumns: no error")
		}
	})
}

// test_deferred.py::DeferredTest::test_deep_options, one level deep: a
// relationship load defers its target's deferred column, and Undefer
// under the loader loads it in the same statement.
func TestSA_DeferredTest_test_deep_options(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		us, err := quarry.Select(DfUsers).OrderBy(DfUsers.ID).Options(quarry.SelectIn(DfUsers.Orders)).All(ctx, s)
		is.NoErr(err)
		item := us[0].Orders[1]
		is.Equal(item.Description, "")
		log.Reset()
		is.NoErr(s.LoadColumns(ctx, item))
		is.Equal(item.Description, "item 2")
		is.Equal(log.Count(), 1)

		s.ExpungeAll()
		log.Reset()
		us, err = quarry.Select(DfUsers).OrderBy(DfUsers.ID).Options(
			quarry.SelectIn(DfUsers.Orders, quarry.Undefer(DfLines, DfLines.Description))).All(ctx, s)
		is.NoErr(err)
		item = us[0].Orders[1]
		is.Equal(item.Description, "item 2")
		is.Equal(s.Unloaded(item), nil)
		sql := dfSQL(log)
		is.Equal(len(sql), 2)
		is.Equal(sql[1], "SELECT df_lines.id, df_lines.user_id, df_lines.description FROM df_lines WHERE df_lines.user_id IN (?, ?) ORDER BY df_lines.id")

		// LoadOnly under the loader keeps the column tying a row to its
		// parent.
		s.ExpungeAll()
		log.Reset()
		us, err = quarry.Select(DfUsers).OrderBy(DfUsers.ID).Options(
			quarry.SelectIn(DfUsers.Orders, quarry.LoadOnly(DfLines))).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(us[0].Orders), 2)
		is.Equal(len(us[1].Orders), 1)
		is.Equal(dfSQL(log)[1], "SELECT df_lines.id, df_lines.user_id FROM df_lines WHERE df_lines.user_id IN (?, ?) ORDER BY df_lines.id")
	})
}

// The 2.0 querying guide's "Subqueries that Refer to Multiple Entities":
// user_address_subq selects Address.id and Address.email_address but not
// Address.user_id, and aliased(Address, user_address_subq) still loads
// Address objects, the missing column unloaded.
func TestGuideUserAddressSubq(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadGuide(t, db)
		s := db.Session()
		defer s.Close(ctx)
		userAddressSubq := quarry.Select5(GUsers.ID, GUsers.Name, GUsers.Fullname, GAddresses.ID, GAddresses.EmailAddress).
			JoinFrom(GUsers, GAddresses).
			Where(GAddresses.EmailAddress.In("pat999@aol.com", "squirrel@squirrelpower.org")).
			Subquery()
		userAlias := quarry.Aliased(GUsers, quarry.FromSubquery(userAddressSubq), quarry.AliasName("user"))
		addressAlias := quarry.Aliased(GAddresses, quarry.FromSubquery(userAddressSubq), quarry.AliasName("address"))
		stmt := quarry.Select2(userAlias, addressAlias).Where(userAlias.Name.Eq("sandy"))
		assertSQL(t, stmt, `SELECT anon_1.id, anon_1.name, anon_1.fullname, anon_1.id_1, anon_1.email_address FROM (SELECT user_account.id AS id, user_account.name AS name, user_account.fullname AS fullname, address.id AS id_1, address.email_address AS email_address FROM user_account JOIN address ON user_account.id = address.user_id WHERE address.email_address IN (?, ?)) AS anon_1 WHERE anon_1.name = ?`)
		log.Reset()
		rows, err := stmt.All(ctx, s)
		is.NoErr(err)
		is.Equal(log.Count(), 1)
		is.Equal(len(rows), 1)
		u, a := rows[0].V1, rows[0].V2
		// User(id=2, name='sandy', fullname='Sandy Cheeks') Address(id=3, email_address='squirrel@squirrelpower.org')
		is.Equal([]any{u.ID, u.Name, u.Fullname}, []any{int64(2), "sandy", "Sandy Cheeks"})
		is.Equal([]any{a.ID, a.EmailAddress}, []any{int64(3), "squirrel@squirrelpower.org"})
		is.Equal(s.Unloaded(a), []string{"UserID"})
		is.Equal(s.Unloaded(u), nil)

		// Loading the address's user first loads the foreign key the
		// subquery lacked.
		log.Reset()
		is.NoErr(GAddresses.User.Load(ctx, s, a))
		is.True(a.User == u)
		is.Equal(a.UserID, int64(2))
		is.Equal(dfSQL(log)[0], "SELECT address.id, address.user_id FROM address WHERE address.id = ?")
		is.Equal(s.Unloaded(a), nil)

		// A change flushes without touching user_id; loading it later
		// reads the row's value.
		a.EmailAddress = "sandy@squirrelpower.org"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(dfSQL(log), []string{"UPDATE address SET email_address = ? WHERE address.id = ?"})
		is.NoErr(s.LoadColumns(ctx, a))
		is.Equal(a.UserID, int64(2))
		is.NoErr(s.Commit(ctx))
		got, err := quarry.Select2(GAddresses.UserID, GAddresses.EmailAddress).Where(GAddresses.ID.Eq(3)).One(ctx, db)
		is.NoErr(err)
		is.Equal(got, quarry.Row2[int64, string]{V1: 2, V2: "sandy@squirrelpower.org"})
	})
}

// Expiry and partial loading together: after ExpireAll, Get reloads the
// object once (its deferred column left out again) and then returns it
// without SQL; after Commit a full statement refreshes every column.
func TestDfExpireThenGet(t *testing.T) {
	dfEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		o, err := quarry.Get(ctx, s, DfOrders, int64(1))
		is.NoErr(err)
		s.ExpireAll()
		is.Equal(s.Unloaded(o), []string{"ID", "UserID", "AddressID", "Description", "IsOpen"})
		log.Reset()
		for range 2 {
			got, err := quarry.Get(ctx, s, DfOrders, int64(1))
			is.NoErr(err)
			is.True(got == o)
		}
		is.Equal(log.Count(), 1)
		is.Equal(s.Unloaded(o), []string{"Description"})

		is.NoErr(s.Commit(ctx))
		_, err = db.Exec(ctx, quarry.Text(`UPDATE df_orders SET description = 'changed', isopen = 3 WHERE id = 1`))
		is.NoErr(err)
		_, err = quarry.Select(DfOrders).Where(DfOrders.ID.Eq(1)).Options(quarry.Undefer(DfOrders)).One(ctx, s)
		is.NoErr(err)
		is.Equal([]any{o.Description, o.IsOpen}, []any{"changed", int64(3)})
		is.Equal(s.Unloaded(o), nil)
	})
}
