package quarry_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// The tests of issue 10 item 2: a Session takes SQLite's write lock at
// its first write, not at its first read, so a Session that has only
// read blocks nobody.

// LkCounter is a row with a version counter.
type LkCounter struct {
	ID      int64
	N       int64
	Version int64
}

type LkCounterTable struct {
	quarry.Entity[LkCounter]
	ID      quarry.Column[int64] `quarry:"id,pk,noauto"`
	N       quarry.Column[int64]
	Version quarry.Column[int64] `quarry:"version,version"`
}

// LkNote is a table that CreateAll makes while a Session is open.
type LkNote struct {
	ID   int64
	Body string
}

type LkNoteTable struct {
	quarry.Entity[LkNote]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Body quarry.Column[string]
}

var (
	LkCounters = quarry.Table[LkCounter, LkCounterTable]("lk_counters")
	LkNotes    = quarry.Table[LkNote, LkNoteTable]("lk_notes")
)

// readBound is how long a read may take while another Session is open:
// far above a read's few milliseconds (the race detector and a shared
// 2-core machine included), far below SQLite's 10 s busy timeout, which
// is what a locked-out read used to wait.
const readBound = 500 * time.Millisecond

// lkSeed creates lk_counters with the rows 1..n at N = 0, version 1.
func lkSeed(t *testing.T, db *quarry.DB, n int) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	is.NoErr(db.CreateAll(ctx, LkCounters))
	s := db.Session()
	defer s.Close(ctx)
	for i := 1; i <= n; i++ {
		is.NoErr(s.Add(&LkCounter{ID: int64(i)}))
	}
	is.NoErr(s.Commit(ctx))
}

// timed runs fn and fails the test when it takes longer than readBound.
func timed(t *testing.T, what string, fn func() error) {
	t.Helper()
	start := time.Now()
	err := fn()
	if d := time.Since(start); d > readBound {
		t.Errorf("%s took %v (> %v): waited for a lock", what, d, readBound)
	}
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// lkN reads the N of each row through the DB, by id.
func lkN(t *testing.T, db *quarry.DB) map[int64]int64 {
	t.Helper()
	rows, err := quarry.Select2(LkCounters.ID, LkCounters.N).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int64{}
	for _, r := range rows {
		out[r.V1] = r.V2
	}
	return out
}

// TestLockingTwoSessionsReadThenWrite has two Sessions read, neither
// waiting for the other, then both write: the first write begins the
// transaction, and the second Session waits for the first one's lock
// (on SQLite) instead of failing busy.
func TestLockingTwoSessionsReadThenWrite(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 2)
		s1, s2 := db.Session(), db.Session()
		defer s1.Close(ctx)
		defer s2.Close(ctx)

		log.Reset()
		var c1, c2 *LkCounter
		timed(t, "s1 Get", func() (err error) { c1, err = quarry.Get(ctx, s1, LkCounters, 1); return })
		timed(t, "s2 Get", func() (err error) { c2, err = quarry.Get(ctx, s2, LkCounters, 2); return })
		timed(t, "s1 Select", func() error { _, err := quarry.Select(LkCounters).All(ctx, s1); return err })
		timed(t, "s2 Select", func() error { _, err := quarry.Select(LkCounters).All(ctx, s2); return err })
		for _, q := range sessSQL(log) {
			is.True(strings.HasPrefix(q, "SELECT ")) // reads only: no BEGIN before the first write
		}
		is.Equal(log.Count(), 4)

		// s1 writes first and holds the transaction; s2's commit begins
		// its own, which on SQLite waits for s1's lock.
		c1.N, c2.N = 10, 20
		log.Reset()
		is.NoErr(s1.Flush(ctx))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"UPDATE lk_counters SET n = ?, version = ? WHERE lk_counters.id = ? AND lk_counters.version = ?",
		})
		done := make(chan error, 1)
		go func() { done <- s2.Commit(ctx) }()
		time.Sleep(20 * time.Millisecond) // let s2 reach its BEGIN
		is.NoErr(s1.Commit(ctx))
		is.NoErr(<-done) // no busy error
		is.Equal(lkN(t, db), map[int64]int64{1: 10, 2: 20})
		is.Equal(c1.Version, int64(2))
		is.Equal(c2.Version, int64(2))
	})
}

// TestLockingDBBesideReadingSession runs plain DB statements and CreateAll
// while a Session that has only read is open: they do not wait for it.
func TestLockingDBBesideReadingSession(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 1)
		s := db.Session()
		defer s.Close(ctx)
		c, err := quarry.Get(ctx, s, LkCounters, 1)
		is.NoErr(err)

		timed(t, "DB Select", func() error { _, err := quarry.Select(LkCounters).All(ctx, db); return err })
		timed(t, "CreateAll", func() error { return db.CreateAll(ctx, LkNotes) })
		timed(t, "DB Exec", func() error {
			_, err := db.Exec(ctx, quarry.Text("INSERT INTO lk_notes (body) VALUES (:b)").Bind("b", "beside"))
			return err
		})
		timed(t, "another Session's write", func() error {
			return db.Transaction(ctx, func(o *quarry.Session) error { return o.Add(&LkNote{Body: "other"}) })
		})

		// The Session still writes, and then holds its transaction.
		c.N = 1
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(sessSQL(log)[0], "BEGIN")
		if !strings.HasSuffix(t.Name(), testdb.SQLiteMemory) {
			// On a WAL file and on PostgreSQL readers do not wait for a
			// writer either. (The memdb VFS that shares an in-memory
			// database between connections refuses readers while a write
			// transaction is open: they wait for its end.)
			timed(t, "DB Select beside a writing Session", func() error {
				n, err := quarry.Select(LkCounters.N).Where(LkCounters.ID.Eq(1)).Scalar(ctx, db)
				if err == nil && n != 0 {
					err = fmt.Errorf("read the uncommitted N = %d", n)
				}
				return err
			})
		}
		is.NoErr(s.Commit(ctx))
		is.Equal(lkN(t, db), map[int64]int64{1: 1})
		notes, err := quarry.Select(LkNotes.Body).OrderBy(LkNotes.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(notes, []string{"beside", "other"})
	})
}

// TestLockingNoWriteSendsNothing commits and rolls back a Session that
// has only read: there is no transaction to end. After the commit its
// objects are expired, and the next read refreshes them.
func TestLockingNoWriteSendsNothing(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 1)
		s := db.Session()
		defer s.Close(ctx)
		c, err := quarry.Get(ctx, s, LkCounters, 1)
		is.NoErr(err)
		log.Reset()
		is.NoErr(s.Rollback(ctx))
		is.NoErr(s.Commit(ctx))
		is.Equal(log.Count(), 0) // neither ROLLBACK nor COMMIT: nothing began

		// Another Session changes the row; s reads it again after its
		// commit and sees the change, on the same object.
		is.NoErr(db.Transaction(ctx, func(o *quarry.Session) error {
			oc, err := quarry.Get(ctx, o, LkCounters, 1)
			if err != nil {
				return err
			}
			oc.N = 5
			return nil
		}))
		log.Reset()
		got, err := quarry.Select(LkCounters).Where(LkCounters.ID.Eq(1)).One(ctx, s)
		is.NoErr(err)
		is.True(got == c)
		is.Equal(c.N, int64(5))
		is.Equal(c.Version, int64(2))
		is.Equal(log.Count(), 1) // the SELECT alone
	})
}

// TestLockingStaleReadBeforeWrite: an object read before the Session's
// first write may be stale by the time it writes (the read held no lock);
// the version counter reports that instead of losing the other write.
func TestLockingStaleReadBeforeWrite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 1)
		s := db.Session()
		defer s.Close(ctx)
		c, err := quarry.Get(ctx, s, LkCounters, 1)
		is.NoErr(err)
		is.NoErr(db.Transaction(ctx, func(o *quarry.Session) error {
			oc, err := quarry.Get(ctx, o, LkCounters, 1)
			if err != nil {
				return err
			}
			oc.N = 7
			return nil
		}))
		c.N++ // from the stale 0
		err = s.Commit(ctx)
		var se *quarry.StaleObjectError
		is.True(errors.As(err, &se)) // the Session's stale-object error
		is.Equal(*se.Version, int64(1))
		is.Equal(lkN(t, db), map[int64]int64{1: 7}) // the other write stands
	})
}

// TestLockingSavepointBeforeWrite begins savepoints before the first
// write: they wait for it, and one that ends before any write sends
// nothing, its Rollback restoring the objects all the same.
func TestLockingSavepointBeforeWrite(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 1)
		s := db.Session()
		defer s.Close(ctx)
		c, err := quarry.Get(ctx, s, LkCounters, 1)
		is.NoErr(err)

		log.Reset()
		sp, err := s.BeginNested(ctx)
		is.NoErr(err)
		c.N = 3
		is.NoErr(sp.Rollback(ctx))
		is.Equal(c.N, int64(0)) // restored
		is.Equal(log.Count(), 0)
		// Nothing is locked meanwhile.
		timed(t, "CreateAll beside a savepoint", func() error { return db.CreateAll(ctx, LkNotes) })

		log.Reset()
		outer, err := s.BeginNested(ctx)
		is.NoErr(err)
		inner, err := s.BeginNested(ctx)
		is.NoErr(err)
		is.Equal(log.Count(), 0)
		c.N = 4
		is.NoErr(s.Flush(ctx)) // the first write sends both savepoints, in order
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"SAVEPOINT sp_2",
			"SAVEPOINT sp_3",
			"UPDATE lk_counters SET n = ?, version = ? WHERE lk_counters.id = ? AND lk_counters.version = ?",
		})
		is.NoErr(inner.Rollback(ctx))
		is.Equal(c.N, int64(0))
		is.NoErr(outer.Commit(ctx))
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log)[4:], []string{"ROLLBACK TO SAVEPOINT sp_3", "RELEASE SAVEPOINT sp_2", "COMMIT"})
		is.Equal(lkN(t, db), map[int64]int64{1: 0})

		// A Rollback of the Session ends savepoints nothing was written in.
		_, err = s.BeginNested(ctx)
		is.NoErr(err)
		log.Reset()
		is.NoErr(s.Rollback(ctx))
		is.Equal(log.Count(), 0)
		c.N = 9
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log)[:2], []string{"BEGIN", "UPDATE lk_counters SET n = ?, version = ? WHERE lk_counters.id = ? AND lk_counters.version = ?"})
		is.Equal(lkN(t, db), map[int64]int64{1: 9})
	})
}

// TestLockingTextStatementBegins runs the program's own text through a
// Session: it may write (here an UPDATE ... RETURNING), so it runs in the
// Session's transaction, and Rollback undoes it.
func TestLockingTextStatementBegins(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 1)
		s := db.Session()
		defer s.Close(ctx)
		log.Reset()
		got, err := quarry.Select(LkCounters).FromText(quarry.Text(
			"UPDATE lk_counters SET n = n + 1 WHERE id = :id RETURNING id, n, version").Bind("id", 1)).One(ctx, s)
		is.NoErr(err)
		is.Equal(got.N, int64(1))
		is.Equal(sessSQL(log)[0], "BEGIN")
		is.NoErr(s.Rollback(ctx))
		is.Equal(lkN(t, db), map[int64]int64{1: 0}) // undone
	})
}

// TestLockingIsolationReadsInTx: a Session given an isolation level reads
// in its transaction from the first statement on (on SQLite, with the
// write lock: serializable from the first read).
func TestLockingIsolationReadsInTx(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 1)
		s := db.Session(quarry.WithTxOptions(quarry.TxOptions{Isolation: sql.LevelSerializable, Write: true}))
		defer s.Close(ctx)
		log.Reset()
		_, err := quarry.Get(ctx, s, LkCounters, 1)
		is.NoErr(err)
		is.Equal(sessSQL(log)[0], "BEGIN")
		is.Equal(log.Count(), 2)
		sp, err := s.BeginNested(ctx)
		is.NoErr(err)
		is.Equal(sessSQL(log)[2], "SAVEPOINT sp_1") // sent at once: the transaction is open
		is.NoErr(sp.Commit(ctx))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"COMMIT"})
	})
}

// TestLockingWALReadModifyWrite has 8 goroutines read a counter through
// a Session and write it back in the same Session, on SQLite: no writer
// fails busy, and no increment is lost. A concurrent increment makes the
// write stale (the version counter); the writer retries, which is not a
// lost update. Run with -race.
func TestLockingWALReadModifyWrite(t *testing.T) {
	for _, backend := range []string{testdb.SQLiteFile, testdb.SQLiteMemory} {
		t.Run(backend, func(t *testing.T) {
			is := is.New(t)
			ctx := context.Background()
			db := testdb.Open(t, backend)
			lkSeed(t, db, 1)
			const workers, each = 8, 25
			var ok, stale, busy atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; {
						err := lkIncrement(ctx, db)
						switch {
						case err == nil:
							ok.Add(1)
							i++
						case errors.Is(err, quarry.ErrStale):
							stale.Add(1) // retried
						case errors.Is(err, quarry.ErrSerialization):
							busy.Add(1)
							errs <- err
							return
						default:
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			is.Equal(busy.Load(), int64(0))
			is.Equal(ok.Load(), int64(workers*each))
			is.Equal(lkN(t, db), map[int64]int64{1: ok.Load()}) // no lost update
			t.Logf("%d increments, %d stale retries", ok.Load(), stale.Load())
		})
	}
}

// lkIncrement reads the counter and writes it back in one Session.
func lkIncrement(ctx context.Context, db *quarry.DB) error {
	s := db.Session()
	defer s.Close(ctx)
	c, err := quarry.Get(ctx, s, LkCounters, 1)
	if err != nil {
		return err
	}
	runtime.Gosched() // let another writer in between the read and the write
	c.N++
	return s.Commit(ctx)
}

// TestLockingOpenResultAcrossFirstWrite keeps a cursor of the Session open
// while the Session writes and commits: its reads and its transaction run
// on the one connection it holds, so the COMMIT does not wait for the
// Session's own open read (on in-memory SQLite it waited out the busy
// timeout). PostgreSQL runs one statement per connection at a time, so
// there the write is refused with ErrResultOpen while the cursor is open.
func TestLockingOpenResultAcrossFirstWrite(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkSeed(t, db, 3)
		s := db.Session()
		defer s.Close(ctx)
		res, err := quarry.Select(LkCounters).OrderBy(LkCounters.ID).Execute(ctx, s)
		is.NoErr(err)
		is.True(res.Next())
		first := res.Value()
		first.N = 10
		if !db.Dialect().Capabilities().ConcurrentCursors {
			is.True(errors.Is(s.Flush(ctx), quarry.ErrResultOpen))
			is.NoErr(res.Close())
			is.NoErr(s.Commit(ctx))
			is.Equal(lkN(t, db)[1], int64(10))
			return
		}
		timed(t, "flush and commit with a cursor open", func() error {
			if err := s.Flush(ctx); err != nil {
				return err
			}
			return s.Commit(ctx)
		})
		is.Equal(lkN(t, db)[1], int64(10))
		// The cursor read on: its Result ended with the transaction.
		for res.Next() {
		}
		is.NoErr(res.Close())
	})
}
