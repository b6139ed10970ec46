package quarry_test

import (
	"context"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// FuzzRenderDML renders INSERT, upsert, UPDATE and DELETE statements of
// random values: the SQL text must not depend on them (no value is ever
// in it), every value must be an argument, and SQLite must run the SQL.
func FuzzRenderDML(f *testing.F) {
	for _, s := range []struct {
		val string
		n   int64
	}{
		{"ed", 1}, {`'; DROP TABLE dml_users; --`, -1}, {`" OR 1=1 --`, 0}, {"?", 1 << 40},
		{":name", 4}, {"$1", 5}, {"\x00", 6}, {"excluded.name", 7},
	} {
		f.Add(s.val, s.n)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateAll(ctx, DMLUsers, DMLArchives); err != nil {
		f.Fatal(err)
	}
	U := DMLUsers
	build := func(val string, n int64) []quarry.DML {
		return []quarry.DML{
			quarry.Insert(U).Values(&DMLUser{Name: val, Email: val + "@1", Visits: n}),
			quarry.Insert(U).Set(quarry.Set(U.Name, val), quarry.Set(U.Email, val)).
				OnConflict(U.Email).Where(U.Name.Ne(val)).
				DoUpdate(quarry.SetExpr(U.Name, quarry.Excluded(U.Name)), quarry.SetExpr(U.Visits, quarry.Add(U.Visits, n))),
			quarry.Insert(U).Values(&DMLUser{Name: val, Email: val, Visits: n}).OnConflict(U.Email).DoNothing(),
			quarry.Update(U).Set(quarry.Set(U.Status, val), quarry.SetExpr(U.Visits, quarry.Mul(U.Visits, n))).Where(U.Name.Eq(val), U.Visits.Lt(n)),
			quarry.Delete(U).Where(quarry.Like(U.Email, val), U.ID.In(n, n+1)),
		}
	}
	f.Fuzz(func(t *testing.T, val string, n int64) {
		stmts, others := build(val, n), build("other value", n^1)
		for i, stmt := range stmts {
			for _, d := range []quarry.Dialect{sqlite.Dialect{}, postgres.Dialect{}} {
				sql, args, err := quarry.Render(d, stmt)
				if refusedNUL(d, val, err) {
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", d.Name(), err)
				}
				found := false
				for _, a := range args {
					if a == any(val) {
						found = true
					}
				}
				if !found {
					t.Fatalf("%s: args %v do not carry the value %q", d.Name(), args, val)
				}
				if count, err := countPlaceholders(d, sql); err != nil || count != len(args) {
					t.Fatalf("%s: %d placeholders (%v) for %d args:\n%s", d.Name(), count, err, len(args), sql)
				}
				other, _, err := quarry.Render(d, others[i])
				if err != nil || other != sql {
					t.Fatalf("%s: the SQL depends on the values:\n%s\n%s", d.Name(), sql, other)
				}
			}
			if _, err := stmt.(interface {
				Exec(context.Context, quarry.Executor) (int64, error)
			}).Exec(ctx, db); err != nil {
				t.Fatalf("SQLite refused the rendered SQL: %v\n%s", err, stmt)
			}
		}
	})
}
