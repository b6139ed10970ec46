package quarry_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// BtNote is a row of the bound-transaction tests.
type BtNote struct {
	ID   int64
	Body string
}

// BtNoteTable maps BtNote to bt_notes.
type BtNoteTable struct {
	quarry.Entity[BtNote]
	ID   quarry.Column[int64]  `quarry:"id,pk"`
	Body quarry.Column[string] `quarry:",len=40,unique"`
}

var BtNotes = quarry.Table[BtNote, BtNoteTable]("bt_notes")

// appTx is a transaction the application opened itself, with the DB
// bound to it and a DB outside it on the same database.
type appTx struct {
	bound, outside *quarry.DB
	log            *testdb.Log
	rollback       func() error
}

// eachAppTx runs fn on both dialects with a transaction the test opened
// through the driver's own library (pgx, database/sql) and bt_notes
// created and committed outside it.
func eachAppTx(t *testing.T, fn func(t *testing.T, a appTx)) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		is := is.New(t)
		dsn := "file:" + filepath.Join(t.TempDir(), "bt.db") + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
		sdb, err := sql.Open("sqlite", dsn)
		is.NoErr(err)
		t.Cleanup(func() { sdb.Close() })
		outside, err := sqlite.OpenDB(ctx, sdb)
		is.NoErr(err)
		is.NoErr(outside.CreateAll(ctx, BtNotes))
		tx, err := sdb.BeginTx(ctx, nil)
		is.NoErr(err)
		t.Cleanup(func() { tx.Rollback() })
		log := testdb.NewLog()
		bound, err := sqlite.BindTx(ctx, tx, log.Option())
		is.NoErr(err)
		fn(t, appTx{bound: bound, outside: outside, log: log, rollback: tx.Rollback})
	})
	t.Run("postgres", func(t *testing.T) {
		is := is.New(t)
		outside := testdb.Postgres(t)
		is.NoErr(outside.CreateAll(ctx, BtNotes))
		tx, err := postgres.Pool(outside).Begin(ctx)
		is.NoErr(err)
		t.Cleanup(func() { tx.Rollback(ctx) })
		log := testdb.NewLog()
		bound, err := postgres.BindTx(tx, log.Option())
		is.NoErr(err)
		fn(t, appTx{bound: bound, outside: outside, log: log, rollback: func() error { return tx.Rollback(ctx) }})
	})
}

func btBodies(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	rows, err := quarry.Select(BtNotes.Body).OrderBy(BtNotes.Body).All(context.Background(), db)
	if err != nil {
		t.Fatalf("read bt_notes: %v", err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, r)
	}
	return out
}

func TestBindTxRollsBackEverything(t *testing.T) {
	eachAppTx(t, func(t *testing.T, a appTx) {
		is := is.New(t)
		ctx := context.Background()

		is.NoErr(a.bound.Transaction(ctx, func(s *quarry.Session) error {
			return s.Add(&BtNote{Body: "a"}, &BtNote{Body: "b"})
		}))
		s := a.bound.Session()
		defer s.Close(ctx)
		n, err := quarry.Get(ctx, s, BtNotes, int64(1))
		is.NoErr(err)
		n.Body = "a2"
		is.NoErr(s.Commit(ctx))
		is.NoErr(s.Close(ctx))

		// A Session's Rollback undoes its own work only.
		s2 := a.bound.Session()
		is.NoErr(s2.Add(&BtNote{Body: "gone"}))
		is.NoErr(s2.Flush(ctx))
		is.NoErr(s2.Rollback(ctx))
		is.NoErr(s2.Close(ctx))

		// A failed flush rolls back to the savepoint and leaves the
		// application's transaction usable (on PostgreSQL too).
		s3 := a.bound.Session()
		is.NoErr(s3.Add(&BtNote{Body: "b"}))
		err = s3.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrUniqueViolation)) // b exists
		is.NoErr(s3.Close(ctx))

		is.Equal(btBodies(t, a.bound), []string{"a2", "b"}) // committed Sessions, in the transaction
		is.Equal(btBodies(t, a.outside), []string{})        // not committed for anyone else
		is.Equal(a.log.Statements()[0], "BEGIN")            // quarry's view of the savepoint
		is.NoErr(a.rollback())                              // the application rolls back
		is.Equal(btBodies(t, a.outside), []string{})        // nothing left
		is.True(a.bound.Close() == nil)                     // Close leaves the (ended) transaction alone
	})
}

func TestBindTxCommitsWithTheApplication(t *testing.T) {
	ctx := context.Background()
	t.Run("postgres", func(t *testing.T) {
		is := is.New(t)
		outside := testdb.Postgres(t)
		is.NoErr(outside.CreateAll(ctx, BtNotes))
		tx, err := postgres.Pool(outside).Begin(ctx)
		is.NoErr(err)
		bound, err := postgres.BindTx(tx)
		is.NoErr(err)
		is.NoErr(bound.Transaction(ctx, func(s *quarry.Session) error { return s.Add(&BtNote{Body: "kept"}) }))
		_, err = tx.Exec(ctx, "INSERT INTO bt_notes (body) VALUES ('by pgx')") // the application's own statement, same transaction
		is.NoErr(err)
		is.NoErr(tx.Commit(ctx))
		is.Equal(btBodies(t, outside), []string{"by pgx", "kept"})
	})
}

func TestBindTxSessionsTakeTurns(t *testing.T) {
	eachAppTx(t, func(t *testing.T, a appTx) {
		is := is.New(t)
		ctx := context.Background()

		s1 := a.bound.Session()
		defer s1.Close(ctx)
		is.NoErr(s1.Add(&BtNote{Body: "first"}))
		is.NoErr(s1.Flush(ctx)) // s1 holds the transaction now

		wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		err := a.bound.Transaction(wctx, func(s *quarry.Session) error { return s.Add(&BtNote{Body: "second"}) })
		is.True(errors.Is(err, context.DeadlineExceeded)) // waited for s1's turn, then gave up

		is.NoErr(s1.Commit(ctx))
		is.NoErr(a.bound.Transaction(ctx, func(s *quarry.Session) error { return s.Add(&BtNote{Body: "second"}) }))

		// Goroutines share the DB: their Sessions take turns.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				errs <- a.bound.Transaction(ctx, func(s *quarry.Session) error {
					return s.Add(&BtNote{Body: string(rune('p' + i))})
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			is.NoErr(err)
		}
		is.Equal(len(btBodies(t, a.bound)), 10)
		is.NoErr(a.rollback())
		is.Equal(btBodies(t, a.outside), []string{})
	})
}

func TestBindTxNil(t *testing.T) {
	is := is.New(t)
	_, err := postgres.BindTx(nil)
	is.True(err != nil)
	_, err = sqlite.BindTx(context.Background(), nil)
	is.True(err != nil)
}
