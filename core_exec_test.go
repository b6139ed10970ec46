package quarry_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// coreSeed creates the core tables and fills them:
//
//	users: 1 ed (nickname eddie, 30), 2 wendy (25), 3 mary (41), 4 fred (25)
//	addresses: ed has two, wendy one
//	orders: ed 10.5, ed 20, mary 7, and one without a user
func coreSeed(t *testing.T, db *quarry.DB) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	is.NoErr(db.CreateAll(ctx, CoreUsers, CoreAddresses, CoreOrders, CoreTags)) // create
	users := []struct {
		id        int64
		name, ful string
		nick      *string
		age       int32
	}{
		{1, "ed", "Ed Jones", ptr("eddie"), 30},
		{2, "wendy", "Wendy Williams", nil, 25},
		{3, "mary", "Mary Contrary", nil, 41},
		{4, "fred", "Fred Flintstone", nil, 25},
	}
	for _, u := range users {
		_, err := db.Exec(ctx, quarry.Text("INSERT INTO core_users (id, name, fullname, nickname, age) VALUES (:id, :name, :fullname, :nick, :age)").
			Bind("id", u.id).Bind("name", u.name).Bind("fullname", u.ful).Bind("nick", u.nick).Bind("age", u.age))
		is.NoErr(err) // insert user
	}
	for i, a := range []struct {
		email string
		user  int64
	}{{"ed@x.com", 1}, {"ed@y.com", 1}, {"wendy@x.com", 2}} {
		_, err := db.Exec(ctx, quarry.Text("INSERT INTO core_addresses (id, email_address, user_id) VALUES (:id, :e, :u)").
			Bind("id", i+1).Bind("e", a.email).Bind("u", a.user))
		is.NoErr(err) // insert address
	}
	for i, o := range []struct {
		user  *int64
		total float64
	}{{ptr[int64](1), 10.5}, {ptr[int64](1), 20}, {ptr[int64](3), 7}, {nil, 1}} {
		_, err := db.Exec(ctx, quarry.Text("INSERT INTO core_orders (id, user_id, total) VALUES (:id, :u, :t)").
			Bind("id", i+1).Bind("u", o.user).Bind("t", o.total))
		is.NoErr(err) // insert order
	}
}

func ptr[T any](v T) *T { return &v }

func TestCoreExecResults(t *testing.T) {
	ctx := context.Background()
	U := CoreUsers
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		coreSeed(t, db)
		byID := quarry.Select(U).OrderBy(U.ID)

		t.Run("All", func(t *testing.T) {
			is := is.New(t)
			us, err := byID.All(ctx, db)
			is.NoErr(err)
			is.Equal(len(us), 4)
			is.Equal(*us[0], CoreUser{ID: 1, Name: "ed", Fullname: "Ed Jones", Nickname: ptr("eddie"), Age: 30})
			is.Equal(*us[1], CoreUser{ID: 2, Name: "wendy", Fullname: "Wendy Williams", Age: 25})
		})
		t.Run("First", func(t *testing.T) {
			is := is.New(t)
			u, err := byID.Where(U.Age.Eq(25)).First(ctx, db)
			is.NoErr(err)
			is.Equal(u.Name, "wendy")
			_, err = byID.Where(U.Name.Eq("nobody")).First(ctx, db)
			is.True(errors.Is(err, quarry.ErrNoResult)) // no row
		})
		t.Run("One", func(t *testing.T) {
			is := is.New(t)
			u, err := quarry.Select(U).Where(U.Name.Eq("mary")).One(ctx, db)
			is.NoErr(err)
			is.Equal(u.ID, int64(3))
			_, err = quarry.Select(U).Where(U.Age.Eq(25)).One(ctx, db)
			is.True(errors.Is(err, quarry.ErrMultipleResults)) // two rows
			_, err = quarry.Select(U).Where(U.Name.Eq("nobody")).One(ctx, db)
			is.True(errors.Is(err, quarry.ErrNoResult)) // no row
		})
		t.Run("OneOrNone", func(t *testing.T) {
			is := is.New(t)
			_, ok, err := quarry.Select(U).Where(U.Name.Eq("nobody")).OneOrNone(ctx, db)
			is.NoErr(err)
			is.True(!ok) // none
			u, ok, err := quarry.Select(U).Where(U.Name.Eq("fred")).OneOrNone(ctx, db)
			is.NoErr(err)
			is.True(ok)
			is.Equal(u.Fullname, "Fred Flintstone")
			_, _, err = quarry.Select(U).OneOrNone(ctx, db)
			is.True(errors.Is(err, quarry.ErrMultipleResults)) // four rows
		})
		t.Run("Scalar", func(t *testing.T) {
			is := is.New(t)
			n, err := quarry.Select(quarry.CountAll()).SelectFrom(U).Scalar(ctx, db)
			is.NoErr(err)
			is.Equal(n, int64(4))
			name, err := quarry.Select(U.Name).Where(U.ID.Eq(2)).Scalar(ctx, db)
			is.NoErr(err)
			is.Equal(name, "wendy")
		})
		t.Run("Rows and Seq", func(t *testing.T) {
			is := is.New(t)
			rows := quarry.Select(U.Name).OrderBy(U.ID).Rows(ctx, db)
			var names []string
			for n, err := range rows {
				is.NoErr(err)
				names = append(names, n)
				if len(names) == 3 {
					break // closes the cursor early
				}
			}
			is.Equal(names, []string{"ed", "wendy", "mary"})
			// Each loop runs the statement again.
			names = nil
			for n, err := range rows {
				is.NoErr(err)
				names = append(names, n)
			}
			is.Equal(len(names), 4)
			// A failing statement yields its error once.
			calls := 0
			for _, err := range quarry.Select(U.Name).Where(nil).Rows(ctx, db) {
				calls++
				is.True(err != nil)
			}
			is.Equal(calls, 1)
			r, err := quarry.Select(U.ID).OrderBy(U.ID.Desc()).Execute(ctx, db)
			is.NoErr(err)
			var ids []int64
			for id := range r.Seq() {
				ids = append(ids, id)
			}
			is.NoErr(r.Err())
			is.Equal(ids, []int64{4, 3, 2, 1})
			is.NoErr(r.Close()) // closing twice is fine
		})
		t.Run("Count", func(t *testing.T) {
			is := is.New(t)
			n, err := quarry.Select(U).Where(quarry.Like(U.Name, "%e%")).Count(ctx, db)
			is.NoErr(err)
			is.Equal(n, int64(3)) // ed, wendy, fred
		})
	})
}

func TestCoreExecExpressions(t *testing.T) {
	ctx := context.Background()
	U, A, O := CoreUsers, CoreAddresses, CoreOrders
	var noNick *string
	cases := []struct {
		name  string
		where []quarry.Condition
		want  []string
	}{
		{"Eq", []quarry.Condition{U.Name.Eq("ed")}, []string{"ed"}},
		{"Ne", []quarry.Condition{U.Name.Ne("ed")}, []string{"wendy", "mary", "fred"}},
		{"Lt Le Gt Ge", []quarry.Condition{U.Age.Gt(20), U.Age.Lt(41), U.Age.Ge(25), U.Age.Le(30)}, []string{"ed", "wendy", "fred"}},
		{"Eq nil pointer is IS NULL", []quarry.Condition{U.Nickname.Eq(noNick)}, []string{"wendy", "mary", "fred"}},
		{"Ne nil pointer is IS NOT NULL", []quarry.Condition{U.Nickname.Ne(noNick)}, []string{"ed"}},
		{"Eq pointer", []quarry.Condition{U.Nickname.Eq(ptr("eddie"))}, []string{"ed"}},
		{"IsNull", []quarry.Condition{U.Nickname.IsNull(), U.Age.Eq(25)}, []string{"wendy", "fred"}},
		{"In", []quarry.Condition{U.Name.In("ed", "mary", "nobody")}, []string{"ed", "mary"}},
		{"NotIn", []quarry.Condition{U.Name.NotIn("ed", "mary")}, []string{"wendy", "fred"}},
		{"empty In is false", []quarry.Condition{U.Name.In()}, nil},
		{"empty NotIn is true", []quarry.Condition{U.Name.NotIn()}, []string{"ed", "wendy", "mary", "fred"}},
		{"empty In on a NULL column", []quarry.Condition{quarry.Not(U.Nickname.In())}, []string{"ed", "wendy", "mary", "fred"}},
		{"InSelect", []quarry.Condition{U.ID.InSelect(quarry.Select(A.UserID))}, []string{"ed", "wendy"}},
		{"NotInSelect", []quarry.Condition{U.ID.NotInSelect(quarry.Select(A.UserID))}, []string{"mary", "fred"}},
		{"Between", []quarry.Condition{U.Age.Between(25, 30)}, []string{"ed", "wendy", "fred"}},
		{"Like", []quarry.Condition{quarry.Like(U.Fullname, "%stone")}, []string{"fred"}},
		{"NotLike", []quarry.Condition{quarry.NotLike(U.Fullname, "%stone")}, []string{"ed", "wendy", "mary"}},
		{"ILike", []quarry.Condition{quarry.ILike(U.Fullname, "%JONES")}, []string{"ed"}},
		{"NotILike", []quarry.Condition{quarry.NotILike(U.Name, "%E%")}, []string{"mary"}},
		{"And Or Not", []quarry.Condition{quarry.Or(U.Name.Eq("ed"), quarry.And(U.Age.Eq(25), quarry.Not(U.Name.Eq("fred"))))}, []string{"ed", "wendy"}},
		{"tuple In", []quarry.Condition{quarry.Tuple(U.ID, U.Name).In(quarry.Row2[int64, string]{V1: 1, V2: "ed"}, quarry.Row2[int64, string]{V1: 2, V2: "mary"})}, []string{"ed"}},
		{"tuple NotIn", []quarry.Condition{quarry.Tuple(U.ID, U.Name).NotIn(quarry.Row2[int64, string]{V1: 1, V2: "ed"})}, []string{"wendy", "mary", "fred"}},
		{"ExistsWhere", []quarry.Condition{quarry.ExistsWhere(A.UserID.EqExpr(U.ID), quarry.Like(A.Email, "%@y.com"))}, []string{"ed"}},
		{"not Exists", []quarry.Condition{quarry.Not(quarry.Exists(quarry.Select(O.ID).Where(quarry.Deref(O.UserID).EqExpr(U.ID))))}, []string{"wendy", "fred"}},
		{"Lower Upper", []quarry.Condition{quarry.Upper(U.Name).Eq("ED"), quarry.Lower(U.Fullname).Eq("ed jones")}, []string{"ed"}},
		{"Coalesce", []quarry.Condition{quarry.Coalesce(U.Nickname, "none").Eq("none"), U.Age.Gt(26)}, []string{"mary"}},
		{"Func", []quarry.Condition{quarry.Func[int64]("length", U.Name).Eq(4)}, []string{"mary", "fred"}},
		{"Text", []quarry.Condition{quarry.Text("core_users.age > :a").Bind("a", 29)}, []string{"ed", "mary"}},
		{"scalar subquery", []quarry.Condition{quarry.Select(quarry.CountAll()).SelectFrom(A).Where(A.UserID.EqExpr(U.ID)).ScalarSubquery().Eq(2)}, []string{"ed"}},
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		coreSeed(t, db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				is := is.New(t)
				got, err := quarry.Select(U.Name).Where(c.where...).OrderBy(U.ID).All(ctx, db)
				is.NoErr(err)
				is.Equal(got, c.want)
			})
		}
		t.Run("Match", func(t *testing.T) {
			is := is.New(t)
			got, err := quarry.Select(U.Name).Where(quarry.Match(U.Fullname, "flintstone")).All(ctx, db)
			if db.Dialect().Capabilities().MatchPrefix == "" {
				is.True(errors.Is(err, quarry.ErrUnsupported)) // no full-text search
				return
			}
			is.NoErr(err)
			is.Equal(got, []string{"fred"})
		})
	})
}

func TestCoreExecSelects(t *testing.T) {
	ctx := context.Background()
	U, A, O := CoreUsers, CoreAddresses, CoreOrders
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		coreSeed(t, db)
		t.Run("Select2 entity and column with join", func(t *testing.T) {
			is := is.New(t)
			rows, err := quarry.Select2(U, A.Email).Join(A, A.UserID.EqExpr(U.ID)).OrderBy(A.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(len(rows), 3)
			is.Equal(rows[0].V1.Name, "ed")
			is.Equal(rows[1].V1.Name, "ed")
			is.True(rows[0].V1 != rows[1].V1) // no Session: no identity map
			is.Equal(rows[2].V2, "wendy@x.com")
		})
		t.Run("Select3 with outer join", func(t *testing.T) {
			is := is.New(t)
			rows, err := quarry.Select3(U.Name, quarry.Nullable(A.Email), quarry.Nullable(A.ID)).OuterJoin(A, A.UserID.EqExpr(U.ID)).Where(U.ID.Ge(2)).OrderBy(U.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(len(rows), 3)
			is.Equal(rows[0].V1, "wendy")
			is.Equal(*rows[0].V2, "wendy@x.com")
			is.Equal(rows[1].V2, (*string)(nil)) // mary has no address
		})
		t.Run("Select4 Select5 aggregates", func(t *testing.T) {
			is := is.New(t)
			r4, err := quarry.Select4(quarry.CountAll(), quarry.Sum(O.Total), quarry.Min(O.Total), quarry.Max(O.Total)).One(ctx, db)
			is.NoErr(err)
			is.Equal(r4.V1, int64(4))
			is.Equal(*r4.V2, 38.5)
			is.Equal(*r4.V3, 1.0)
			is.Equal(*r4.V4, 20.0)
			r5, err := quarry.Select5(U.Age, quarry.Count(U.ID).Label("n"), quarry.Avg(U.Age), quarry.Min(U.Name), quarry.Max(U.Name)).GroupBy(U.Age).Having(quarry.Count(U.ID).Gt(1)).One(ctx, db)
			is.NoErr(err)
			is.Equal(r5.V1, int32(25))
			is.Equal(r5.V2, int64(2))
			is.Equal(*r5.V3, 25.0)
			is.Equal(*r5.V4, "fred")
			is.Equal(*r5.V5, "wendy")
		})
		t.Run("sum over no rows is NULL", func(t *testing.T) {
			is := is.New(t)
			s, err := quarry.Select(quarry.Sum(U.Age)).Where(U.ID.Gt(100)).Scalar(ctx, db)
			is.NoErr(err)
			is.Equal(s, (*int32)(nil))
		})
		t.Run("Distinct Limit Offset", func(t *testing.T) {
			is := is.New(t)
			ages, err := quarry.Select(U.Age).Distinct().OrderBy(U.Age).Limit(2).Offset(1).All(ctx, db)
			is.NoErr(err)
			is.Equal(ages, []int32{30, 41})
			ages, err = quarry.Select(U.Age).OrderBy(U.Age).Offset(3).All(ctx, db)
			is.NoErr(err)
			is.Equal(ages, []int32{41})
		})
		t.Run("aliases", func(t *testing.T) {
			is := is.New(t)
			u1, u2 := quarry.Aliased(U), quarry.Aliased(U, quarry.AliasName("u2"))
			rows, err := quarry.Select2(u1.Name, u2.Name).Join(u2, u1.Age.EqExpr(u2.Age), u1.ID.LtExpr(u2.ID)).All(ctx, db)
			is.NoErr(err)
			is.Equal(rows, []quarry.Row2[string, string]{{V1: "wendy", V2: "fred"}})
		})
		t.Run("subquery and Ref", func(t *testing.T) {
			is := is.New(t)
			n := quarry.CountAll().Label("address_count")
			sq := quarry.Select2(A.UserID, n).GroupBy(A.UserID).Subquery()
			rows, err := quarry.Select2(U.Name, quarry.Ref(sq, n)).Join(sq, U.ID.EqExpr(quarry.Ref(sq, A.UserID))).OrderBy(U.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(rows, []quarry.Row2[string, int64]{{V1: "ed", V2: 2}, {V1: "wendy", V2: 1}})
		})
		t.Run("AddColumns", func(t *testing.T) {
			is := is.New(t)
			rows, err := quarry.AddColumns(quarry.Select(U).Where(U.ID.Eq(2)), A.Email).Join(A, A.UserID.EqExpr(U.ID)).All(ctx, db)
			is.NoErr(err)
			is.Equal(len(rows), 1)
			is.Equal(rows[0].V1.Name, "wendy")
			is.Equal(rows[0].V2, "wendy@x.com")
		})
		t.Run("Columns", func(t *testing.T) {
			is := is.New(t)
			rows, err := quarry.Columns(U.Name, quarry.Count(A.ID), quarry.Max(A.Email).Label("last")).
				Join(A, A.UserID.EqExpr(U.ID)).GroupBy(U.Name).OrderBy(U.Name).All(ctx, db)
			is.NoErr(err)
			is.Equal(len(rows), 2)
			is.Equal(rows[0].Names(), []string{"name", "count", "last"})
			name, ok := rows[0].Get("name")
			is.True(ok)
			is.Equal(name, any("ed"))
			n, _ := rows[0].Get("count")
			is.Equal(toInt64(n), int64(2))
			last, _ := rows[1].Get("last")
			is.Equal(last, any("wendy@x.com"))
			_, ok = rows[0].Get("nope")
			is.True(!ok) // no such column
			is.Equal(len(rows[1].Values()), 3)
		})
		t.Run("Bundle", func(t *testing.T) {
			is := is.New(t)
			info := quarry.Bundle(func(b *CoreUserInfo) []quarry.BundleField {
				return []quarry.BundleField{quarry.Field(&b.Name, U.Name), quarry.Field(&b.Age, U.Age)}
			})
			got, err := quarry.Select(info).Where(U.Age.Eq(25)).OrderBy(U.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(got, []CoreUserInfo{{Name: "wendy", Age: 25}, {Name: "fred", Age: 25}})
			rows, err := quarry.Select2(info, A.Email).Join(A, A.UserID.EqExpr(U.ID)).OrderBy(A.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(rows[2], quarry.Row2[CoreUserInfo, string]{V1: CoreUserInfo{Name: "wendy", Age: 25}, V2: "wendy@x.com"})
		})
		t.Run("Text statement with positional Columns", func(t *testing.T) {
			is := is.New(t)
			txt := quarry.Text("SELECT age, fullname, nickname, name, id FROM core_users WHERE name = :n").
				Columns(U.Age, U.Fullname, U.Nickname, U.Name, U.ID).Bind("n", "ed")
			u, err := quarry.Select(U).FromText(txt).One(ctx, db)
			is.NoErr(err)
			is.Equal(*u, CoreUser{ID: 1, Name: "ed", Fullname: "Ed Jones", Nickname: ptr("eddie"), Age: 30})
			// Columns linked by position whatever the names are.
			txt = quarry.Text("SELECT name AS a, id AS b FROM core_users WHERE id = :id").Columns(U.Name, U.ID).Bind("id", 3)
			names, err := quarry.Select(U.Name).FromText(txt).All(ctx, db)
			is.NoErr(err)
			is.Equal(names, []string{"mary"})
		})
		t.Run("Text missing parameter", func(t *testing.T) {
			is := is.New(t)
			_, err := quarry.Select(U).FromText(quarry.Text("SELECT * FROM core_users WHERE name = :who")).All(ctx, db)
			is.True(errors.Is(err, quarry.ErrMissingParam)) // missing :who
			is.True(strings.Contains(err.Error(), ":who"))  // named
			_, err = db.Exec(ctx, quarry.Text("DELETE FROM core_users WHERE id = :id"))
			is.True(errors.Is(err, quarry.ErrMissingParam)) // on Exec too
		})
		t.Run("Text ORDER BY and cast", func(t *testing.T) {
			is := is.New(t)
			got, err := quarry.Select(U.Name).Where(quarry.Text("CAST(core_users.id AS TEXT) = :id").Bind("id", "2")).OrderBy(quarry.Text("core_users.name DESC")).All(ctx, db)
			is.NoErr(err)
			is.Equal(got, []string{"wendy"})
		})
	})
}

// coreOwnDB opens a DB that the test closes itself, on the backend's
// database (PostgreSQL: the fresh schema testdb made, through its
// connection string plus extra; SQLite: a new database).
func coreOwnDB(t *testing.T, backend string, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	return coreOwnDBParams(t, backend, "", opts...)
}

func coreOwnDBParams(t *testing.T, backend, pgParams string, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	ctx := context.Background()
	var (
		db  *quarry.DB
		err error
	)
	switch backend {
	case testdb.PostgreSQL:
		base := testdb.Open(t, backend)
		url := postgres.Pool(base).Config().ConnConfig.ConnString()
		if pgParams != "" {
			sep := "&"
			if !strings.Contains(url, "?") {
				sep = "?"
			}
			if !strings.Contains(url, "://") {
				sep = " "
				pgParams = strings.ReplaceAll(pgParams, "&", " ")
			}
			url += sep + pgParams
		}
		db, err = postgres.Open(ctx, url, opts...)
	case testdb.SQLiteFile:
		db, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "core.db"), opts...)
	default:
		db, err = sqlite.Open(ctx, ":memory:", opts...)
	}
	if err != nil {
		t.Fatalf("open %s: %v", backend, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	}
	return -1
}

func TestCoreExecLogAndClose(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			is := is.New(t)
			var buf bytes.Buffer
			db := coreOwnDB(t, backend, quarry.WithLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
			is.NoErr(db.CreateAll(ctx, CoreUsers))
			buf.Reset()
			_, err := quarry.Select(CoreUsers.ID).Where(CoreUsers.Name.Eq("logged-value")).All(ctx, db)
			is.NoErr(err)
			out := buf.String()
			is.True(strings.Contains(out, `"sql":"SELECT \"core_users\".\"id\" FROM \"core_users\" WHERE`)) // statement
			is.True(strings.Contains(out, `"args":["logged-value"]`))                                       // params
			is.True(strings.Contains(out, `"duration":`))                                                   // duration

			is.NoErr(db.Close())
			is.True(errors.Is(db.Close(), quarry.ErrClosed)) // second close
			_, err = quarry.Select(CoreUsers).All(ctx, db)
			is.True(errors.Is(err, quarry.ErrClosed)) // query
			_, err = db.Exec(ctx, quarry.Text("SELECT 1"))
			is.True(errors.Is(err, quarry.ErrClosed)) // exec
			is.True(errors.Is(db.CreateAll(ctx, CoreUsers), quarry.ErrClosed))
			is.True(errors.Is(db.DropAll(ctx, CoreUsers), quarry.ErrClosed))
		})
	}
}
