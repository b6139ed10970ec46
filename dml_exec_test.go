package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// dmlSetup creates the tables of the statement-writing tests.
func dmlSetup(t *testing.T, db *quarry.DB) {
	t.Helper()
	if err := db.CreateAll(context.Background(), DMLUsers, DMLArchives); err != nil {
		t.Fatal(err)
	}
}

func dmlRows(t *testing.T, db *quarry.DB) []quarry.Row3[string, string, int64] {
	t.Helper()
	U := DMLUsers
	rows, err := quarry.Select3(U.Name, U.Status, U.Visits).OrderBy(U.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// sqlOnly normalises placeholders to ?, so one expectation fits every
// backend.
func sqlOnly(stmts []string) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = goldenParams.ReplaceAllString(s, "?")
	}
	return out
}

func TestDMLInsertObjects(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		dmlSetup(t, db)
		U := DMLUsers
		users := make([]*DMLUser, 2500)
		for i := range users {
			users[i] = &DMLUser{Name: fmt.Sprintf("u%04d", i), Email: fmt.Sprintf("u%04d@x", i)}
		}
		users[1].Status = "vip" // writes status: a statement of its own shape
		log.Reset()
		n, err := quarry.Insert(U).Values(users...).ReturningDefaults().Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2500))
		stmts := sqlOnly(log.Statements())
		// u0, then u1 (status given), then 2498 rows in batches of 1000.
		is.Equal(len(stmts), 5)
		is.Equal(stmts[0], `INSERT INTO "dml_users" ("name", "email", "visits") VALUES (?, ?, ?) RETURNING "id", "status"`)
		is.Equal(stmts[1], `INSERT INTO "dml_users" ("name", "email", "status", "visits") VALUES (?, ?, ?, ?) RETURNING "id"`)
		is.Equal(strings.Count(stmts[2], "(?, ?, ?)"), 1000)
		is.Equal(strings.Count(stmts[4], "(?, ?, ?)"), 498)
		for i, u := range users {
			is.Equal(u.ID, int64(i+1)) // generated keys filled in order
		}
		is.Equal(users[0].Status, "new") // the default read back
		is.Equal(users[1].Status, "vip")
		rows := dmlRows(t, db)
		is.Equal(len(rows), 2500)
		is.Equal(rows[2499], quarry.Row3[string, string, int64]{V1: "u2499", V2: "new", V3: 0})

		// Without ReturningDefaults nothing is read back.
		log.Reset()
		more := &DMLUser{Name: "plain", Email: "plain@x"}
		n, err = quarry.Insert(U).Values(more).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		is.Equal(more.ID, int64(0))
		is.Equal(sqlOnly(log.Statements()), []string{`INSERT INTO "dml_users" ("name", "email", "visits") VALUES (?, ?, ?)`})
	})
}

func TestDMLInsertSetReturning(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		dmlSetup(t, db)
		U, A := DMLUsers, DMLArchives
		log.Reset()
		row, err := quarry.Returning2(quarry.Insert(U).Set(quarry.Set(U.Name, "ed"), quarry.Set(U.Email, "ed@x")), U.ID, U.Status).One(ctx, db)
		is.NoErr(err)
		is.Equal(row, quarry.Row2[int64, string]{V1: 1, V2: "new"})
		is.Equal(sqlOnly(log.Statements()), []string{`INSERT INTO "dml_users" ("name", "email") VALUES (?, ?) RETURNING "dml_users"."id", "dml_users"."status"`})

		got, err := quarry.Returning(quarry.Insert(U).Set(quarry.Set(U.Name, "wendy"), quarry.Set(U.Email, "w@x"), quarry.Set(U.Visits, 4)), U).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(got), 1)
		is.Equal(*got[0], DMLUser{ID: 2, Name: "wendy", Email: "w@x", Status: "new", Visits: 4})

		// INSERT ... SELECT, typed by the columns it fills.
		log.Reset()
		n, err := quarry.InsertSelect2(quarry.Insert(A), A.Name, A.Email, quarry.Select2(U.Name, U.Email).Where(U.Visits.Gt(0))).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		is.Equal(sqlOnly(log.Statements()), []string{`INSERT INTO "dml_archive" ("name", "email") SELECT "dml_users"."name", "dml_users"."email" FROM "dml_users" WHERE "dml_users"."visits" > ?`})
		arch, err := quarry.Select2(A.Name, A.Email).All(ctx, db)
		is.NoErr(err)
		is.Equal(arch, []quarry.Row2[string, string]{{V1: "wendy", V2: "w@x"}})
	})
}

func TestDMLUpsert(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		dmlSetup(t, db)
		U := DMLUsers
		_, err := quarry.Insert(U).Values(&DMLUser{Name: "ed", Email: "ed@x"}, &DMLUser{Name: "jack", Email: "jack@x", Status: "locked"}).Exec(ctx, db)
		is.NoErr(err)
		visit := func(name, email string) *quarry.InsertStatement[DMLUser] {
			return quarry.Insert(U).Set(quarry.Set(U.Name, name), quarry.Set(U.Email, email)).
				OnConflict(U.Email).Where(U.Status.Ne("locked")).
				DoUpdate(quarry.SetExpr(U.Name, quarry.Excluded(U.Name)), quarry.SetExpr(U.Visits, quarry.Add(U.Visits, 1)))
		}
		log.Reset()
		n, err := visit("Ed", "ed@x").Exec(ctx, db) // conflicts: updated
		is.NoErr(err)
		is.Equal(n, int64(1))
		is.Equal(sqlOnly(log.Statements()), []string{`INSERT INTO "dml_users" ("name", "email") VALUES (?, ?) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name", "visits" = "dml_users"."visits" + ? WHERE "dml_users"."status" != ?`})
		_, err = visit("Jack", "jack@x").Exec(ctx, db) // conflicts, WHERE false: untouched
		is.NoErr(err)
		ids, err := quarry.Returning(visit("mary", "mary@x"), U.ID).All(ctx, db) // new row
		is.NoErr(err)
		is.Equal(len(ids), 1) // PostgreSQL spends identity values on conflicts: the value varies
		is.True(ids[0] >= 3)
		ids, err = quarry.Returning(visit("jack", "jack@x"), U.ID).All(ctx, db) // nothing written, nothing returned
		is.NoErr(err)
		is.Equal(len(ids), 0)

		n, err = quarry.Insert(U).Set(quarry.Set(U.Name, "x"), quarry.Set(U.Email, "ed@x")).OnConflict(U.Email).DoNothing().Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
		n, err = quarry.Insert(U).Set(quarry.Set(U.Name, "x"), quarry.Set(U.Email, "ed@x")).OnConflict().DoNothing().Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))

		// A constraint name as the target: PostgreSQL only.
		byName := quarry.Insert(U).Set(quarry.Set(U.Name, "y"), quarry.Set(U.Email, "ed@x")).
			OnConflictConstraint("dml_users_email_key").DoUpdate(quarry.SetExpr(U.Visits, quarry.Add(U.Visits, 10)))
		log.Reset()
		n, err = byName.Exec(ctx, db)
		if db.Dialect().Capabilities().ConflictConstraint {
			is.NoErr(err)
			is.Equal(n, int64(1))
		} else {
			is.True(errors.Is(err, quarry.ErrUnsupported)) // SQLite has no named conflict target
			is.Equal(log.Count(), 0)                       // nothing sent
			_, err = quarry.Update(U).Set(quarry.SetExpr(U.Visits, quarry.Add(U.Visits, 10))).Where(U.Email.Eq("ed@x")).Exec(ctx, db)
			is.NoErr(err)
		}
		is.Equal(dmlRows(t, db), []quarry.Row3[string, string, int64]{
			{V1: "Ed", V2: "new", V3: 11}, {V1: "jack", V2: "locked", V3: 0}, {V1: "mary", V2: "new", V3: 0},
		})
	})
}

func TestDMLUpdateDelete(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		dmlSetup(t, db)
		U := DMLUsers
		_, err := quarry.Insert(U).Values(
			&DMLUser{Name: "ed", Email: "ed@x", Visits: 1},
			&DMLUser{Name: "wendy", Email: "w@x", Visits: 5},
			&DMLUser{Name: "jack", Email: "j@x", Visits: 2},
		).Exec(ctx, db)
		is.NoErr(err)

		log.Reset()
		_, err = quarry.Update(U).Set(quarry.Set(U.Status, "archived")).Exec(ctx, db)
		is.True(errors.Is(err, quarry.ErrNoWhere))
		_, err = quarry.Delete(U).Exec(ctx, db)
		is.True(errors.Is(err, quarry.ErrNoWhere))
		is.Equal(log.Count(), 0) // refused before any SQL

		n, err := quarry.Update(U).Set(quarry.Set(U.Status, "archived"), quarry.SetExpr(U.Visits, quarry.Mul(quarry.Add(U.Visits, 1), 10))).
			Where(U.Visits.Lt(3)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		is.Equal(sqlOnly(log.Statements()), []string{`UPDATE "dml_users" SET "status" = ?, "visits" = ("dml_users"."visits" + ?) * ? WHERE "dml_users"."visits" < ?`})

		rows, err := quarry.Returning2(quarry.Update(U).Set(quarry.SetExpr(U.Visits, quarry.Sub(U.Visits, 1))).Where(U.Name.Eq("wendy")), U.Name, U.Visits).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []quarry.Row2[string, int64]{{V1: "wendy", V2: 4}})

		log.Reset()
		gone, err := quarry.Returning(quarry.Delete(U).Where(U.Status.Eq("archived")), U.Name).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(gone), 2)
		is.Equal(sqlOnly(log.Statements()), []string{`DELETE FROM "dml_users" WHERE "dml_users"."status" = ? RETURNING "dml_users"."name"`})
		is.Equal(dmlRows(t, db), []quarry.Row3[string, string, int64]{{V1: "wendy", V2: "new", V3: 4}})

		n, err = quarry.Update(U).Set(quarry.Set(U.Visits, 0)).AllRows().Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		n, err = quarry.Delete(U).AllRows().Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		is.Equal(len(dmlRows(t, db)), 0)
	})
}
