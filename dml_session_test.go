package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// dmlSeed inserts ed, wendy and jack (keys 1, 2, 3).
func dmlSeed(t *testing.T, db *quarry.DB) {
	t.Helper()
	dmlSetup(t, db)
	_, err := quarry.Insert(DMLUsers).Values(
		&DMLUser{Name: "ed", Email: "ed@x", Visits: 1},
		&DMLUser{Name: "wendy", Email: "w@x", Visits: 5},
		&DMLUser{Name: "jack", Email: "j@x", Visits: 2},
	).Exec(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
}

func TestDMLSessionUpdateExpires(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		dmlSeed(t, db)
		U := DMLUsers
		s := db.Session()
		defer s.Close(ctx)
		ed, err := quarry.Get(ctx, s, U, int64(1))
		is.NoErr(err)
		ed.Name = "Ed" // pending change: autoflushed before the UPDATE
		log.Reset()
		n, err := s.Exec(ctx, quarry.Update(U).Set(quarry.SetExpr(U.Visits, quarry.Add(U.Visits, 1))).Where(U.Visits.Lt(3)))
		is.NoErr(err)
		is.Equal(n, int64(2))
		is.Equal(sqlOnly(log.Statements()), []string{
			"BEGIN",
			`UPDATE "dml_users" SET "name" = ? WHERE "dml_users"."id" = ?`, // autoflush
			`UPDATE "dml_users" SET "visits" = "dml_users"."visits" + ? WHERE "dml_users"."visits" < ?`,
		})
		log.Reset()
		again, err := quarry.Get(ctx, s, U, int64(1)) // expired: reloaded
		is.NoErr(err)
		is.True(again == ed)          // the same object
		is.Equal(ed.Visits, int64(2)) // with the new value
		is.Equal(ed.Name, "Ed")
		is.Equal(log.Count(), 1)
		_, err = quarry.Get(ctx, s, U, int64(1)) // fresh now: no SQL
		is.NoErr(err)
		is.Equal(log.Count(), 1)
		is.Equal(len(s.Dirty()), 0)

		// RETURNING entities refresh the expired objects themselves.
		wendy, err := quarry.Get(ctx, s, U, int64(2))
		is.NoErr(err)
		got, err := quarry.Returning(quarry.Update(U).Set(quarry.Set(U.Status, "vip")).Where(U.Name.Eq("wendy")), U).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(got), 1)
		is.True(got[0] == wendy)
		is.Equal(wendy.Status, "vip")

		// Rollback puts back what was committed.
		is.NoErr(s.Rollback(ctx))
		ed, err = quarry.Get(ctx, s, U, int64(1))
		is.NoErr(err)
		is.Equal(ed.Visits, int64(1))
		is.Equal(ed.Name, "ed")
		is.Equal(wendy.Status, "new")
	})
}

func TestDMLSessionDeleteRemoves(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		dmlSeed(t, db)
		U := DMLUsers
		s := db.Session()
		defer s.Close(ctx)
		users, err := quarry.Select(U).OrderBy(U.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(users), 3)
		log.Reset()
		n, err := s.Exec(ctx, quarry.Delete(U).Where(U.Visits.Gt(1)))
		is.NoErr(err)
		is.Equal(n, int64(2))
		is.Equal(sqlOnly(log.Statements()), []string{
			"BEGIN",
			// The Session holds users: the keys of the rows to delete first.
			`SELECT "dml_users"."id" FROM "dml_users" WHERE "dml_users"."visits" > ?`,
			`DELETE FROM "dml_users" WHERE "dml_users"."visits" > ?`,
		})
		is.True(s.Contains(users[0]))
		is.True(!s.Contains(users[1])) // wendy's row is gone
		is.True(!s.Contains(users[2]))
		_, err = quarry.Get(ctx, s, U, int64(2))
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.True(s.Add(users[1]) != nil) // deleted through the Session: not added again

		// DELETE ... RETURNING reads the rows outside the identity map.
		rows, err := quarry.Returning(quarry.Delete(U).Where(U.ID.Eq(1)), U).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(rows), 1)
		is.True(rows[0] != users[0])
		is.Equal(rows[0].Name, "ed")
		is.True(!s.Contains(users[0]))

		// Rollback brings them back.
		is.NoErr(s.Rollback(ctx))
		is.True(s.Contains(users[1]))
		got, err := quarry.Get(ctx, s, U, int64(2))
		is.NoErr(err)
		is.True(got == users[1])
		n, err = quarry.Select(U.ID).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(3))
	})
}

func TestDMLSessionExec(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		dmlSetup(t, db)
		U := DMLUsers
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(&DMLUser{Name: "ed", Email: "ed@x"}))
		log.Reset()
		n, err := s.Exec(ctx, quarry.Insert(U).Values(&DMLUser{Name: "wendy", Email: "w@x"}))
		is.NoErr(err)
		is.Equal(n, int64(1))
		stmts := sqlOnly(log.Statements())
		is.Equal(stmts[0], "BEGIN")
		is.Equal(stmts[2], `INSERT INTO "dml_users" ("name", "email", "visits") VALUES (?, ?, ?)`)
		is.Equal(len(stmts), 3) // BEGIN, the autoflushed INSERT of ed, the statement

		n, err = s.Exec(ctx, quarry.Text("UPDATE dml_users SET visits = :v").Bind("v", 9))
		is.NoErr(err)
		is.Equal(n, int64(2))
		// In the Session's transaction: not visible to others until Commit.
		rows, err := quarry.Select(U.Visits).Where(U.Name.Eq("wendy")).All(ctx, s)
		is.NoErr(err)
		is.Equal(rows, []int64{9})
		is.NoErr(s.Commit(ctx))
		is.Equal(len(dmlRows(t, db)), 2)

		_, err = s.Exec(ctx, quarry.Delete(U))
		is.True(errors.Is(err, quarry.ErrNoWhere))
		_, err = s.Exec(ctx, nil)
		is.True(err != nil) // a nil statement is an error, not a panic
	})
}
