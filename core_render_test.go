package quarry_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unsafe"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

var dollarParam = regexp.MustCompile(`\$\d+`)

// coreRenderCase is one statement and the SQL it renders on SQLite; on
// PostgreSQL the same SQL with $n placeholders unless pg is set.
type coreRenderCase struct {
	name   string
	stmt   quarry.Statement
	sqlite string
	pg     string
	args   []any
}

func TestCoreRender(t *testing.T) {
	U, A, O := CoreUsers, CoreAddresses, CoreOrders
	nick := "ed"
	var nilNick *string
	const userCols = `"core_users"."id", "core_users"."name", "core_users"."fullname", "core_users"."nickname", "core_users"."age"`
	cases := []coreRenderCase{
		{
			name:   "entity with comparisons",
			stmt:   quarry.Select(U).Where(U.Name.Eq("ed"), U.Nickname.Eq(&nick)),
			sqlite: `SELECT ` + userCols + ` FROM "core_users" WHERE "core_users"."name" = ? AND "core_users"."nickname" = ?`,
			args:   []any{"ed", &nick},
		},
		{
			name:   "nil pointer Eq is IS NULL, Ne IS NOT NULL",
			stmt:   quarry.Select(U.ID).Where(U.Nickname.Eq(nilNick), U.Nickname.Ne(nilNick), U.Nickname.IsNull(), U.Nickname.IsNotNull()),
			sqlite: `SELECT "core_users"."id" FROM "core_users" WHERE "core_users"."nickname" IS NULL AND "core_users"."nickname" IS NOT NULL AND "core_users"."nickname" IS NULL AND "core_users"."nickname" IS NOT NULL`,
		},
		{
			name:   "ordering operators",
			stmt:   quarry.Select(U.ID).Where(U.ID.Ne(1), U.ID.Lt(2), U.ID.Le(3), U.ID.Gt(4), U.ID.Ge(5)),
			sqlite: `SELECT "core_users"."id" FROM "core_users" WHERE "core_users"."id" != ? AND "core_users"."id" < ? AND "core_users"."id" <= ? AND "core_users"."id" > ? AND "core_users"."id" >= ?`,
			args:   []any{int64(1), int64(2), int64(3), int64(4), int64(5)},
		},
		{
			name:   "expression operators",
			stmt:   quarry.Select(A.ID).Where(A.UserID.EqExpr(U.ID), A.UserID.NeExpr(U.ID), A.UserID.LtExpr(U.ID), A.UserID.LeExpr(U.ID), A.UserID.GtExpr(U.ID), A.UserID.GeExpr(U.ID)),
			sqlite: `SELECT "core_addresses"."id" FROM "core_addresses", "core_users" WHERE "core_addresses"."user_id" = "core_users"."id" AND "core_addresses"."user_id" != "core_users"."id" AND "core_addresses"."user_id" < "core_users"."id" AND "core_addresses"."user_id" <= "core_users"."id" AND "core_addresses"."user_id" > "core_users"."id" AND "core_addresses"."user_id" >= "core_users"."id"`,
		},
		{
			name:   "IN, NOT IN, empty lists",
			stmt:   quarry.Select(U.Name).Where(U.ID.In(1, 2), U.ID.NotIn(3), U.ID.In(), U.ID.NotIn()),
			sqlite: `SELECT "core_users"."name" FROM "core_users" WHERE "core_users"."id" IN (?, ?) AND "core_users"."id" NOT IN (?) AND 1 != 1 AND 1 = 1`,
			args:   []any{int64(1), int64(2), int64(3)},
		},
		{
			name:   "IN subquery",
			stmt:   quarry.Select(U.ID).Where(U.ID.InSelect(quarry.Select(A.UserID).Where(quarry.Like(A.Email, "%@x"))), U.ID.NotInSelect(quarry.Select(A.UserID))),
			sqlite: `SELECT "core_users"."id" FROM "core_users" WHERE "core_users"."id" IN (SELECT "core_addresses"."user_id" AS "user_id" FROM "core_addresses" WHERE "core_addresses"."email_address" LIKE ?) AND "core_users"."id" NOT IN (SELECT "core_addresses"."user_id" AS "user_id" FROM "core_addresses")`,
			args:   []any{"%@x"},
		},
		{
			name:   "tuple IN",
			stmt:   quarry.Select(U.ID).Where(quarry.Tuple(U.ID, U.Name).In(quarry.Row2[int64, string]{V1: 1, V2: "a"}, quarry.Row2[int64, string]{V1: 2, V2: "b"}), quarry.Tuple(U.ID, U.Name).NotIn(), quarry.Tuple(U.ID, U.Name).In()),
			sqlite: `SELECT "core_users"."id" FROM "core_users" WHERE (("core_users"."id" = ? AND "core_users"."name" = ?) OR ("core_users"."id" = ? AND "core_users"."name" = ?)) AND 1 = 1 AND 1 != 1`,
			args:   []any{int64(1), "a", int64(2), "b"},
		},
		{
			name:   "LIKE family; ILIKE emulated on SQLite",
			stmt:   quarry.Select(U.ID).Where(quarry.Like(U.Name, "e%"), quarry.NotLike(U.Name, "x"), quarry.ILike(U.Name, "E%"), quarry.NotILike(U.Name, "Q")),
			sqlite: `SELECT "core_users"."id" FROM "core_users" WHERE "core_users"."name" LIKE ? AND "core_users"."name" NOT LIKE ? AND lower("core_users"."name") LIKE lower(?) AND lower("core_users"."name") NOT LIKE lower(?)`,
			pg:     `SELECT "core_users"."id" FROM "core_users" WHERE "core_users"."name" LIKE $1 AND "core_users"."name" NOT LIKE $2 AND "core_users"."name" ILIKE $3 AND "core_users"."name" NOT ILIKE $4`,
			args:   []any{"e%", "x", "E%", "Q"},
		},
		{
			name:   "BETWEEN",
			stmt:   quarry.Select(U.ID).Where(U.Age.Between(18, 30)),
			sqlite: `SELECT "core_users"."id" FROM "core_users" WHERE "core_users"."age" BETWEEN ? AND ?`,
			args:   []any{int32(18), int32(30)},
		},
		{
			name:   "AND, OR, NOT nest with parentheses",
			stmt:   quarry.Select(U.ID).Where(quarry.Or(U.Name.Eq("a"), quarry.And(U.Name.Eq("b"), U.Age.Gt(3))), quarry.Not(U.Name.Eq("c")), quarry.And(), quarry.Or()),
			sqlite: `SELECT "core_users"."id" FROM "core_users" WHERE ("core_users"."name" = ? OR ("core_users"."name" = ? AND "core_users"."age" > ?)) AND NOT ("core_users"."name" = ?) AND 1 = 1 AND 1 != 1`,
			args:   []any{"a", "b", int32(3), "c"},
		},
		{
			name:   "aggregates and functions",
			stmt:   quarry.Select5(quarry.Sum(U.Age), quarry.Min(U.Age), quarry.Max(U.Name), quarry.Avg(U.Age), quarry.Lower(U.Name)),
			sqlite: `SELECT sum("core_users"."age"), min("core_users"."age"), max("core_users"."name"), avg("core_users"."age"), lower("core_users"."name") FROM "core_users"`,
		},
		{
			name:   "count(*), count(x), coalesce, Func, label",
			stmt:   quarry.Select5(quarry.CountAll(), quarry.Count(U.ID), quarry.Upper(U.Name), quarry.Coalesce(U.Nickname, "none"), quarry.Func[string]("concat", U.Name, U.Fullname).Label("full")),
			sqlite: `SELECT count(*), count("core_users"."id"), upper("core_users"."name"), coalesce("core_users"."nickname", ?), concat("core_users"."name", "core_users"."fullname") AS "full" FROM "core_users"`,
			args:   []any{"none"},
		},
		{
			name:   "count(*) with SelectFrom",
			stmt:   quarry.Select(quarry.CountAll()).SelectFrom(U),
			sqlite: `SELECT count(*) FROM "core_users"`,
		},
		{
			name:   "two joins, order, limit, offset",
			stmt:   quarry.Select(U).Join(A, A.UserID.EqExpr(U.ID)).OuterJoin(O, quarry.Deref(O.UserID).EqExpr(U.ID)).OrderBy(U.ID.Desc(), U.Name.Asc(), U.Age).Limit(3).Offset(2),
			sqlite: `SELECT ` + userCols + ` FROM "core_users" JOIN "core_addresses" ON "core_addresses"."user_id" = "core_users"."id" LEFT OUTER JOIN "core_orders" ON "core_orders"."user_id" = "core_users"."id" ORDER BY "core_users"."id" DESC, "core_users"."name" ASC, "core_users"."age" LIMIT ? OFFSET ?`,
			args:   []any{int64(3), int64(2)},
		},
		{
			name:   "offset alone",
			stmt:   quarry.Select(U.ID).Offset(4),
			sqlite: `SELECT "core_users"."id" FROM "core_users" LIMIT -1 OFFSET ?`,
			pg:     `SELECT "core_users"."id" FROM "core_users" OFFSET $1`,
			args:   []any{int64(4)},
		},
		{
			name:   "group by, having, distinct",
			stmt:   quarry.Select2(A.UserID, quarry.CountAll().Label("n")).GroupBy(A.UserID).Having(quarry.CountAll().Gt(1)).Distinct(),
			sqlite: `SELECT DISTINCT "core_addresses"."user_id", count(*) AS "n" FROM "core_addresses" GROUP BY "core_addresses"."user_id" HAVING count(*) > ?`,
			args:   []any{int64(1)},
		},
		{
			name:   "anonymous and named aliases",
			stmt:   quarry.Select2(quarry.Aliased(U), quarry.Aliased(U, quarry.AliasName("u1"))).Where(U.Name.Eq("x")).AllowCartesian(),
			sqlite: `SELECT "core_users_1"."id", "core_users_1"."name", "core_users_1"."fullname", "core_users_1"."nickname", "core_users_1"."age", "u1"."id" AS "id_1", "u1"."name" AS "name_1", "u1"."fullname" AS "fullname_1", "u1"."nickname" AS "nickname_1", "u1"."age" AS "age_1" FROM "core_users" AS "core_users_1", "core_users" AS "u1", "core_users" WHERE "core_users"."name" = ?`,
			args:   []any{"x"},
		},
		{
			name:   "Exists and ExistsWhere correlate",
			stmt:   quarry.Select(U.Name).Where(quarry.ExistsWhere(A.UserID.EqExpr(U.ID)), quarry.Not(quarry.Exists(quarry.Select(O.ID).Where(quarry.Deref(O.UserID).EqExpr(U.ID))))),
			sqlite: `SELECT "core_users"."name" FROM "core_users" WHERE EXISTS (SELECT * FROM "core_addresses" WHERE "core_addresses"."user_id" = "core_users"."id") AND NOT (EXISTS (SELECT "core_orders"."id" AS "id" FROM "core_orders" WHERE "core_orders"."user_id" = "core_users"."id"))`,
		},
		{
			name:   "scalar subquery",
			stmt:   quarry.Select2(U.Name, quarry.Select(quarry.CountAll()).SelectFrom(A).Where(A.UserID.EqExpr(U.ID)).ScalarSubquery().Label("n")),
			sqlite: `SELECT "core_users"."name", (SELECT count(*) FROM "core_addresses" WHERE "core_addresses"."user_id" = "core_users"."id") AS "n" FROM "core_users"`,
		},
		{
			name: "subquery and Ref",
			stmt: func() quarry.Statement {
				sq := quarry.Select2(A.UserID, quarry.CountAll().Label("address_count")).GroupBy(A.UserID).Subquery()
				return quarry.Select2(U.Name, quarry.Ref(sq, quarry.CountAll().Label("address_count"))).Join(sq, U.ID.EqExpr(quarry.Ref(sq, A.UserID)))
			}(),
			sqlite: `SELECT "core_users"."name", "anon_1"."address_count" FROM "core_users" JOIN (SELECT "core_addresses"."user_id" AS "user_id", count(*) AS "address_count" FROM "core_addresses" GROUP BY "core_addresses"."user_id") AS "anon_1" ON "core_users"."id" = "anon_1"."user_id"`,
		},
		{
			name:   "AddColumns",
			stmt:   quarry.AddColumns(quarry.Select(U), A.Email).Join(A, A.UserID.EqExpr(U.ID)),
			sqlite: `SELECT ` + userCols + `, "core_addresses"."email_address" FROM "core_users" JOIN "core_addresses" ON "core_addresses"."user_id" = "core_users"."id"`,
		},
		{
			name:   "Text in WHERE and ORDER BY",
			stmt:   quarry.Select(U.Name).Where(quarry.Text("id < :max AND name != ':max' /* :c */ AND id::text = :s -- :d\n")).OrderBy(quarry.Text("name DESC")).Bind("max", 10).Bind("s", "3"),
			sqlite: "SELECT \"core_users\".\"name\" FROM \"core_users\" WHERE id < ? AND name != ':max' /* :c */ AND id::text = ? -- :d\n ORDER BY name DESC",
			args:   []any{10, "3"},
		},
		{
			name:   "Columns, dynamic",
			stmt:   quarry.Columns(U.Name, quarry.Count(U.ID), quarry.Sum(U.Age).Label("s")).GroupBy(U.Name),
			sqlite: `SELECT "core_users"."name", count("core_users"."id"), sum("core_users"."age") AS "s" FROM "core_users" GROUP BY "core_users"."name"`,
		},
		{
			name: "bundle",
			stmt: quarry.Select(quarry.Bundle(func(b *CoreUserInfo) []quarry.BundleField {
				return []quarry.BundleField{quarry.Field(&b.Name, U.Name), quarry.Field(&b.Age, U.Age)}
			})).Where(U.ID.Eq(1)),
			sqlite: `SELECT "core_users"."name", "core_users"."age" FROM "core_users" WHERE "core_users"."id" = ?`,
			args:   []any{int64(1)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			sql, args, err := quarry.Render(sqlite.Dialect{}, c.stmt)
			is.NoErr(err)           // sqlite render
			is.Equal(sql, c.sqlite) // sqlite SQL
			is.Equal(args, c.args)  // sqlite args
			want := c.pg
			if want == "" {
				want = c.sqlite
			}
			sql, args, err = quarry.Render(postgres.Dialect{}, c.stmt)
			is.NoErr(err) // postgres render
			if c.pg == "" {
				sql = dollarParam.ReplaceAllString(sql, "?")
			}
			is.Equal(sql, want)    // postgres SQL
			is.Equal(args, c.args) // postgres args
		})
	}
}

// CoreUserInfo is a bundle of user columns.
type CoreUserInfo struct {
	Name string
	Age  int32
}

func TestCoreRenderString(t *testing.T) {
	U, A := CoreUsers, CoreAddresses
	cases := []struct {
		name string
		stmt interface{ String() string }
		want string
	}{
		{"entity", quarry.Select(U).Where(U.Name.Eq("ed")), `SELECT core_users.id, core_users.name, core_users.fullname, core_users.nickname, core_users.age FROM core_users WHERE core_users.name = ?`},
		{"join", quarry.Select2(U.Name, A.Email).Join(A, A.UserID.EqExpr(U.ID)), `SELECT core_users.name, core_addresses.email_address FROM core_users JOIN core_addresses ON core_addresses.user_id = core_users.id`},
		{"quoted names", quarry.Select(CoreOdds.Sel.Label("user")), `SELECT "core ""odd"" table"."select" AS "user" FROM "core ""odd"" table"`},
		{"alias", quarry.Select(quarry.Aliased(U, quarry.AliasName("u1")).Name), `SELECT u1.name FROM core_users AS u1`},
		{"error as comment", quarry.Select(U.Name).Where(quarry.Match(U.Name, "x")), `/* quarry: SELECT of quarry_test.CoreUser: full-text Match is not supported by the default dialect */`},
		{"text", quarry.Text("SELECT :a"), `SELECT :a`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(c.stmt.String(), c.want)
		})
	}
}

func TestCoreRenderMatchUnsupported(t *testing.T) {
	is := is.New(t)
	_, _, err := quarry.Render(sqlite.Dialect{}, quarry.Select(CoreUsers.ID).Where(quarry.Match(CoreUsers.Name, "x")))
	is.True(errors.Is(err, quarry.ErrUnsupported))           // Match on SQLite
	is.True(strings.Contains(err.Error(), "sqlite dialect")) // names the dialect
}

func TestCoreRenderIdentifiers(t *testing.T) {
	U := CoreUsers
	long := strings.Repeat("x", 64)
	cases := []struct {
		name    string
		stmt    quarry.Statement
		sqlite  string // "" when an error is expected
		pgErr   bool
		sqlErr  bool
		errPart string
	}{
		{name: `label with "quote"`, stmt: quarry.Select(U.Name.Label(`a"b`)), sqlite: `SELECT "core_users"."name" AS "a""b" FROM "core_users"`},
		{name: "label with space and keyword", stmt: quarry.Select(U.Name.Label("from where")), sqlite: `SELECT "core_users"."name" AS "from where" FROM "core_users"`},
		{name: "label that is a keyword", stmt: quarry.Select(U.Name.Label("select")), sqlite: `SELECT "core_users"."name" AS "select" FROM "core_users"`},
		{name: "label injection attempt", stmt: quarry.Select(U.Name.Label(`x" FROM core_users; DROP TABLE core_users; --`)), sqlite: `SELECT "core_users"."name" AS "x"" FROM core_users; DROP TABLE core_users; --" FROM "core_users"`},
		{name: "alias with quote", stmt: quarry.Select(quarry.Aliased(U, quarry.AliasName(`u"1`)).ID), sqlite: `SELECT "u""1"."id" FROM "core_users" AS "u""1"`},
		{name: "label with NUL", stmt: quarry.Select(U.Name.Label("a\x00b")), sqlErr: true, pgErr: true, errPart: "NUL"},
		{name: "alias with NUL", stmt: quarry.Select(quarry.Aliased(U, quarry.AliasName("u\x00")).ID), sqlErr: true, pgErr: true, errPart: "NUL"},
		{name: "empty label", stmt: quarry.Select(U.Name.Label("")), sqlErr: true, pgErr: true, errPart: "empty"},
		{name: "invalid UTF-8", stmt: quarry.Select(U.Name.Label("\xff")), sqlErr: true, pgErr: true, errPart: "UTF-8"},
		{name: "64-byte label", stmt: quarry.Select(U.Name.Label(long)), sqlite: `SELECT "core_users"."name" AS "` + long + `" FROM "core_users"`, pgErr: true, errPart: "63"},
		{name: "64-byte alias", stmt: quarry.Select(quarry.Aliased(U, quarry.AliasName(long)).ID), sqlite: `SELECT "` + long + `"."id" FROM "core_users" AS "` + long + `"`, pgErr: true, errPart: "63"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			sql, _, err := quarry.Render(sqlite.Dialect{}, c.stmt)
			if c.sqlErr {
				is.True(errors.Is(err, quarry.ErrInvalidIdentifier)) // refused on SQLite
				is.True(strings.Contains(err.Error(), c.errPart))    // says why
			} else {
				is.NoErr(err)
				is.Equal(sql, c.sqlite)
			}
			_, _, err = quarry.Render(postgres.Dialect{}, c.stmt)
			if c.pgErr {
				is.True(errors.Is(err, quarry.ErrInvalidIdentifier)) // refused on PostgreSQL
				is.True(strings.Contains(err.Error(), c.errPart))    // says why
			} else {
				is.NoErr(err)
			}
		})
	}
	t.Run("bad function name", func(t *testing.T) {
		is := is.New(t)
		_, _, err := quarry.Render(sqlite.Dialect{}, quarry.Select(quarry.Func[int64]("count(*); DROP TABLE x; --")))
		is.True(err != nil) // refused
	})
}

func TestCoreRenderValuesAreBound(t *testing.T) {
	U := CoreUsers
	evil := []string{`'; DROP TABLE core_users; --`, `" OR 1=1 --`, "a\x00b", `:name`, `?`, `$1`, "ed"}
	for _, v := range evil {
		t.Run(v, func(t *testing.T) {
			is := is.New(t)
			stmt := quarry.Select(U.ID).Where(U.Name.Eq(v), quarry.Like(U.Fullname, v), U.Name.In(v), quarry.Text("name = :p").Bind("p", v))
			for _, d := range []quarry.Dialect{sqlite.Dialect{}, postgres.Dialect{}} {
				sql, args, err := quarry.Render(d, stmt)
				is.NoErr(err)
				is.Equal(args, []any{v, v, v, v}) // every value is an argument
				if v != "?" && v != "$1" {
					is.True(!strings.Contains(sql, v)) // no value in the SQL
				}
			}
		})
	}
}

func TestCoreRenderBuildErrors(t *testing.T) {
	var zeroCol quarry.Column[int64]
	var zeroTable CoreUserTable
	var nilCond quarry.Condition
	cases := []struct {
		name string
		stmt func() quarry.Statement
		part string
	}{
		{"zero column selected", func() quarry.Statement { return quarry.Select(zeroCol) }, "zero Column"},
		{"zero column in WHERE", func() quarry.Statement { return quarry.Select(CoreUsers.ID).Where(zeroCol.Eq(1)) }, "zero Column"},
		{"zero table selected", func() quarry.Statement { return quarry.Select(&zeroTable) }, "zero table"},
		{"zero table joined", func() quarry.Statement { return quarry.Select(CoreUsers).Join(&zeroTable) }, "zero table"},
		{"zero table in SelectFrom", func() quarry.Statement { return quarry.Select(quarry.CountAll()).SelectFrom(&zeroTable) }, "zero table"},
		{"nil condition", func() quarry.Statement { return quarry.Select(CoreUsers.ID).Where(nilCond) }, "nil"},
		{"nil in And", func() quarry.Statement { return quarry.Select(CoreUsers.ID).Where(quarry.And(nilCond, nilCond)) }, "nil"},
		{"nil order term", func() quarry.Statement { return quarry.Select(CoreUsers.ID).OrderBy(nil) }, "nil"},
		{"bundle field outside the struct", func() quarry.Statement {
			var other CoreUserInfo
			return quarry.Select(quarry.Bundle(func(b *CoreUserInfo) []quarry.BundleField {
				return []quarry.BundleField{quarry.Field(&other.Name, CoreUsers.Name)}
			}))
		}, "does not point into"},
		{"bundle function panics", func() quarry.Statement {
			return quarry.Select(quarry.Bundle(func(b *struct{ P *CoreUserInfo }) []quarry.BundleField {
				return []quarry.BundleField{quarry.Field(&b.P.Name, CoreUsers.Name)}
			}))
		}, "panicked"},
		{"missing text parameter", func() quarry.Statement { return quarry.Select(CoreUsers.ID).Where(quarry.Text("id = :wanted")) }, ":wanted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			var stmt quarry.Statement
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("building panicked: %v", r)
					}
				}()
				stmt = c.stmt()
			}()
			_, _, err := quarry.Render(sqlite.Dialect{}, stmt)
			is.True(err != nil)                            // an error, not a panic
			is.True(strings.Contains(err.Error(), c.part)) // naming the problem
		})
	}
}

func TestCoreRenderCache(t *testing.T) {
	is := is.New(t)
	U, A, O := CoreUsers, CoreAddresses, CoreOrders
	stmt := quarry.Select(U).
		Join(A, A.UserID.EqExpr(U.ID)).
		Join(O, quarry.Deref(O.UserID).EqExpr(U.ID)).
		Where(U.Name.Eq("ed"), quarry.Like(A.Email, "%@x"), O.Total.Gt(10))
	d := sqlite.Dialect{}
	sql1, args1, err := quarry.Render(d, stmt)
	is.NoErr(err)
	sql2, args2, err := quarry.Render(d, stmt)
	is.NoErr(err)
	is.Equal(unsafe.StringData(sql1), unsafe.StringData(sql2)) // the same cached text, not a new rendering
	is.Equal(&args1[0], &args2[0])                             // the same cached arguments
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := quarry.Render(d, stmt); err != nil {
			t.Fatal(err)
		}
	})
	is.Equal(allocs, 0.0) // rendering a cached statement allocates nothing

	// A derived statement is a new shape: rendered anew, the original's
	// cache untouched.
	sql3, _, err := quarry.Render(d, stmt.Limit(1))
	is.NoErr(err)
	is.True(sql3 != sql1)
	sql4, _, _ := quarry.Render(d, stmt)
	is.Equal(unsafe.StringData(sql4), unsafe.StringData(sql1)) // still cached

	// Set operations are cached alike, each derived one on its own.
	union := quarry.Union(quarry.Select(U.Name).Where(U.ID.Lt(3)), quarry.Select(U.Name).Where(U.ID.Gt(7)))
	u1, _, err := quarry.Render(d, union)
	is.NoErr(err)
	u2, _, err := quarry.Render(d, union)
	is.NoErr(err)
	is.Equal(unsafe.StringData(u1), unsafe.StringData(u2))
	allocs = testing.AllocsPerRun(100, func() {
		if _, _, err := quarry.Render(d, union); err != nil {
			t.Fatal(err)
		}
	})
	is.Equal(allocs, 0.0)
	ordered, _, err := quarry.Render(d, union.OrderBy(U.Name).Limit(2))
	is.NoErr(err)
	is.True(strings.HasSuffix(ordered, `ORDER BY "name" LIMIT ?`))
	u3, _, _ := quarry.Render(d, union)
	is.Equal(unsafe.StringData(u3), unsafe.StringData(u1))
}
