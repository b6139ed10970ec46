package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Expiry and refresh controls (issue 10, item 8): Expire, ExpireAll,
// PopulateExisting, GetWith with loader options and ForUpdate, and the
// version check of a row read FOR UPDATE. Cases ported from SQLAlchemy's
// test/orm/test_expire.py and test_versioning.py name their originals.
// Tables are prefixed ex_.

// ExUser has addresses, as test_expire.py's users.
type ExUser struct {
	ID        int64
	Name      string
	Addresses []*ExAddress
}

// ExUserTable maps ExUser to ex_users.
type ExUserTable struct {
	quarry.Entity[ExUser]
	ID        quarry.Column[int64]           `quarry:"id,pk,noauto"`
	Name      quarry.Column[string]          `quarry:"name,len=30"`
	Addresses quarry.Many[ExUser, ExAddress] `quarry:"back=User,order=id"`
}

// ExAddress belongs to an ExUser.
type ExAddress struct {
	ID     int64
	UserID *int64
	Email  string
	User   *ExUser
}

// ExAddressTable maps ExAddress to ex_addresses.
type ExAddressTable struct {
	quarry.Entity[ExAddress]
	ID     quarry.Column[int64]          `quarry:"id,pk,noauto"`
	UserID quarry.Column[*int64]         `quarry:"user_id,fk=ex_users.id"`
	Email  quarry.Column[string]         `quarry:"email,len=50"`
	User   quarry.One[ExAddress, ExUser] `quarry:"back=Addresses"`
}

// ExOrder is test_expire.py's orders.
type ExOrder struct {
	ID          int64
	Description *string
	IsOpen      int64
}

// ExOrderTable maps ExOrder to ex_orders.
type ExOrderTable struct {
	quarry.Entity[ExOrder]
	ID          quarry.Column[int64]   `quarry:"id,pk,noauto"`
	Description quarry.Column[*string] `quarry:"description,len=30"`
	IsOpen      quarry.Column[int64]   `quarry:"isopen"`
}

// ExVersioned is test_versioning.py's version_table.
type ExVersioned struct {
	ID        int64
	Value     string
	VersionID int64
}

// ExVersionedTable maps ExVersioned to ex_versioned.
type ExVersionedTable struct {
	quarry.Entity[ExVersioned]
	ID        quarry.Column[int64]  `quarry:"id,pk,noauto"`
	Value     quarry.Column[string] `quarry:"value,len=40"`
	VersionID quarry.Column[int64]  `quarry:"version_id,version"`
}

var (
	ExUsers     = quarry.Table[ExUser, ExUserTable]("ex_users")
	ExAddresses = quarry.Table[ExAddress, ExAddressTable]("ex_addresses")
	ExOrders    = quarry.Table[ExOrder, ExOrderTable]("ex_orders")
	ExVersions  = quarry.Table[ExVersioned, ExVersionedTable]("ex_versioned")
)

const (
	exUserCols  = "ex_users.id, ex_users.name"
	exOrderCols = "ex_orders.id, ex_orders.description, ex_orders.isopen"
	exAddrCols  = "ex_addresses.id, ex_addresses.user_id, ex_addresses.email"
)

// exSetup creates the tables with users 7 (jack, one address) and 8 (ed,
// two addresses) and order 3, and resets the log.
func exSetup(t *testing.T, db *quarry.DB, log *testdb.Log) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, ExUsers, ExAddresses, ExOrders, ExVersions); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO ex_users (id, name) VALUES (7, 'jack'), (8, 'ed')",
		"INSERT INTO ex_addresses (id, user_id, email) VALUES (1, 7, 'jack@bean.com'), (2, 8, 'ed@wood.com'), (3, 8, 'ed@bettyboop.com')",
		"INSERT INTO ex_orders (id, description, isopen) VALUES (3, 'order 3', 1)",
	} {
		if _, err := db.Exec(ctx, quarry.UnsafeText(q)); err != nil {
			t.Fatal(err)
		}
	}
	log.Reset()
}

func exExec(t *testing.T, db *quarry.DB, q string) {
	t.Helper()
	if _, err := db.Exec(context.Background(), quarry.UnsafeText(q)); err != nil {
		t.Fatal(err)
	}
}

// forUpdate is the locking clause the backend of the subtest renders.
func forUpdate(t *testing.T) string {
	if strings.HasSuffix(t.Name(), "/"+testdb.PostgreSQL) {
		return " FOR UPDATE"
	}
	return ""
}

// TestExpireReloadsOnQuery ports test_expire: Expire discards the
// unflushed change at once, and the next query overwrites the expired
// object from its row.
func TestExpireReloadsOnQuery(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session(quarry.WithAutoflush(false), quarry.WithExpireOnCommit(false))
		defer s.Close(ctx)
		u, err := quarry.Get(ctx, s, ExUsers, 7)
		is.NoErr(err)
		u.Name = "foo"
		is.True(s.IsModified(u))
		log.Reset()
		is.NoErr(s.Expire(u))
		is.Equal(log.Count(), 0)  // Expire sends nothing
		is.Equal(u.Name, "jack")  // the unflushed change is discarded
		is.True(!s.IsModified(u)) // and the flush has nothing to write
		is.NoErr(s.Flush(ctx))    //
		is.Equal(log.Count(), 0)  //
		is.NoErr(s.Commit(ctx))   // nothing to write: COMMIT alone
		exExec(t, db, "UPDATE ex_users SET name = 'jack2' WHERE id = 7")
		log.Reset()
		is.NoErr(s.Expire(u))
		is.Equal(u.Name, "jack") // not refreshed yet
		got, err := quarry.Get(ctx, s, ExUsers, 7)
		is.NoErr(err)
		is.True(got == u)
		is.Equal(u.Name, "jack2") // the Get reloaded it
		users, err := quarry.Select(ExUsers).OrderBy(ExUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(users), 2)
		is.True(users[0] == u)
		is.Equal(sessSQL(log), []string{
			"SELECT " + exUserCols + " FROM ex_users WHERE ex_users.id = ?",
			"SELECT " + exUserCols + " FROM ex_users ORDER BY ex_users.id",
		})

		// Expired, then a query: the query refreshes it (no Get needed).
		is.NoErr(s.Commit(ctx))
		exExec(t, db, "UPDATE ex_users SET name = 'jack3' WHERE id = 7")
		_, err = quarry.Select(ExUsers).All(ctx, s)
		is.NoErr(err)
		is.Equal(u.Name, "jack2") // not expired: the Session's view wins
		is.NoErr(s.Expire(u))
		_, err = quarry.Select(ExUsers).All(ctx, s)
		is.NoErr(err)
		is.Equal(u.Name, "jack3")
		is.True(!s.IsModified(u)) // the snapshot is the row
	})
}

// TestExpirePreservesLaterChanges ports test_expire_preserves_changes and
// test_expire_doesntload_on_set: a field set after Expire holds a new
// change, which the reload keeps and the flush writes.
func TestExpirePreservesLaterChanges(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		o, err := quarry.Get(ctx, s, ExOrders, 3)
		is.NoErr(err)
		is.NoErr(s.Expire(o))
		o.Description = sptr("order 3 modified")
		_, err = quarry.Select(ExOrders).All(ctx, s)
		is.NoErr(err)
		is.Equal(*o.Description, "order 3 modified") // kept
		is.Equal(o.IsOpen, int64(1))

		o.IsOpen = 15
		is.NoErr(s.Expire(o, "IsOpen", "Description"))
		is.Equal(o.IsOpen, int64(1)) // discarded
		is.Equal(*o.Description, "order 3")
		o.Description = sptr("some new description")
		_, err = quarry.Select(ExOrders).All(ctx, s)
		is.NoErr(err)
		is.Equal(o.IsOpen, int64(1))
		is.Equal(*o.Description, "some new description")

		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE ex_orders SET description = ? WHERE ex_orders.id = ?"})
		is.Equal(*log.Entries()[1].Args[0].(*string), "some new description")
	})
}

// TestExpirePartial ports test_partial_expire and test_expire_committed:
// only the named fields reload; the others keep the Session's values and
// snapshot, so the flush after the reload writes nothing.
func TestExpirePartial(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session(quarry.WithAutoflush(false), quarry.WithExpireOnCommit(false))
		defer s.Close(ctx)
		o, err := quarry.Get(ctx, s, ExOrders, 3)
		is.NoErr(err)
		is.NoErr(s.Commit(ctx))
		exExec(t, db, "UPDATE ex_orders SET description = 'order 3 modified', isopen = 9 WHERE id = 3")

		is.NoErr(s.Expire(o, "Description"))
		log.Reset()
		got, err := quarry.Get(ctx, s, ExOrders, 3) // expired: reloads
		is.NoErr(err)
		is.True(got == o)
		is.Equal(*o.Description, "order 3 modified") // refreshed
		is.Equal(o.IsOpen, int64(1))                 // not expired: kept
		is.Equal(sessSQL(log), []string{"SELECT " + exOrderCols + " FROM ex_orders WHERE ex_orders.id = ?"})
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(log.Count(), 0) // nothing changed against the snapshot

		// A change of a column not expired survives the reload of another.
		o.IsOpen = 5
		is.NoErr(s.Expire(o, "Description"))
		_, err = quarry.Select(ExOrders).All(ctx, s)
		is.NoErr(err)
		is.Equal(o.IsOpen, int64(5))
		is.Equal(s.Dirty(), []any{o})
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE ex_orders SET isopen = ? WHERE ex_orders.id = ?"})

		// Field names, not column names.
		err = s.Expire(o, "isopen")
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "isopen")) // names the field
	})
}

// TestExpireAll ports test_expire_all: every object's columns reload at
// the next query; unflushed changes are discarded.
func TestExpireAll(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session(quarry.WithAutoflush(false), quarry.WithExpireOnCommit(false))
		defer s.Close(ctx)
		users, err := quarry.Select(ExUsers).OrderBy(ExUsers.ID).
			Options(quarry.SelectIn(ExUsers.Addresses)).All(ctx, s)
		is.NoErr(err)
		is.NoErr(s.Commit(ctx))
		jack, ed := users[0], users[1]
		exExec(t, db, "UPDATE ex_users SET name = name || '!'")
		exExec(t, db, "UPDATE ex_addresses SET email = 'x' || email")
		jack.Name = "unflushed"
		s.ExpireAll()
		is.Equal(jack.Name, "jack") // discarded
		is.Equal(len(s.Dirty()), 0)

		log.Reset()
		again, err := quarry.Select(ExUsers).OrderBy(ExUsers.ID).
			Options(quarry.SelectIn(ExUsers.Addresses)).All(ctx, s)
		is.NoErr(err)
		is.Equal(again, []*ExUser{jack, ed})
		is.Equal([]string{jack.Name, ed.Name}, []string{"jack!", "ed!"})
		is.Equal(jack.Addresses[0].Email, "xjack@bean.com") // the addresses too
		is.Equal(ed.Addresses[1].Email, "xed@bettyboop.com")
		is.Equal(sessSQL(log), []string{
			"SELECT " + exUserCols + " FROM ex_users ORDER BY ex_users.id",
			"SELECT " + exAddrCols + " FROM ex_addresses WHERE ex_addresses.user_id IN (?, ?) ORDER BY ex_addresses.id",
		})
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(log.Count(), 0)
	})
}

// TestExpireNotPersistent ports test_pending_raises and
// test_persistence_check: a pending or detached object cannot be expired,
// and the error names it; a failed Expire changes nothing.
func TestExpireNotPersistent(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session()
		defer s.Close(ctx)
		u := &ExUser{ID: 15, Name: "new"}
		is.NoErr(s.Add(u))
		err := s.Expire(u, "Name")
		is.True(errors.Is(err, quarry.ErrNotInSession))
		is.True(strings.Contains(err.Error(), "pending *quarry_test.ExUser")) // names the object
		is.Equal(u.Name, "new")
		is.Equal(s.New(), []any{u}) // still pending

		jack, err := quarry.Get(ctx, s, ExUsers, 7)
		is.NoErr(err)
		jack.Name = "changed"
		err = s.Expire(jack, "Name", "Nope")
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "ExUser.Nope"))
		err = s.Expire(jack, "Addresses")
		is.True(strings.Contains(err.Error(), "relationship"))
		is.Equal(jack.Name, "changed") // a failed Expire changes nothing

		s.Expunge(jack)
		err = s.Expire(jack)
		is.True(errors.Is(err, quarry.ErrNotInSession))
		is.True(strings.Contains(err.Error(), "*quarry_test.ExUser"))
		is.True(s.Expire(nil) != nil)
		is.NoErr(s.Commit(ctx)) // the Session is usable
		n, err := quarry.Select(ExUsers).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(3))
	})
}

// TestRefreshCancelsExpire ports test_refresh_cancels_expire: Refresh
// reloads at once, and the object is no longer expired.
func TestRefreshCancelsExpire(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session(quarry.WithExpireOnCommit(false))
		defer s.Close(ctx)
		o, err := quarry.Get(ctx, s, ExOrders, 3)
		is.NoErr(err)
		is.NoErr(s.Commit(ctx))
		exExec(t, db, "UPDATE ex_orders SET description = 'new', isopen = 2 WHERE id = 3")
		is.NoErr(s.Expire(o, "IsOpen"))
		log.Reset()
		is.NoErr(s.Refresh(ctx, o))
		is.Equal(*o.Description, "new") // Refresh reloads every column
		is.Equal(o.IsOpen, int64(2))
		log.Reset()
		got, err := quarry.Get(ctx, s, ExOrders, 3)
		is.NoErr(err)
		is.True(got == o)
		is.Equal(log.Count(), 0) // no longer expired: no SQL
	})
}

// TestPopulateExisting ports test_populate_existing (test_query.py) and
// test_joinedload_query_refreshes: the statement overwrites objects
// already held, their unflushed column changes and the relationships its
// loaders load included; without it the Session's view wins.
func TestPopulateExisting(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		q := quarry.Select(ExUsers).OrderBy(ExUsers.ID)
		users, err := q.Options(quarry.SelectIn(ExUsers.Addresses)).All(ctx, s)
		is.NoErr(err)
		jack, ed := users[0], users[1]
		jack.Name = "unflushed"
		ed.Addresses = ed.Addresses[:1]         // an unflushed removal
		ed.Addresses[0].Email = "changed@x.com" // an unflushed column change of a child

		_, err = q.Options(quarry.SelectIn(ExUsers.Addresses)).All(ctx, s)
		is.NoErr(err)
		is.Equal(jack.Name, "unflushed") // kept without PopulateExisting
		is.Equal(len(ed.Addresses), 1)

		log.Reset()
		again, err := q.Options(quarry.SelectIn(ExUsers.Addresses)).PopulateExisting().All(ctx, s)
		is.NoErr(err)
		is.Equal(again, []*ExUser{jack, ed})
		is.Equal(jack.Name, "jack")                    // overwritten
		is.Equal(len(ed.Addresses), 2)                 // the collection reloaded
		is.Equal(ed.Addresses[0].Email, "ed@wood.com") // and the child overwritten
		is.Equal(ed.Addresses[1].User, ed)
		is.Equal(len(s.Dirty()), 0) // snapshots are the rows
		is.Equal(sessSQL(log), []string{
			"SELECT " + exUserCols + " FROM ex_users ORDER BY ex_users.id",
			"SELECT " + exAddrCols + " FROM ex_addresses WHERE ex_addresses.user_id IN (?, ?) ORDER BY ex_addresses.id",
		})
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(log.Count(), 0)

		// Joined: the collection read from the statement's rows is
		// overwritten too.
		ed.Addresses = nil
		ed.Name = "x"
		ed.Addresses = []*ExAddress{}
		_, err = quarry.Select(ExUsers).Where(ExUsers.ID.Eq(8)).
			Options(quarry.Joined(ExUsers.Addresses)).PopulateExisting().All(ctx, s)
		is.NoErr(err)
		is.Equal(ed.Name, "ed")
		is.Equal(len(ed.Addresses), 2)
		is.Equal(len(s.Dirty()), 0)

		// The statement is immutable: q itself still keeps changes.
		jack.Name = "again"
		_, err = q.All(ctx, s)
		is.NoErr(err)
		is.Equal(jack.Name, "again")
	})
}

// TestGetWith runs Get with loader options and ForUpdate.
func TestGetWith(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s := db.Session()
		defer s.Close(ctx)
		withAddrs := quarry.Select(ExUsers).Options(quarry.SelectIn(ExUsers.Addresses))
		ed, err := quarry.GetWith(ctx, s, withAddrs, 8)
		is.NoErr(err)
		is.Equal(ed.Name, "ed")
		is.Equal(len(ed.Addresses), 2)
		is.Equal(sessSQL(log), []string{
			"SELECT " + exUserCols + " FROM ex_users WHERE ex_users.id = ?",
			"SELECT " + exAddrCols + " FROM ex_addresses WHERE ex_addresses.user_id IN (?) ORDER BY ex_addresses.id",
		})

		// In the identity map: no SQL, as Get.
		log.Reset()
		same, err := quarry.GetWith(ctx, s, withAddrs, int64(8))
		is.NoErr(err)
		is.True(same == ed)
		is.Equal(log.Count(), 0)

		// ForUpdate always selects, and locks where the database can.
		same, err = quarry.GetWith(ctx, s, quarry.Select(ExUsers).ForUpdate(), 8)
		is.NoErr(err)
		is.True(same == ed)
		is.Equal(sessSQL(log), []string{"BEGIN", "SELECT " + exUserCols + " FROM ex_users WHERE ex_users.id = ?" + forUpdate(t)})

		// A missing row, and statements GetWith refuses.
		_, err = quarry.GetWith(ctx, s, quarry.Select(ExUsers).ForUpdate(), 99)
		is.True(errors.Is(err, quarry.ErrNoResult))
		_, err = quarry.GetWith(ctx, s, quarry.Select(ExUsers).Where(ExUsers.Name.Eq("ed")), 8)
		is.True(err != nil)
		_, err = quarry.GetWith(ctx, s, quarry.Select(ExUsers), 8, 9)
		is.True(err != nil) // one key column
		_, err = quarry.GetWith[ExUser](ctx, s, nil, 8)
		is.True(err != nil)

		// ForUpdate on a statement, and First's LIMIT before the lock.
		log.Reset()
		first, err := quarry.Select(ExAddresses).Where(quarry.Like(ExAddresses.Email, "ed%")).
			OrderBy(ExAddresses.ID).ForUpdate().First(ctx, s)
		is.NoErr(err)
		is.Equal(first.ID, int64(2))
		is.Equal(sessSQL(log), []string{"SELECT " + exAddrCols + " FROM ex_addresses WHERE ex_addresses.email LIKE ? ORDER BY ex_addresses.id LIMIT ?" + forUpdate(t)})
		n, err := quarry.Select(ExAddresses).ForUpdate().Count(ctx, s) // nested: no lock
		is.NoErr(err)
		is.Equal(n, int64(3))
		is.NoErr(s.Commit(ctx))
	})
}

// TestGetForUpdateVersionCheck ports test_versioning.py's
// test_versioncheck: a row locked at another version than the object held
// is a stale-object error; Refresh reloads, after which the locked Get
// succeeds; a new load is fine.
func TestGetForUpdateVersionCheck(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		exSetup(t, db, log)
		s1 := db.Session()
		defer s1.Close(ctx)
		f1 := &ExVersioned{ID: 1, Value: "f1 value"}
		is.NoErr(s1.Add(f1))
		is.NoErr(s1.Commit(ctx))
		is.Equal(f1.VersionID, int64(1))

		s2 := db.Session()
		f1s2, err := quarry.Get(ctx, s2, ExVersions, 1)
		is.NoErr(err)
		f1s2.Value = "f1 new value"
		is.NoErr(s2.Commit(ctx))
		is.NoErr(s2.Close(ctx))

		locked := quarry.Select(ExVersions).ForUpdate()
		log.Reset()
		_, err = quarry.GetWith(ctx, s1, locked, 1)
		var stale *quarry.StaleObjectError
		is.True(errors.As(err, &stale))
		is.True(errors.Is(err, quarry.ErrStale))
		is.Equal(stale.Op, "SELECT")
		is.Equal(*stale.Version, int64(1))
		is.Equal(*stale.Found, int64(2))
		is.True(strings.Contains(err.Error(), "version 1"))
		is.Equal(f1.Value, "f1 value") // left as it was
		is.Equal(sessSQL(log), []string{"BEGIN", "SELECT ex_versioned.id, ex_versioned.value, ex_versioned.version_id FROM ex_versioned WHERE ex_versioned.id = ?" + forUpdate(t)})

		// Reload it: then the locked Get is fine.
		is.NoErr(s1.Refresh(ctx, f1))
		is.Equal(f1.Value, "f1 new value")
		is.Equal(f1.VersionID, int64(2))
		got, err := quarry.GetWith(ctx, s1, locked, 1)
		is.NoErr(err)
		is.True(got == f1)

		// An expired version column asks for the row as it is now.
		is.NoErr(s1.Commit(ctx))
		exExec(t, db, "UPDATE ex_versioned SET value = 'v3', version_id = 3 WHERE id = 1")
		is.NoErr(s1.Expire(f1, "VersionID"))
		got, err = quarry.GetWith(ctx, s1, locked, 1)
		is.NoErr(err)
		is.Equal(got.VersionID, int64(3))
		is.Equal(got.Value, "v3") // expired by the commit, unchanged: refreshed
		got.Value = "v4"
		is.NoErr(s1.Commit(ctx)) // the Session is consistent: the UPDATE matches
		is.Equal(f1.VersionID, int64(4))

		// A brand new load is fine too.
		is.NoErr(s1.Close(ctx))
		s3 := db.Session()
		defer s3.Close(ctx)
		got, err = quarry.GetWith(ctx, s3, locked, 1)
		is.NoErr(err)
		is.Equal(got.Value, "v4")
	})
}
