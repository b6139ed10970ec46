package quarry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// TestDMLRender renders every form of INSERT, UPDATE, DELETE and upsert on
// both dialects, without a database. Values are always arguments.
func TestDMLRender(t *testing.T) {
	U, A := DMLUsers, DMLArchives
	ed := &DMLUser{Name: "ed", Email: "ed@x"}
	wendy := &DMLUser{Name: "wendy", Email: "w@x"}
	upsert := quarry.Insert(U).Set(quarry.Set(U.Name, "ed"), quarry.Set(U.Email, "ed@x"))
	cases := []struct {
		name     string
		stmt     quarry.Statement
		sqlite   string
		postgres string
		args     []any
	}{
		{"insert objects", quarry.Insert(U).Values(ed, wendy),
			`INSERT INTO "dml_users" ("name", "email", "visits") VALUES (?, ?, ?), (?, ?, ?)`,
			`INSERT INTO "dml_users" ("name", "email", "visits") VALUES ($1, $2, $3), ($4, $5, $6)`,
			[]any{"ed", "ed@x", int64(0), "wendy", "w@x", int64(0)}},
		{"insert objects returning defaults", quarry.Insert(U).Values(ed).ReturningDefaults(),
			`INSERT INTO "dml_users" ("name", "email", "visits") VALUES (?, ?, ?) RETURNING "id", "status"`,
			`INSERT INTO "dml_users" ("name", "email", "visits") VALUES ($1, $2, $3) RETURNING "id", "status"`,
			[]any{"ed", "ed@x", int64(0)}},
		{"insert given key returning defaults", quarry.Insert(U).Values(&DMLUser{ID: 7, Name: "x", Email: "y"}).ReturningDefaults(),
			`INSERT INTO "dml_users" ("id", "name", "email", "visits") VALUES (?, ?, ?, ?) RETURNING "id", "status"`,
			`INSERT INTO "dml_users" ("id", "name", "email", "visits") VALUES ($1, $2, $3, $4) RETURNING "id", "status"`,
			[]any{int64(7), "x", "y", int64(0)}},
		{"insert set", quarry.Insert(U).Set(quarry.Set(U.Name, "ed"), quarry.Set(U.Email, "ed@x"), quarry.Set(U.Status, "vip")),
			`INSERT INTO "dml_users" ("name", "email", "status") VALUES (?, ?, ?)`,
			`INSERT INTO "dml_users" ("name", "email", "status") VALUES ($1, $2, $3)`,
			[]any{"ed", "ed@x", "vip"}},
		{"insert returning2", quarry.Returning2(quarry.Insert(U).Set(quarry.Set(U.Name, "ed"), quarry.Set(U.Email, "ed@x")), U.ID, U.Status),
			`INSERT INTO "dml_users" ("name", "email") VALUES (?, ?) RETURNING "dml_users"."id", "dml_users"."status"`,
			`INSERT INTO "dml_users" ("name", "email") VALUES ($1, $2) RETURNING "dml_users"."id", "dml_users"."status"`,
			[]any{"ed", "ed@x"}},
		{"insert select", quarry.InsertSelect2(quarry.Insert(A), A.Name, A.Email, quarry.Select2(U.Name, U.Email).Where(U.Status.Eq("archived"))),
			`INSERT INTO "dml_archive" ("name", "email") SELECT "dml_users"."name", "dml_users"."email" FROM "dml_users" WHERE "dml_users"."status" = ?`,
			`INSERT INTO "dml_archive" ("name", "email") SELECT "dml_users"."name", "dml_users"."email" FROM "dml_users" WHERE "dml_users"."status" = $1`,
			[]any{"archived"}},
		{"insert select upsert", quarry.InsertSelect(quarry.Insert(A), A.Name, quarry.Select(U.Name)).OnConflict().DoNothing(),
			`INSERT INTO "dml_archive" ("name") SELECT "dml_users"."name" FROM "dml_users" WHERE true ON CONFLICT DO NOTHING`,
			`INSERT INTO "dml_archive" ("name") SELECT "dml_users"."name" FROM "dml_users" ON CONFLICT DO NOTHING`,
			nil},
		{"upsert do nothing", upsert.OnConflict(U.Email).DoNothing(),
			`INSERT INTO "dml_users" ("name", "email") VALUES (?, ?) ON CONFLICT ("email") DO NOTHING`,
			`INSERT INTO "dml_users" ("name", "email") VALUES ($1, $2) ON CONFLICT ("email") DO NOTHING`,
			[]any{"ed", "ed@x"}},
		{"upsert do update where", upsert.OnConflict(U.Email).Where(U.Status.Ne("locked")).
			DoUpdate(quarry.SetExpr(U.Name, quarry.Excluded(U.Name)), quarry.SetExpr(U.Visits, quarry.Add(U.Visits, 1))),
			`INSERT INTO "dml_users" ("name", "email") VALUES (?, ?) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name", "visits" = "dml_users"."visits" + ? WHERE "dml_users"."status" != ?`,
			`INSERT INTO "dml_users" ("name", "email") VALUES ($1, $2) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name", "visits" = "dml_users"."visits" + $3 WHERE "dml_users"."status" != $4`,
			[]any{"ed", "ed@x", int64(1), "locked"}},
		{"upsert returning", quarry.Returning(upsert.OnConflict(U.Email).DoUpdate(quarry.Set(U.Status, "seen")), U.ID),
			`INSERT INTO "dml_users" ("name", "email") VALUES (?, ?) ON CONFLICT ("email") DO UPDATE SET "status" = ? RETURNING "dml_users"."id"`,
			`INSERT INTO "dml_users" ("name", "email") VALUES ($1, $2) ON CONFLICT ("email") DO UPDATE SET "status" = $3 RETURNING "dml_users"."id"`,
			[]any{"ed", "ed@x", "seen"}},
		{"upsert on constraint", upsert.OnConflictConstraint("dml_users_email_key").DoNothing(),
			``, // SQLite has no named conflict target
			`INSERT INTO "dml_users" ("name", "email") VALUES ($1, $2) ON CONFLICT ON CONSTRAINT "dml_users_email_key" DO NOTHING`,
			[]any{"ed", "ed@x"}},
		{"update", quarry.Update(U).Set(quarry.Set(U.Status, "archived")).Where(U.Visits.Lt(3), U.Name.Ne("root")),
			`UPDATE "dml_users" SET "status" = ? WHERE "dml_users"."visits" < ? AND "dml_users"."name" != ?`,
			`UPDATE "dml_users" SET "status" = $1 WHERE "dml_users"."visits" < $2 AND "dml_users"."name" != $3`,
			[]any{"archived", int64(3), "root"}},
		{"update expression", quarry.Update(U).Set(quarry.SetExpr(U.Visits, quarry.Mul(quarry.Add(U.Visits, 1), 2))).Where(U.ID.Eq(1)),
			`UPDATE "dml_users" SET "visits" = ("dml_users"."visits" + ?) * ? WHERE "dml_users"."id" = ?`,
			`UPDATE "dml_users" SET "visits" = ("dml_users"."visits" + $1) * $2 WHERE "dml_users"."id" = $3`,
			[]any{int64(1), int64(2), int64(1)}},
		{"update all rows", quarry.Update(U).Set(quarry.Set(U.Visits, 0)).AllRows(),
			`UPDATE "dml_users" SET "visits" = ?`,
			`UPDATE "dml_users" SET "visits" = $1`,
			[]any{int64(0)}},
		{"update correlated subquery", quarry.Update(U).Set(quarry.Set(U.Status, "archived")).
			Where(quarry.Exists(quarry.Select(A.ID).Where(A.Email.EqExpr(U.Email)))),
			`UPDATE "dml_users" SET "status" = ? WHERE EXISTS (SELECT "dml_archive"."id" AS "id" FROM "dml_archive" WHERE "dml_archive"."email" = "dml_users"."email")`,
			`UPDATE "dml_users" SET "status" = $1 WHERE EXISTS (SELECT "dml_archive"."id" AS "id" FROM "dml_archive" WHERE "dml_archive"."email" = "dml_users"."email")`,
			[]any{"archived"}},
		{"update returning", quarry.Returning2(quarry.Update(U).Set(quarry.Set(U.Status, "x")).Where(U.ID.Gt(1)), U.ID, U.Visits),
			`UPDATE "dml_users" SET "status" = ? WHERE "dml_users"."id" > ? RETURNING "dml_users"."id", "dml_users"."visits"`,
			`UPDATE "dml_users" SET "status" = $1 WHERE "dml_users"."id" > $2 RETURNING "dml_users"."id", "dml_users"."visits"`,
			[]any{"x", int64(1)}},
		{"delete", quarry.Delete(U).Where(U.Status.Eq("archived")),
			`DELETE FROM "dml_users" WHERE "dml_users"."status" = ?`,
			`DELETE FROM "dml_users" WHERE "dml_users"."status" = $1`,
			[]any{"archived"}},
		{"delete all rows", quarry.Delete(U).AllRows(),
			`DELETE FROM "dml_users"`, `DELETE FROM "dml_users"`, nil},
		{"delete returning entity", quarry.Returning(quarry.Delete(U).Where(U.ID.In(1, 2)), U),
			`DELETE FROM "dml_users" WHERE "dml_users"."id" IN (?, ?) RETURNING "dml_users"."id", "dml_users"."name", "dml_users"."email", "dml_users"."status", "dml_users"."visits"`,
			`DELETE FROM "dml_users" WHERE "dml_users"."id" IN ($1, $2) RETURNING "dml_users"."id", "dml_users"."name", "dml_users"."email", "dml_users"."status", "dml_users"."visits"`,
			[]any{int64(1), int64(2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			sql, args, err := quarry.Render(sqlite.Dialect{}, c.stmt)
			if c.sqlite == "" {
				is.True(errors.Is(err, quarry.ErrUnsupported)) // SQLite refuses
			} else {
				is.NoErr(err)
				is.Equal(sql, c.sqlite)
				is.Equal(args, c.args)
			}
			sql, args, err = quarry.Render(postgres.Dialect{}, c.stmt)
			is.NoErr(err)
			is.Equal(sql, c.postgres)
			is.Equal(args, c.args)
		})
	}
}

// TestDMLRenderErrors: statements that cannot run say why, at render and
// execution alike, and never panic.
func TestDMLRenderErrors(t *testing.T) {
	U, A := DMLUsers, DMLArchives
	alias := quarry.Aliased(U)
	var zero DMLUserTable
	cases := []struct {
		name string
		stmt quarry.Statement
		want string
		is   error
	}{
		{"update without where", quarry.Update(U).Set(quarry.Set(U.Status, "x")), "UPDATE of dml_users; add Where, or AllRows() to update every row", quarry.ErrNoWhere},
		{"update empty where", quarry.Update(U).Set(quarry.Set(U.Status, "x")).Where(), "UPDATE of dml_users", quarry.ErrNoWhere},
		{"delete without where", quarry.Delete(U), "DELETE of dml_users; add Where, or AllRows() to delete every row", quarry.ErrNoWhere},
		{"update without set", quarry.Update(U).Where(U.ID.Eq(1)), "sets no column", nil},
		{"update other table's column", quarry.Update(U).Set(quarry.Set(A.Name, "x")).Where(U.ID.Eq(1)), "names dml_archive.name, which is not a column of dml_users", nil},
		{"update alias", quarry.Update(alias).Set(quarry.Set(alias.Name, "x")).AllRows(), "writes the table itself, not an alias", nil},
		{"update zero table", quarry.Update(&zero).Set(quarry.Set(U.Name, "x")).AllRows(), "zero table struct", nil},
		{"update zero column", quarry.Update(U).Set(quarry.Set(zero.Name, "x")).AllRows(), "a zero Column", nil},
		{"insert nothing", quarry.Insert(U), "has no rows", nil},
		{"insert nil object", quarry.Insert(U).Values(nil), "nil object", nil},
		{"insert two forms", quarry.Insert(U).Values(&DMLUser{}).Set(quarry.Set(U.Name, "x")), "takes one of Values, Set and InsertSelect", nil},
		{"insert mixed shapes", quarry.Insert(U).Values(&DMLUser{ID: 1}, &DMLUser{}), "write different columns", nil},
		{"returning defaults of set", quarry.Insert(U).Set(quarry.Set(U.Name, "x")).ReturningDefaults(), "ReturningDefaults fills the objects of Values", nil},
		{"returning defaults of upsert", quarry.Insert(U).Values(&DMLUser{}).ReturningDefaults().OnConflict(U.Email).DoNothing(), "use Returning", nil},
		{"do update without target", quarry.Insert(U).Set(quarry.Set(U.Name, "x")).OnConflict().DoUpdate(quarry.Set(U.Name, "y")), "needs a conflict target", nil},
		{"do update without set", quarry.Insert(U).Set(quarry.Set(U.Name, "x")).OnConflict(U.Email).DoUpdate(), "DO UPDATE sets no column", nil},
		{"do nothing where", quarry.Insert(U).Set(quarry.Set(U.Name, "x")).OnConflict(U.Email).Where(U.ID.Eq(1)).DoNothing(), "not DO NOTHING", nil},
		{"conflict on other table", quarry.Insert(U).Set(quarry.Set(U.Name, "x")).OnConflict(A.Email).DoNothing(), "ON CONFLICT of dml_users names dml_archive.email", nil},
		{"nil conflict column", quarry.Insert(U).Set(quarry.Set(U.Name, "x")).OnConflict(nil).DoNothing(), "a zero Column", nil},
		{"nil where", quarry.Delete(U).Where(nil), "nil expression", nil},
		{"nil returning statement", quarry.Returning[int64](nil, U.ID), "nil DML statement", nil},
		{"typed nil statement", quarry.Returning((*quarry.UpdateStatement[DMLUser])(nil), U.ID), "nil UPDATE statement", nil},
		{"nil insert select", quarry.InsertSelect(quarry.Insert(A), A.Name, (*quarry.Query[string])(nil)), "nil SELECT", nil},
		{"returning defaults and returning", quarry.Returning(quarry.Insert(U).Values(&DMLUser{}).ReturningDefaults(), U.ID), "use one", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			_, _, err := quarry.Render(postgres.Dialect{}, c.stmt)
			is.True(err != nil)                            // refused
			is.True(strings.Contains(err.Error(), c.want)) // the message says why
			if c.is != nil {
				is.True(errors.Is(err, c.is))
			}
		})
	}
}
