package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// FuzzRender renders statements whose alias and label names and values
// are random. Every statement must either be refused with
// ErrInvalidIdentifier or be SQL that SQLite runs, and the SQL text must
// not depend on the values (so no value is ever in it).
func FuzzRender(f *testing.F) {
	for _, s := range []struct {
		alias, label, val string
		n                 int64
	}{
		{"u1", "name", "ed", 1},
		{`u"1`, `a"b`, `'; DROP TABLE core_users; --`, -1},
		{"select", "from", `" OR 1=1 --`, 0},
		{"a b", "where x", "?", 1 << 40},
		{"u\x00", "l", "v", 2},
		{"u", "l\x00", "\x00", 3},
		{"ünï", "日本", ":name", 4},
		{strings.Repeat("x", 70), "l", "$1", 5},
		{"", "", "", 6},
		{"\xff", "ok", "\xfe", 7},
		{"core_users", "id", "%", 8},
		{"u]", "`l`", "/* */", 9},
	} {
		f.Add(s.alias, s.label, s.val, s.n)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateAll(ctx, CoreUsers); err != nil {
		f.Fatal(err)
	}
	build := func(alias, label, val string, n int64) *quarry.Query[quarry.Row2[string, int64]] {
		a := quarry.Aliased(CoreUsers, quarry.AliasName(alias))
		return quarry.Select2(a.Name.Label(label), a.ID).
			Where(a.Name.Eq(val), quarry.Like(a.Fullname, val), a.ID.In(n, n+1), quarry.Or(a.Nickname.Eq(&val), a.Age.Gt(int32(n)))).
			OrderBy(a.ID.Desc()).Limit(n)
	}
	f.Fuzz(func(t *testing.T, alias, label, val string, n int64) {
		stmt := build(alias, label, val, n)
		for _, d := range []quarry.Dialect{sqlite.Dialect{}, postgres.Dialect{}} {
			sql, args, err := quarry.Render(d, stmt)
			if err != nil {
				if !errors.Is(err, quarry.ErrInvalidIdentifier) {
					t.Fatalf("%s: unexpected error %v", d.Name(), err)
				}
				continue
			}
			if len(args) != 7 || args[0] != val || args[1] != val {
				t.Fatalf("%s: args %v do not carry the values", d.Name(), args)
			}
			other, _, err := quarry.Render(d, build(alias, label, "other value", n^1))
			if err != nil || other != sql {
				t.Fatalf("%s: the SQL depends on the values:\n%s\n%s", d.Name(), sql, other)
			}
		}
		if _, _, err := quarry.Render(sqlite.Dialect{}, stmt); err != nil {
			return
		}
		if _, err := stmt.All(ctx, db); err != nil {
			t.Fatalf("SQLite refused the rendered SQL: %v\n%s", err, stmt)
		}
	})
}
