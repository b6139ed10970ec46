package quarry_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

var (
	goldenSpaces = regexp.MustCompile(`\s+`)
	goldenParams = regexp.MustCompile(`\$\d+|:[A-Za-z_]\w*|\?`)
	goldenLabel  = regexp.MustCompile(`(\w+)\.(\w+) AS (\w+)`)
	goldenCount  = regexp.MustCompile(`(count\([^()]*\)) AS count_\d+`)
)

// normalizeSQL makes SQL printed by SQLAlchemy comparable with quarry's:
// Markdown bold markers gone, one space between tokens, every placeholder
// ?, count('*') as count(*), and the automatic labels SQLAlchemy 1.3 puts
// on columns (users.id AS users_id, and in 2.0 style users.id AS id in a
// subquery) and on count() (AS count_1) dropped. Explicit labels (AS
// name_label) stay.
func normalizeSQL(s string) string {
	s = strings.ReplaceAll(s, "**", "")
	s = goldenParams.ReplaceAllString(s, "?")
	s = goldenSpaces.ReplaceAllString(strings.TrimSpace(s), " ")
	s = strings.ReplaceAll(s, "( ", "(")
	s = strings.ReplaceAll(s, " )", ")")
	s = strings.ReplaceAll(s, "count(?)", "count(*)")
	s = goldenCount.ReplaceAllString(s, "$1")
	return goldenLabel.ReplaceAllStringFunc(s, func(m string) string {
		p := goldenLabel.FindStringSubmatch(m)
		if p[3] == p[1]+"_"+p[2] || p[3] == p[2] {
			return p[1] + "." + p[2]
		}
		return m
	})
}

func TestCoreGoldenNormalize(t *testing.T) {
	is := is.New(t)
	is.Equal(normalizeSQL("**SELECT** users.id **AS** users_id,\n  u.name AS name_label FROM x WHERE a = :name_1 AND b = $2"),
		"SELECT users.id, u.name AS name_label FROM x WHERE a = ? AND b = ?")
	is.Equal(normalizeSQL("SELECT count(?) AS count_1 FROM (SELECT a.id AS id) AS anon_1"), "SELECT count(*) FROM (SELECT a.id) AS anon_1")
}

// TestCoreGoldenTutorial renders the SELECTs of the 1.3 tutorial's
// Querying, Returning Lists and Scalars, Using Textual SQL and Counting
// sections (seed 000) and compares them with the SQL printed there.
func TestCoreGoldenTutorial(t *testing.T) {
	U := TUsers
	ua := quarry.Aliased(U, quarry.AliasName("user_alias"))
	const users = `SELECT users.id AS users_id, users.name AS users_name, users.fullname AS users_fullname, users.nickname AS users_nickname FROM users`
	cases := []struct {
		name string
		stmt interface{ String() string }
		want string
	}{
		{"query(User).order_by(User.id)", quarry.Select(U).OrderBy(U.ID), users + ` ORDER BY users.id`},
		{"query(User.name, User.fullname)", quarry.Select2(U.Name, U.Fullname), `SELECT users.name AS users_name, users.fullname AS users_fullname FROM users`},
		// The seed's 1.3 Query folds the repeated users.name into one
		// column; 2.0's select(), which quarry follows, keeps it as name_1.
		{"query(User, User.name)", quarry.Select2(U, U.Name), `SELECT users.id AS users_id, users.name AS users_name, users.fullname AS users_fullname, users.nickname AS users_nickname, users.name AS name_1 FROM users`},
		{"label", quarry.Select(U.Name.Label("name_label")), `SELECT users.name AS name_label FROM users`},
		// As above: 2.0 keeps user_alias.name twice.
		{"aliased(User, name='user_alias')", quarry.Select2(ua, ua.Name), `SELECT user_alias.id AS user_alias_id, user_alias.name AS user_alias_name, user_alias.fullname AS user_alias_fullname, user_alias.nickname AS user_alias_nickname, user_alias.name AS name_1 FROM users AS user_alias`},
		{"order_by(User.id)[1:3]", quarry.Select(U).OrderBy(U.ID).Limit(2).Offset(1), users + ` ORDER BY users.id LIMIT ? OFFSET ?`},
		{"filter_by(fullname='Ed Jones')", quarry.Select(U.Name).Where(U.Fullname.Eq("Ed Jones")), `SELECT users.name AS users_name FROM users WHERE users.fullname = ?`},
		{"filter().filter()", quarry.Select(U).Where(U.Name.Eq("ed")).Where(U.Fullname.Eq("Ed Jones")), users + ` WHERE users.name = ? AND users.fullname = ?`},
		{"all()", quarry.Select(U).Where(quarry.Like(U.Name, "%ed")).OrderBy(U.ID), users + ` WHERE users.name LIKE ? ORDER BY users.id`},
		// first() is LIMIT 1 OFFSET 0 in 1.3; Query.First renders LIMIT 1.
		{"first()", quarry.Select(U).Where(quarry.Like(U.Name, "%ed")).OrderBy(U.ID).Limit(1).Offset(0), users + ` WHERE users.name LIKE ? ORDER BY users.id LIMIT ? OFFSET ?`},
		{"scalar()", quarry.Select(U.ID).Where(U.Name.Eq("ed")).OrderBy(U.ID), `SELECT users.id AS users_id FROM users WHERE users.name = ? ORDER BY users.id`},
		{"filter(text).order_by(text)", quarry.Select(U).Where(quarry.Text("id<224")).OrderBy(quarry.Text("id")), users + ` WHERE id<224 ORDER BY id`},
		{"text params", quarry.Select(U).Where(quarry.Text("id<:value and name=:name")).Bind("value", 224).Bind("name", "fred").OrderBy(U.ID), users + ` WHERE id<? and name=? ORDER BY users.id`},
		{"from_statement(text)", quarry.Select(U).FromText(quarry.Text("SELECT * FROM users where name=:name").Bind("name", "ed")), `SELECT * FROM users where name=?`},
		{"text.columns", quarry.Select(U).FromText(quarry.Text("SELECT name, id, fullname, nickname FROM users where name=:name").Columns(U.Name, U.ID, U.Fullname, U.Nickname).Bind("name", "ed")), `SELECT name, id, fullname, nickname FROM users where name=?`},
		{"query(User.id, User.name).from_statement", quarry.Select2(U.ID, U.Name).FromText(quarry.Text("SELECT name, id FROM users where name=:name").Columns(U.Name, U.ID).Bind("name", "ed")), `SELECT name, id FROM users where name=?`},
		{"count()", quarry.Select(quarry.CountAll().Label("count_1")).SelectFrom(quarry.Select(U).Where(quarry.Like(U.Name, "%ed")).Subquery()),
			`SELECT count(*) AS count_1 FROM (SELECT users.id AS users_id, users.name AS users_name, users.fullname AS users_fullname, users.nickname AS users_nickname FROM users WHERE users.name LIKE ?) AS anon_1`},
		{"func.count(User.name), User.name", quarry.Select2(quarry.Count(U.Name), U.Name).GroupBy(U.Name), `SELECT count(users.name) AS count_1, users.name AS users_name FROM users GROUP BY users.name`},
		{"func.count('*').select_from(User)", quarry.Select(quarry.CountAll()).SelectFrom(U), `SELECT count(?) AS count_1 FROM users`},
		{"func.count(User.id)", quarry.Select(quarry.Count(U.ID)), `SELECT count(users.id) AS count_1 FROM users`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			is.Equal(normalizeSQL(c.stmt.String()), normalizeSQL(c.want))
		})
	}
}

// TestCoreGoldenTutorialRows runs the same statements and checks the rows
// the tutorial prints (its data then had no jack; the fixture has him).
func TestCoreGoldenTutorialRows(t *testing.T) {
	ctx := context.Background()
	U := TUsers
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		loadTutorial(t, db)
		is := is.New(t)
		pairs, err := quarry.Select2(U.Name, U.Fullname).Where(U.ID.Le(4)).OrderBy(U.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(pairs, []quarry.Row2[string, string]{{V1: "ed", V2: "Ed Jones"}, {V1: "wendy", V2: "Wendy Williams"}, {V1: "mary", V2: "Mary Contrary"}, {V1: "fred", V2: "Fred Flintstone"}})
		sliced, err := quarry.Select(U.Name).OrderBy(U.ID).Limit(2).Offset(1).All(ctx, db)
		is.NoErr(err)
		is.Equal(sliced, []string{"wendy", "mary"}) // [1:3]
		like := quarry.Select(U).Where(quarry.Like(U.Name, "%ed")).OrderBy(U.ID)
		us, err := like.All(ctx, db)
		is.NoErr(err)
		is.Equal(len(us), 2)
		is.Equal(*us[1], TUser{ID: 4, Name: "fred", Fullname: "Fred Flintstone", Nickname: "freddy"})
		first, err := like.First(ctx, db)
		is.NoErr(err)
		is.Equal(first.Nickname, "eddie")
		_, err = like.One(ctx, db)
		is.True(err != nil) // MultipleResultsFound
		_, err = like.Where(U.ID.Eq(99)).One(ctx, db)
		is.True(err != nil) // NoResultFound
		id, err := quarry.Select(U.ID).Where(U.Name.Eq("ed")).OrderBy(U.ID).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(id, int64(1))
		fred, err := quarry.Select(U).Where(quarry.Text("id<:value and name=:name")).Bind("value", 224).Bind("name", "fred").OrderBy(U.ID).One(ctx, db)
		is.NoErr(err)
		is.Equal(fred.ID, int64(4))
		byName, err := quarry.Select(U).FromText(quarry.Text("SELECT * FROM users where name=:name").Bind("name", "ed")).All(ctx, db)
		is.NoErr(err)
		is.Equal(byName[0].Fullname, "Ed Jones") // columns matched by name
		ids, err := quarry.Select2(U.ID, U.Name).FromText(quarry.Text("SELECT name, id FROM users where name=:name").Columns(U.Name, U.ID).Bind("name", "ed")).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []quarry.Row2[int64, string]{{V1: 1, V2: "ed"}})
		n, err := like.Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		n, err = quarry.Select(quarry.CountAll()).SelectFrom(U).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(5)) // the tutorial's 4, plus jack
		counts, err := quarry.Select2(quarry.Count(U.Name), U.Name).GroupBy(U.Name).OrderBy(U.Name).All(ctx, db)
		is.NoErr(err)
		is.Equal(counts[0], quarry.Row2[int64, string]{V1: 1, V2: "ed"})
	})
}
