package quarry_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Fixtures of the Session tests: tables prefixed sess_.

type SessUser struct {
	ID       int64
	Name     string
	Fullname string
	Nickname *string
}

type SessUserTable struct {
	quarry.Entity[SessUser]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Name     quarry.Column[string]
	Fullname quarry.Column[string]
	Nickname quarry.Column[*string]
}

// SessAccount has a unique email and server defaults that apply to zero
// fields (omitzero).
type SessAccount struct {
	ID     int64
	Email  string
	Status string
	Credit int64
}

type SessAccountTable struct {
	quarry.Entity[SessAccount]
	ID     quarry.Column[int64]  `quarry:"id,pk"`
	Email  quarry.Column[string] `quarry:"email,unique"`
	Status quarry.Column[string] `quarry:"status,default=new,omitzero"`
	Credit quarry.Column[int64]  `quarry:"credit,default=5,omitzero"`
}

// SessOrder refers to SessAccount.
type SessOrder struct {
	ID        int64
	AccountID int64
	Total     int64
}

type SessOrderTable struct {
	quarry.Entity[SessOrder]
	ID        quarry.Column[int64] `quarry:"id,pk"`
	AccountID quarry.Column[int64] `quarry:"account_id,fk=sess_accounts.id"`
	Total     quarry.Column[int64]
}

// SessMember has a composite primary key.
type SessMember struct {
	GroupName string
	UserID    int64
	Role      string
}

type SessMemberTable struct {
	quarry.Entity[SessMember]
	GroupName quarry.Column[string] `quarry:"group_name,pk"`
	UserID    quarry.Column[int64]  `quarry:"user_id,pk"`
	Role      quarry.Column[string]
}

// SessCounter has a version column.
type SessCounter struct {
	ID      int64
	N       int64
	Version int64
}

type SessCounterTable struct {
	quarry.Entity[SessCounter]
	ID      quarry.Column[int64] `quarry:"id,pk,noauto"`
	N       quarry.Column[int64]
	Version quarry.Column[int64] `quarry:"version,version"`
}

var (
	SessUsers    = quarry.Table[SessUser, SessUserTable]("sess_users")
	SessAccounts = quarry.Table[SessAccount, SessAccountTable]("sess_accounts")
	SessOrders   = quarry.Table[SessOrder, SessOrderTable]("sess_orders")
	SessMembers  = quarry.Table[SessMember, SessMemberTable]("sess_members")
	SessCounters = quarry.Table[SessCounter, SessCounterTable]("sess_counters")
)

func sptr(s string) *string { return &s }

func sessSchema(t testing.TB, db *quarry.DB) {
	t.Helper()
	if err := db.CreateAll(context.Background(), SessUsers, SessAccounts, SessOrders, SessMembers, SessCounters); err != nil {
		t.Fatal(err)
	}
}

var sessPlaceholder = regexp.MustCompile(`\$\d+`)

// sessSQL returns the logged statements with identifiers unquoted and
// PostgreSQL's placeholders written as ?, so one expectation fits every
// backend.
func sessSQL(log *testdb.Log) []string {
	var out []string
	for _, s := range log.Statements() {
		s = sessPlaceholder.ReplaceAllString(s, "?")
		out = append(out, strings.ReplaceAll(s, `"`, ""))
	}
	return out
}

const sessUserCols = "sess_users.id, sess_users.name, sess_users.fullname, sess_users.nickname"

// TestSessionTutorial ports the Session sections of the SQLAlchemy ORM
// tutorial: adding and updating, rolling back, querying, lists and
// scalars, textual SQL and counting.
func TestSessionTutorial(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		ctx := context.Background()
		sessSchema(t, db)
		log.Reset()
		s := db.Session()
		defer s.Close(ctx)

		// Adding and Updating Objects.
		is := is.New(t)
		ed := &SessUser{Name: "ed", Fullname: "Ed Jones", Nickname: sptr("edsnickname")}
		is.NoErr(s.Add(ed))
		is.Equal(s.New(), []any{ed}) // ed is pending
		is.Equal(log.Count(), 0)     // no SQL until needed
		our, err := quarry.Select(SessUsers).Where(SessUsers.Name.Eq("ed")).First(ctx, s)
		is.NoErr(err)
		is.True(our == ed) // ed_user is our_user
		is.Equal(ed.ID, int64(1))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"INSERT INTO sess_users (name, fullname, nickname) VALUES (?, ?, ?) RETURNING id",
			"SELECT " + sessUserCols + " FROM sess_users WHERE sess_users.name = ? LIMIT ?",
		})

		wendy := &SessUser{Name: "wendy", Fullname: "Wendy Williams", Nickname: sptr("windy")}
		mary := &SessUser{Name: "mary", Fullname: "Mary Contrary", Nickname: sptr("mary")}
		fred := &SessUser{Name: "fred", Fullname: "Fred Flintstone", Nickname: sptr("freddy")}
		is.NoErr(quarry.AddAll(s, []*SessUser{wendy, mary, fred}))
		*ed.Nickname = "eddie" // an in-place change through the pointer is seen
		is.Equal(s.Dirty(), []any{ed})
		is.Equal(s.New(), []any{wendy, mary, fred})
		is.True(s.IsModified(ed))
		is.True(!s.IsModified(&SessUser{})) // not in the session

		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{
			"UPDATE sess_users SET nickname = ? WHERE sess_users.id = ?", // only the nickname
			"INSERT INTO sess_users (name, fullname, nickname) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?) RETURNING id",
			"COMMIT",
		})
		upd := log.Entries()[0].Args
		is.Equal(len(upd), 2)
		is.Equal(*upd[0].(*string), "eddie")
		is.Equal(upd[1], any(int64(1)))
		is.Equal([]int64{wendy.ID, mary.ID, fred.ID}, []int64{2, 3, 4}) // keys filled in Add order
		is.Equal(len(s.Dirty())+len(s.New()), 0)

		// After the commit the next load refreshes from the row.
		log.Reset()
		got, err := quarry.Get(ctx, s, SessUsers, int64(1))
		is.NoErr(err)
		is.True(got == ed)
		is.Equal(sessSQL(log), []string{"SELECT " + sessUserCols + " FROM sess_users WHERE sess_users.id = ?"}) // a read: no BEGIN

		// Rolling Back.
		ed.Name = "Edwardo"
		fake := &SessUser{Name: "fakeuser", Fullname: "Invalid", Nickname: sptr("12345")}
		is.NoErr(s.Add(fake))
		log.Reset()
		us, err := quarry.Select(SessUsers).Where(SessUsers.Name.In("Edwardo", "fakeuser")).OrderBy(SessUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(us, []*SessUser{ed, fake})
		is.Equal(sessSQL(log), []string{
			"BEGIN", // the autoflush is the first write since the commit
			"UPDATE sess_users SET name = ? WHERE sess_users.id = ?",
			"INSERT INTO sess_users (name, fullname, nickname) VALUES (?, ?, ?) RETURNING id",
			"SELECT " + sessUserCols + " FROM sess_users WHERE sess_users.name IN (?, ?) ORDER BY sess_users.id",
		})
		log.Reset()
		is.NoErr(s.Rollback(ctx))
		is.Equal(sessSQL(log), []string{"ROLLBACK"})
		is.Equal(ed.Name, "ed")         // restored
		is.True(!s.Contains(fake))      // expunged
		is.Equal(fake.ID, int64(0))     // its generated key reset
		is.True(s.Contains(ed))         // still there
		is.Equal(*ed.Nickname, "eddie") // the committed change stays
		us, err = quarry.Select(SessUsers).Where(SessUsers.Name.In("ed", "fakeuser")).All(ctx, s)
		is.NoErr(err)
		is.Equal(us, []*SessUser{ed})

		// Querying.
		all, err := quarry.Select(SessUsers).OrderBy(SessUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(all, []*SessUser{ed, wendy, mary, fred}) // the session's own objects
		rows, err := quarry.Select2(SessUsers.Name, SessUsers.Fullname).OrderBy(SessUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(rows[0], quarry.Row2[string, string]{V1: "ed", V2: "Ed Jones"})
		pairs, err := quarry.Select2(SessUsers, SessUsers.Name).OrderBy(SessUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.True(pairs[3].V1 == fred)

		// Returning Lists and Scalars.
		query := quarry.Select(SessUsers).Where(quarry.Like(SessUsers.Name, "%ed")).OrderBy(SessUsers.ID)
		list, err := query.All(ctx, s)
		is.NoErr(err)
		is.Equal(list, []*SessUser{ed, fred})
		first, err := query.First(ctx, s)
		is.NoErr(err)
		is.True(first == ed)
		_, err = query.One(ctx, s)
		is.True(errors.Is(err, quarry.ErrMultipleResults))
		_, err = query.Where(SessUsers.ID.Eq(99)).One(ctx, s)
		is.True(errors.Is(err, quarry.ErrNoResult))
		_, ok, err := query.Where(SessUsers.ID.Eq(99)).OneOrNone(ctx, s)
		is.NoErr(err)
		is.True(!ok)
		id, err := quarry.Select(SessUsers.ID).Where(SessUsers.Name.Eq("ed")).OrderBy(SessUsers.ID).Scalar(ctx, s)
		is.NoErr(err)
		is.Equal(id, int64(1))
		// result.scalars(): the first item of each row.
		res, err := quarry.Select2(SessUsers.Name, SessUsers.ID).Where(quarry.Like(SessUsers.Name, "%ed")).OrderBy(SessUsers.ID).Execute(ctx, s)
		is.NoErr(err)
		names, err := quarry.Scalars(res).All()
		is.NoErr(err)
		is.Equal(names, []string{"ed", "fred"})
		eres, err := quarry.Select2(SessUsers, SessUsers.ID).Where(quarry.Like(SessUsers.Name, "%ed")).Execute(ctx, s)
		is.NoErr(err)
		_, err = quarry.Scalars(eres).One()
		is.True(errors.Is(err, quarry.ErrMultipleResults))
		eres, err = quarry.Select2(SessUsers, SessUsers.ID).Where(SessUsers.ID.Eq(99)).Execute(ctx, s)
		is.NoErr(err)
		_, err = quarry.Scalars(eres).One()
		is.True(errors.Is(err, quarry.ErrNoResult))
		eres, err = quarry.Select2(SessUsers, SessUsers.ID).Where(SessUsers.ID.Eq(4)).Execute(ctx, s)
		is.NoErr(err)
		f, err := quarry.Scalars(eres).One()
		is.NoErr(err)
		is.True(f == fred)

		// Using Textual SQL.
		list, err = quarry.Select(SessUsers).Where(quarry.Text("id<224")).OrderBy(quarry.Text("id")).All(ctx, s)
		is.NoErr(err)
		is.Equal(list, []*SessUser{ed, wendy, mary, fred})
		one, err := quarry.Select(SessUsers).Where(quarry.Text("id<:value and name=:name")).
			Bind("value", 224).Bind("name", "fred").OrderBy(SessUsers.ID).One(ctx, s)
		is.NoErr(err)
		is.True(one == fred)
		list, err = quarry.Select(SessUsers).FromText(quarry.Text("SELECT * FROM sess_users where name=:name").Bind("name", "ed")).All(ctx, s)
		is.NoErr(err)
		is.Equal(list, []*SessUser{ed})
		list, err = quarry.Select(SessUsers).FromText(quarry.Text("SELECT name, id, fullname, nickname FROM sess_users where name=:name").
			Columns(SessUsers.Name, SessUsers.ID, SessUsers.Fullname, SessUsers.Nickname).Bind("name", "ed")).All(ctx, s)
		is.NoErr(err)
		is.Equal(list, []*SessUser{ed})
		idNames, err := quarry.Select2(SessUsers.ID, SessUsers.Name).FromText(quarry.Text("SELECT name, id FROM sess_users where name=:name").
			Columns(SessUsers.Name, SessUsers.ID).Bind("name", "ed")).All(ctx, s)
		is.NoErr(err)
		is.Equal(idNames, []quarry.Row2[int64, string]{{V1: 1, V2: "ed"}})

		// Counting.
		log.Reset()
		n, err := quarry.Select(SessUsers).Where(quarry.Like(SessUsers.Name, "%ed")).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(2))
		is.Equal(sessSQL(log), []string{"SELECT count(*) AS count_1 FROM (SELECT sess_users.id AS id, sess_users.name AS name, sess_users.fullname AS fullname, sess_users.nickname AS nickname FROM sess_users WHERE sess_users.name LIKE ?) AS anon_1"})
		counts, err := quarry.Select2(quarry.Count(SessUsers.Name), SessUsers.Name).GroupBy(SessUsers.Name).OrderBy(SessUsers.Name).All(ctx, s)
		is.NoErr(err)
		is.Equal(counts, []quarry.Row2[int64, string]{{1, "ed"}, {1, "fred"}, {1, "mary"}, {1, "wendy"}})
		n, err = quarry.Select(quarry.CountAll()).SelectFrom(SessUsers).Scalar(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(4))
		n, err = quarry.Select(quarry.Count(SessUsers.ID)).Scalar(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(4))
		is.NoErr(s.Commit(ctx))
	})
}

// TestSessionIdentityMap checks one object per row, that queries do not
// overwrite unflushed changes, and that column rows are not de-duplicated.
func TestSessionIdentityMap(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		_, err := db.Exec(ctx, quarry.Text("INSERT INTO sess_users (name, fullname) VALUES ('ed', 'Ed Jones'), ('ed', 'Ed Smith'), ('jack', 'Jack Bean')"))
		is.NoErr(err)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)

		a, err := quarry.Select(SessUsers).Where(SessUsers.ID.Eq(1)).One(ctx, s)
		is.NoErr(err)
		b, err := quarry.Get(ctx, s, SessUsers, 1) // an int works for an int64 key
		is.NoErr(err)
		is.True(a == b)

		// Get of an object in the identity map sends nothing.
		log.Reset()
		c, err := quarry.Get(ctx, s, SessUsers, int64(1))
		is.NoErr(err)
		is.True(c == a)
		is.Equal(log.Count(), 0)

		// A query does not overwrite unflushed changes (autoflush off).
		a.Fullname = "changed"
		again, err := quarry.Select(SessUsers).Where(SessUsers.ID.Eq(1)).One(ctx, s)
		is.NoErr(err)
		is.True(again == a)
		is.Equal(a.Fullname, "changed")
		is.Equal(s.Dirty(), []any{a})

		// A join repeating an entity: one row per row (2.0), each row the
		// identity map's object; with Unique, entities once.
		pairs, err := quarry.Select2(SessUsers, quarry.Value("x")).Where(SessUsers.Name.Eq("ed")).OrderBy(SessUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(pairs), 2)
		cross := quarry.Select(SessUsers).SelectFrom(SessUsers).Join(quarry.Aliased(SessUsers), quarry.Text("1=1"))
		rows, err := cross.All(ctx, s)
		is.NoErr(err)
		is.Equal(len(rows), 9) // nine rows of three objects
		users, err := cross.Unique().All(ctx, s)
		is.NoErr(err)
		is.Equal(len(users), 3) // nine rows, three objects
		for _, u := range rows {
			is.True(slices.Contains(users, u))
		}
		// Each Result de-duplicates on its own: the same objects again.
		again3, err := cross.Unique().All(ctx, s)
		is.NoErr(err)
		is.Equal(again3, users)
		names, err := quarry.Select(SessUsers.Name).OrderBy(SessUsers.Name).All(ctx, s)
		is.NoErr(err)
		is.Equal(names, []string{"ed", "ed", "jack"})

		// Get of a missing key, and of a key of the wrong arity.
		_, err = quarry.Get(ctx, s, SessUsers, 99)
		is.True(errors.Is(err, quarry.ErrNoResult))
		_, err = quarry.Get(ctx, s, SessUsers, 1, 2)
		is.True(err != nil)

		// Refresh discards the change.
		is.NoErr(s.Refresh(ctx, a))
		is.Equal(a.Fullname, "Ed Jones")
		is.Equal(len(s.Dirty()), 0)

		// Delete marks; Get then reports no result; Expunge forgets.
		is.NoErr(s.Delete(a))
		is.Equal(s.Deleted(), []any{a})
		_, err = quarry.Get(ctx, s, SessUsers, 1)
		is.True(errors.Is(err, quarry.ErrNoResult))
		s.Expunge(a)
		is.True(!s.Contains(a))
		is.Equal(len(s.Deleted()), 0)
		fresh, err := quarry.Get(ctx, s, SessUsers, 1)
		is.NoErr(err)
		is.True(fresh != a) // a new object for the row

		// Add of an unmapped type names it.
		err = s.Add(&struct{ X int }{})
		is.True(errors.Is(err, quarry.ErrNotMapped))
		is.True(!errors.Is(err, quarry.ErrMapping)) // not a mapping definition's error
		is.True(strings.Contains(err.Error(), "struct { X int }"))
		err = s.Delete(&SessUser{})
		is.True(errors.Is(err, quarry.ErrNotInSession))
	})
}

// TestSessionCompositeKey uses Get, update and delete on a table keyed by
// two columns.
func TestSessionCompositeKey(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		m1 := &SessMember{GroupName: "b", UserID: 1, Role: "admin"}
		m2 := &SessMember{GroupName: "a", UserID: 2, Role: "user"}
		m3 := &SessMember{GroupName: "a", UserID: 1, Role: "user"}
		is.NoErr(s.Add(m1, m2, m3))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		// Given keys go in Add order, in one statement, without RETURNING.
		is.Equal(sessSQL(log), []string{"BEGIN", "INSERT INTO sess_members (group_name, user_id, role) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)", "COMMIT"})
		is.Equal(log.Entries()[1].Args[:2], []any{"b", int64(1)})

		got, err := quarry.Get(ctx, s, SessMembers, "a", 2)
		is.NoErr(err)
		is.True(got == m2)
		log.Reset()
		got, err = quarry.Get(ctx, s, SessMembers, "a", int64(2))
		is.NoErr(err)
		is.True(got == m2)
		is.Equal(log.Count(), 0)

		m2.Role = "owner"
		is.NoErr(s.Delete(m1))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"UPDATE sess_members SET role = ? WHERE sess_members.group_name = ? AND sess_members.user_id = ?",
			"DELETE FROM sess_members WHERE sess_members.group_name = ? AND sess_members.user_id = ?",
			"COMMIT",
		})
		n, err := quarry.Select(quarry.CountAll()).SelectFrom(SessMembers).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		is.True(!s.Contains(m1))
	})
}

// TestSessionTransactionClosure commits on nil, rolls back on error.
func TestSessionTransactionClosure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		err := db.Transaction(ctx, func(s *quarry.Session) error {
			return s.Add(&SessUser{Name: "kept"})
		})
		is.NoErr(err)
		boom := errors.New("boom")
		err = db.Transaction(ctx, func(s *quarry.Session) error {
			if err := s.Add(&SessUser{Name: "dropped"}); err != nil {
				return err
			}
			if err := s.Flush(ctx); err != nil {
				return err
			}
			return boom
		})
		is.True(errors.Is(err, boom))
		names, err := quarry.Select(SessUsers.Name).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"kept"})

		// A closed Session refuses work.
		s := db.Session()
		is.NoErr(s.Close(ctx))
		_, err = quarry.Select(SessUsers).All(ctx, s)
		is.True(errors.Is(err, quarry.ErrClosed))
		is.True(errors.Is(s.Add(&SessUser{}), quarry.ErrSessionClosed))
	})
}

// TestSessionOpenResult runs a statement while a Result of the Session is
// open: SQLite runs it; PostgreSQL, whose connection runs one statement
// at a time, refuses it (and Flush, Commit, Rollback) with ErrResultOpen
// rather than the driver's "conn busy", until the Result is closed.
func TestSessionOpenResult(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		_, err := db.Exec(ctx, quarry.Text("INSERT INTO sess_users (name, fullname) VALUES ('ed', 'Ed Jones'), ('jack', 'Jack Bean')"))
		is.NoErr(err)
		s := db.Session()
		defer s.Close(ctx)
		res, err := quarry.Select(SessUsers).OrderBy(SessUsers.ID).Execute(ctx, s)
		is.NoErr(err)
		is.True(res.Next())
		ed := res.Value()
		_, innerErr := quarry.Select(SessUsers.Name).All(ctx, s)
		if db.Dialect().Capabilities().ConcurrentCursors {
			is.NoErr(innerErr)
		} else {
			is.True(errors.Is(innerErr, quarry.ErrResultOpen))
			ed.Fullname = "Ed Smith"
			is.True(errors.Is(s.Flush(ctx), quarry.ErrResultOpen))
			is.True(errors.Is(s.Commit(ctx), quarry.ErrResultOpen))
		}
		is.NoErr(res.Close())
		// Closed, the Result no longer holds the connection.
		names, err := quarry.Select(SessUsers.Name).OrderBy(SessUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(names, []string{"ed", "jack"})
		is.NoErr(s.Commit(ctx))
		// A finished Seq closes its Result too.
		res, err = quarry.Select(SessUsers).Execute(ctx, s)
		is.NoErr(err)
		n := 0
		for range res.Seq() {
			n++
		}
		is.Equal(n, 2)
		_, err = quarry.Get(ctx, s, SessUsers, int64(2))
		is.NoErr(err)

		// Rollback and Close end the Results still open, on every
		// dialect: their rows belonged to the transaction.
		for _, end := range []func() error{func() error { return s.Rollback(ctx) }, func() error { return s.Close(ctx) }} {
			res, err = quarry.Select(SessUsers).OrderBy(SessUsers.ID).Execute(ctx, s)
			is.NoErr(err)
			is.True(res.Next())
			is.NoErr(end())
			is.True(!res.Next())
			is.True(res.Err() != nil)
		}
		is.True(errors.Is(res.Err(), quarry.ErrSessionClosed))
	})
}
