package quarry_test

// Merge of detached and transient objects, with cases ported from
// SQLAlchemy's test/orm/test_merge.py (MergeTest): transient to empty,
// transient to persistent, a detached object with changes, one-to-many
// and many-to-one cascades, no load when in the identity map, cycles,
// and the version check. The web-handler cases decode JSON into new
// structs and merge them.

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// MgUser has addresses under cascade=all,delete-orphan.
type MgUser struct {
	ID        int64
	Name      string
	Fullname  string
	Addresses []*MgAddress
}

type MgUserTable struct {
	quarry.Entity[MgUser]
	ID        quarry.Column[int64] `quarry:"id,pk"`
	Name      quarry.Column[string]
	Fullname  quarry.Column[string]
	Addresses quarry.Many[MgUser, MgAddress] `quarry:"order=id,back=User,cascade=all,delete-orphan"`
}

// MgAddress refers back to its user; the back-reference is left out of
// JSON, as a web handler's types would.
type MgAddress struct {
	ID     int64
	UserID int64
	Email  string
	User   *MgUser `json:"-"`
}

type MgAddressTable struct {
	quarry.Entity[MgAddress]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	UserID quarry.Column[int64] `quarry:"user_id,fk=mg_users.id"`
	Email  quarry.Column[string]
	User   quarry.One[MgAddress, MgUser] `quarry:"back=Addresses"`
}

// MgDoc has a version counter.
type MgDoc struct {
	ID      int64
	Title   string
	Version int64
}

type MgDocTable struct {
	quarry.Entity[MgDoc]
	ID      quarry.Column[int64] `quarry:"id,pk"`
	Title   quarry.Column[string]
	Version quarry.Column[int64] `quarry:"version,version"`
}

var (
	MgUsers     = quarry.Table[MgUser, MgUserTable]("mg_users")
	MgAddresses = quarry.Table[MgAddress, MgAddressTable]("mg_addresses")
	MgDocs      = quarry.Table[MgDoc, MgDocTable]("mg_docs")
)

// mgSetup creates the tables and commits jack (id 1) with two addresses
// (ids 1 and 2), in a Session of its own that it closes.
func mgSetup(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, MgUsers, MgAddresses, MgDocs); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	defer s.Close(ctx)
	jack := &MgUser{Name: "jack", Fullname: "Jack Jones", Addresses: []*MgAddress{{Email: "jack@a"}, {Email: "jack@b"}}}
	if err := s.Add(jack, &MgDoc{Title: "draft"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// mgUsers and mgAddresses read the rows back, in key order.
func mgUsers(t *testing.T, db *quarry.DB) []MgUser {
	t.Helper()
	us, err := quarry.Select(MgUsers).OrderBy(MgUsers.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]MgUser, len(us))
	for i, u := range us {
		out[i] = MgUser{ID: u.ID, Name: u.Name, Fullname: u.Fullname}
	}
	return out
}

func mgAddresses(t *testing.T, db *quarry.DB) []MgAddress {
	t.Helper()
	as, err := quarry.Select(MgAddresses).OrderBy(MgAddresses.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]MgAddress, len(as))
	for i, a := range as {
		out[i] = MgAddress{ID: a.ID, UserID: a.UserID, Email: a.Email}
	}
	return out
}

// roundTrip encodes v as JSON and decodes it into a new value, as a web
// handler receives an object.
func roundTrip[T any](t *testing.T, v *T) *T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	mgSelectUser  = `SELECT "mg_users"."id", "mg_users"."name", "mg_users"."fullname" FROM "mg_users" WHERE "mg_users"."id" = ?`
	mgSelectAddrs = `SELECT "mg_addresses"."id", "mg_addresses"."user_id", "mg_addresses"."email" FROM "mg_addresses" WHERE ? = "mg_addresses"."user_id" ORDER BY "mg_addresses"."id"`
)

// The web handler: load, encode, close; decode in a new Session, change
// a field, Merge, Commit: one UPDATE of the changed column.
func TestMergeJSONDetachedWithChanges(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)

		s1 := db.Session()
		u, err := quarry.Get(ctx, s1, MgUsers, int64(1))
		is.NoErr(err)
		b, err := json.Marshal(u) // Addresses not loaded: null
		is.NoErr(err)
		is.NoErr(s1.Close(ctx))

		s2 := db.Session()
		defer s2.Close(ctx)
		in := new(MgUser)
		is.NoErr(json.Unmarshal(b, in))
		in.Fullname = "Jack Smith"
		log.Reset()
		got, err := quarry.Merge(ctx, s2, in)
		is.NoErr(err)
		is.True(got != in)        // the Session's own object
		is.True(!s2.Contains(in)) // in itself never enters
		is.Equal(got.Fullname, "Jack Smith")
		is.Equal(s2.Dirty(), []any{got})
		is.NoErr(s2.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			mgSelectUser,
			"BEGIN",
			`UPDATE "mg_users" SET "fullname" = ? WHERE "mg_users"."id" = ?`,
			"COMMIT",
		})
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Smith"}})
		is.Equal(len(mgAddresses(t, db)), 2) // a nil collection leaves them alone
	})
}

// A user with addresses decoded from JSON: the existing address changed
// is updated, the new one inserted, the one left out deleted as an
// orphan (cascade delete-orphan).
func TestMergeJSONCollection(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)

		s1 := db.Session()
		u, err := quarry.Get(ctx, s1, MgUsers, int64(1))
		is.NoErr(err)
		is.NoErr(MgUsers.Addresses.Load(ctx, s1, u))
		in := roundTrip(t, u)
		is.NoErr(s1.Close(ctx))

		is.Equal(len(in.Addresses), 2)
		in.Addresses[0].Email = "jack@new-a"                                 // changed
		in.Addresses = append(in.Addresses[:1], &MgAddress{Email: "jack@c"}) // jack@b left out, jack@c new

		s2 := db.Session()
		defer s2.Close(ctx)
		log.Reset()
		got, err := quarry.Merge(ctx, s2, in)
		is.NoErr(err)
		is.Equal(len(got.Addresses), 2)
		is.True(got.Addresses[0] != in.Addresses[0])
		is.Equal(got.Addresses[0].Email, "jack@new-a")
		is.Equal(got.Addresses[1].Email, "jack@c")
		is.Equal(len(s2.New()), 1) // jack@c
		is.NoErr(s2.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			mgSelectUser,
			mgSelectAddrs, // the collection, so that the one left out is known
			"BEGIN",
			`UPDATE "mg_addresses" SET "email" = ? WHERE "mg_addresses"."id" = ?`,
			`INSERT INTO "mg_addresses" ("user_id", "email") VALUES (?, ?) RETURNING "id"`,
			`DELETE FROM "mg_addresses" WHERE "mg_addresses"."id" = ?`,
			"COMMIT",
		})
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Jones"}})
		is.Equal(mgAddresses(t, db), []MgAddress{
			{ID: 1, UserID: 1, Email: "jack@new-a"},
			{ID: 3, UserID: 1, Email: "jack@c"},
		})
	})
}

// test_transient_to_pending / test_transient_to_pending_collection: a
// transient object with an unset key becomes a new pending copy, its
// collection copied too.
func TestMergeTransientToPending(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s := db.Session()
		defer s.Close(ctx)
		in := &MgUser{Name: "fred", Addresses: []*MgAddress{{Email: "fred1"}, {Email: "fred2"}}}
		log.Reset()
		got, err := quarry.Merge(ctx, s, in)
		is.NoErr(err)
		is.Equal(len(log.Statements()), 0) // a zero key: nothing to load
		is.True(got != in)
		is.True(got.Addresses[0] != in.Addresses[0])
		is.Equal(len(s.New()), 3)
		is.True(!s.Contains(in) && !s.Contains(in.Addresses[0]))
		is.NoErr(s.Commit(ctx))
		is.Equal(in.ID, int64(0)) // the given object is untouched
		is.Equal(got.ID, int64(2))
		is.Equal(mgAddresses(t, db)[2:], []MgAddress{{ID: 3, UserID: 2, Email: "fred1"}, {ID: 4, UserID: 2, Email: "fred2"}})
	})
}

// test_transient_to_persistent: a transient object with the key of a
// row merges onto the row (one SELECT, an UPDATE of what differs); with
// a key no row has, it is a pending copy inserted with that key.
func TestMergeTransientWithKey(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s := db.Session()
		defer s.Close(ctx)
		log.Reset()
		got, err := quarry.Merge(ctx, s, &MgUser{ID: 1, Name: "jack", Fullname: "J. J."})
		is.NoErr(err)
		is.Equal(got.Fullname, "J. J.")
		is.Equal(len(s.New()), 0)
		fresh, err := quarry.Merge(ctx, s, &MgUser{ID: 7, Name: "ed"})
		is.NoErr(err)
		is.Equal(s.New(), []any{fresh})
		is.NoErr(s.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			mgSelectUser,
			"BEGIN", // the second Merge autoflushes the first before it loads
			`UPDATE "mg_users" SET "fullname" = ? WHERE "mg_users"."id" = ?`,
			mgSelectUser, // id 7: no row
			`INSERT INTO "mg_users" ("id", "name", "fullname") VALUES (?, ?, ?)`,
			"COMMIT",
		})
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "J. J."}, {ID: 7, Name: "ed"}})
	})
}

// test_no_load_with_backrefs / test_merge_already_present: an object
// in the identity map takes the merge without a SELECT, and merging the
// Session's own object returns it as it is.
func TestMergeNoLoadWhenPresent(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s := db.Session(quarry.WithExpireOnCommit(false))
		defer s.Close(ctx)
		u, err := quarry.Get(ctx, s, MgUsers, int64(1))
		is.NoErr(err)
		is.NoErr(MgUsers.Addresses.Load(ctx, s, u))
		log.Reset()
		same, err := quarry.Merge(ctx, s, u)
		is.NoErr(err)
		is.True(same == u)
		in := &MgUser{ID: 1, Name: "jack", Fullname: "Jack Jones",
			Addresses: []*MgAddress{{ID: 2, UserID: 1, Email: "jack@B"}, {ID: 1, UserID: 1, Email: "jack@a"}}}
		got, err := quarry.Merge(ctx, s, in)
		is.NoErr(err)
		is.True(got == u)
		is.Equal(len(log.Statements()), 0)    // the user and its collection are loaded: no SQL
		is.Equal(u.Addresses[0].ID, int64(2)) // the given order
		is.Equal(u.Addresses[0].Email, "jack@B")
		is.NoErr(s.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			"BEGIN",
			`UPDATE "mg_addresses" SET "email" = ? WHERE "mg_addresses"."id" = ?`,
			"COMMIT",
		})
	})
}

// test_many_to_one_cascade: a detached address whose user was changed
// merges both; the Session's address points at the Session's user.
func TestMergeManyToOne(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s1 := db.Session()
		a, err := quarry.Get(ctx, s1, MgAddresses, int64(2))
		is.NoErr(err)
		is.NoErr(MgAddresses.User.Load(ctx, s1, a))
		is.NoErr(s1.Close(ctx))
		a.Email = "jack@bb"
		a.User.Fullname = "Jack J."

		s2 := db.Session()
		defer s2.Close(ctx)
		log.Reset()
		got, err := quarry.Merge(ctx, s2, a)
		is.NoErr(err)
		is.True(got != a && got.User != a.User)
		is.Equal(got.User.Fullname, "Jack J.")
		u, err := quarry.Get(ctx, s2, MgUsers, int64(1))
		is.NoErr(err)
		is.True(u == got.User) // the Session's user
		is.NoErr(s2.Commit(ctx))
		stmts := sqlOnly(log.Statements())
		is.Equal(stmts[0], `SELECT "mg_addresses"."id", "mg_addresses"."user_id", "mg_addresses"."email" FROM "mg_addresses" WHERE "mg_addresses"."id" = ?`)
		is.Equal(stmts[1], mgSelectUser)
		is.Equal(stmts[2:], []string{
			"BEGIN",
			`UPDATE "mg_users" SET "fullname" = ? WHERE "mg_users"."id" = ?`,
			`UPDATE "mg_addresses" SET "email" = ? WHERE "mg_addresses"."id" = ?`,
			"COMMIT",
		})
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack J."}})
		is.Equal(mgAddresses(t, db)[1], MgAddress{ID: 2, UserID: 1, Email: "jack@bb"})
	})
}

// test_cascade_doesnt_blowaway_manytoone / cycles: a detached graph that
// refers back (user -> addresses -> user) is merged once per object.
func TestMergeCycle(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s1 := db.Session()
		u, err := quarry.Get(ctx, s1, MgUsers, int64(1))
		is.NoErr(err)
		is.NoErr(MgUsers.Addresses.Load(ctx, s1, u))
		is.NoErr(s1.Close(ctx))
		is.True(u.Addresses[0].User == u) // back-populated: a cycle
		u.Name = "jacko"
		u.Addresses[1].Email = "jack@bb"
		u.Addresses = append(u.Addresses, &MgAddress{Email: "jack@c", User: u})

		s2 := db.Session()
		defer s2.Close(ctx)
		log.Reset()
		got, err := quarry.Merge(ctx, s2, u)
		is.NoErr(err)
		is.Equal(len(got.Addresses), 3)
		for _, a := range got.Addresses {
			is.True(a.User == got) // every back-reference is the Session's user
		}
		is.NoErr(s2.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			mgSelectUser,
			mgSelectAddrs,
			"BEGIN",
			`UPDATE "mg_users" SET "name" = ? WHERE "mg_users"."id" = ?`,
			`UPDATE "mg_addresses" SET "email" = ? WHERE "mg_addresses"."id" = ?`,
			`INSERT INTO "mg_addresses" ("user_id", "email") VALUES (?, ?) RETURNING "id"`,
			"COMMIT",
		})
		is.Equal(mgAddresses(t, db), []MgAddress{
			{ID: 1, UserID: 1, Email: "jack@a"},
			{ID: 2, UserID: 1, Email: "jack@bb"},
			{ID: 3, UserID: 1, Email: "jack@c"},
		})
	})
}

// test_version_id_col (MergeTest.test_merge_version*): a stale version
// is refused and changes nothing; a zero version merges onto the current
// one, and the Session keeps counting.
func TestMergeVersion(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s := db.Session()
		defer s.Close(ctx)
		d, err := quarry.Get(ctx, s, MgDocs, int64(1))
		is.NoErr(err)
		is.Equal(d.Version, int64(1))
		_, err = quarry.Merge(ctx, s, &MgDoc{ID: 1, Title: "stale", Version: 7})
		is.True(errors.Is(err, quarry.ErrStale))
		is.Equal(d.Title, "draft") // nothing applied
		got, err := quarry.Merge(ctx, s, &MgDoc{ID: 1, Title: "final"})
		is.NoErr(err)
		is.True(got == d)
		is.NoErr(s.Commit(ctx))
		docs, err := quarry.Select(MgDocs).All(ctx, db)
		is.NoErr(err)
		is.Equal(*docs[0], MgDoc{ID: 1, Title: "final", Version: 2})
	})
}

// A failure in the middle of a graph leaves every object as it was: the
// user found first is not changed when an address of it is refused.
func TestMergeFailureAppliesNothing(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s2 := db.Session(quarry.WithAutoflush(false)) // keeps the deletion unflushed
		defer s2.Close(ctx)
		u2, err := quarry.Get(ctx, s2, MgUsers, int64(1))
		is.NoErr(err)
		a, err := quarry.Get(ctx, s2, MgAddresses, int64(2))
		is.NoErr(err)
		is.NoErr(s2.Delete(a))
		_, err = quarry.Merge(ctx, s2, &MgUser{ID: 1, Name: "x", Fullname: "y",
			Addresses: []*MgAddress{{ID: 2, UserID: 1, Email: "z"}, {Email: "new"}}})
		is.True(errors.Is(err, quarry.ErrInvalidArgument)) // address 2 is marked for deletion
		is.Equal(u2.Name, "jack")                          // nothing applied
		is.Equal(len(s2.New()), 0)
		is.Equal(len(s2.Dirty()), 0)
		is.NoErr(s2.Rollback(ctx))
	})
}

// Nil, unmapped and closed-Session arguments are errors, not panics.
func TestMergeInvalid(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		s := db.Session()
		_, err := quarry.Merge[MgUser](ctx, s, nil)
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
		type notMapped struct{ ID int64 }
		_, err = quarry.Merge(ctx, s, &notMapped{})
		is.True(errors.Is(err, quarry.ErrNotMapped))
		is.NoErr(s.Close(ctx))
		_, err = quarry.Merge(ctx, s, &MgUser{})
		is.True(errors.Is(err, quarry.ErrSessionClosed))
		_, err = quarry.Merge(ctx, (*quarry.Session)(nil), &MgUser{})
		is.True(err != nil)
	})
}

// Add of an object the Session does not hold is an INSERT whatever its
// key (documented on Add): a decoded object whose row exists fails on the
// key, the Session stays usable, and Merge saves the same object.
func TestMergeAddOfDecodedInserts(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s := db.Session()
		defer s.Close(ctx)
		in := &MgUser{ID: 1, Name: "jack", Fullname: "Jack Smith"}
		is.NoErr(s.Add(in))
		err := s.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrUniqueViolation)) // the row exists
		s.Expunge(in)
		got, err := quarry.Merge(ctx, s, in)
		is.NoErr(err)
		is.True(got != in)
		is.NoErr(s.Commit(ctx))
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Smith"}})
	})
}
