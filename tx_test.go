package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// TestSessionRollbackRestores brings back deleted objects and drops new
// ones, the Session staying usable.
func TestSessionRollbackRestores(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		ed, wendy := &SessUser{Name: "ed"}, &SessUser{Name: "wendy"}
		is.NoErr(s.Add(ed, wendy))
		is.NoErr(s.Commit(ctx))

		is.NoErr(s.Delete(wendy))
		ed.Name = "edwardo"
		jack := &SessUser{Name: "jack"}
		is.NoErr(s.Add(jack))
		is.NoErr(s.Flush(ctx))
		is.True(!s.Contains(wendy))
		is.True(jack.ID != 0)
		is.NoErr(s.Rollback(ctx))
		is.True(s.Contains(wendy))
		is.Equal(ed.Name, "ed")
		is.True(!s.Contains(jack))
		is.Equal(jack.ID, int64(0))
		all, err := quarry.Select(SessUsers).OrderBy(SessUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(all, []*SessUser{ed, wendy})
	})
}

// TestSessionExpireOnCommit refreshes objects from rows changed by
// another transaction after a commit, and not before.
func TestSessionExpireOnCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		ed := &SessUser{Name: "ed", Fullname: "Ed Jones"}
		is.NoErr(s.Add(ed))
		is.NoErr(s.Commit(ctx))
		_, err := db.Exec(ctx, quarry.Text("UPDATE sess_users SET fullname = 'Ed Smith'"))
		is.NoErr(err)
		got, err := quarry.Get(ctx, s, SessUsers, ed.ID)
		is.NoErr(err)
		is.True(got == ed)
		is.Equal(ed.Fullname, "Ed Smith") // refreshed: expired by the commit
		is.Equal(len(s.Dirty()), 0)
		is.NoErr(s.Commit(ctx))

		// Without expiry the object keeps its values.
		s2 := db.Session(quarry.WithExpireOnCommit(false))
		defer s2.Close(ctx)
		u, err := quarry.Get(ctx, s2, SessUsers, ed.ID)
		is.NoErr(err)
		is.NoErr(s2.Commit(ctx))
		_, err = db.Exec(ctx, quarry.Text("UPDATE sess_users SET fullname = 'Ed Brown'"))
		is.NoErr(err)
		_, err = quarry.Select(SessUsers).All(ctx, s2)
		is.NoErr(err)
		is.Equal(u.Fullname, "Ed Smith")
	})
}

// TestSessionSavepoints rolls back and releases nested transactions.
func TestSessionSavepoints(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		log.Reset()
		s := db.Session()
		defer s.Close(ctx)
		ed := &SessUser{Name: "ed"}
		is.NoErr(s.Add(ed))

		boom := errors.New("boom")
		var inner *SessUser
		err := s.Nested(ctx, func() error {
			ed.Name = "edwardo"
			inner = &SessUser{Name: "inner"}
			if err := s.Add(inner); err != nil {
				return err
			}
			if err := s.Flush(ctx); err != nil {
				return err
			}
			return boom
		})
		is.True(errors.Is(err, boom))
		is.Equal(ed.Name, "ed") // back to the savepoint
		is.True(s.Contains(ed)) // inserted before it
		is.True(!s.Contains(inner))
		is.Equal(inner.ID, int64(0))

		sp, err := s.BeginNested(ctx)
		is.NoErr(err)
		kept := &SessUser{Name: "kept"}
		is.NoErr(s.Add(kept))
		is.NoErr(sp.Commit(ctx))
		is.True(sp.Rollback(ctx) != nil) // released already
		is.NoErr(s.Commit(ctx))
		names, err := quarry.Select(SessUsers.Name).OrderBy(SessUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"ed", "kept"})
		is.Equal(sessSQL(log)[:3], []string{"BEGIN", "INSERT INTO sess_users (name, fullname, nickname) VALUES (?, ?, ?) RETURNING id", "SAVEPOINT sp_1"})
	})
}

// TestSessionVersionStale makes a stale UPDATE fail with a typed error
// instead of losing the other writer's change.
func TestSessionVersionStale(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		setup := db.Session()
		c := &SessCounter{ID: 1}
		is.NoErr(setup.Add(c))
		is.NoErr(setup.Commit(ctx))
		is.Equal(c.Version, int64(1))
		is.NoErr(setup.Close(ctx))

		s1, s2 := db.Session(), db.Session()
		defer s1.Close(ctx)
		defer s2.Close(ctx)
		c1, err := quarry.Get(ctx, s1, SessCounters, 1)
		is.NoErr(err)
		is.NoErr(s1.Commit(ctx)) // end the read (SQLite holds one writer)
		c2, err := quarry.Get(ctx, s2, SessCounters, 1)
		is.NoErr(err)
		is.NoErr(s2.Commit(ctx))

		c1.N++
		log.Reset()
		is.NoErr(s1.Commit(ctx))
		is.Equal(sessSQL(log)[1], "UPDATE sess_counters SET n = ?, version = ? WHERE sess_counters.id = ? AND sess_counters.version = ?")
		is.Equal(c1.Version, int64(2))

		c2.N += 10
		err = s2.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrStale))
		var se *quarry.StaleObjectError
		is.True(errors.As(err, &se))
		is.Equal(se.Table, "sess_counters")
		is.Equal(*se.Version, int64(1))
		is.Equal(c2.Version, int64(1)) // unchanged by the failed flush
		is.NoErr(s2.Rollback(ctx))

		// Deleting a stale object fails the same way.
		is.NoErr(s2.Delete(c2))
		err = s2.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrStale))
	})
}

// TestSessionVersionConcurrent has 8 goroutines increment shared rows,
// retrying on stale errors: no increment is lost.
func TestSessionVersionConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		const rows, workers, each = 3, 8, 15
		setup := db.Session()
		for i := 1; i <= rows; i++ {
			is.NoErr(setup.Add(&SessCounter{ID: int64(i)}))
		}
		is.NoErr(setup.Commit(ctx))
		is.NoErr(setup.Close(ctx))

		var retries atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					id := int64((w+i)%rows + 1)
					for {
						err := increment(ctx, db, id)
						if errors.Is(err, quarry.ErrStale) {
							retries.Add(1)
							continue
						}
						if err != nil {
							errs <- err
							return
						}
						break
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		total, err := quarry.Select(quarry.Sum(SessCounters.N)).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(*total, int64(workers*each)) // no increment lost
		versions, err := quarry.Select(quarry.Sum(SessCounters.Version)).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(*versions, int64(rows+workers*each)) // one version per update
		t.Logf("%d retries", retries.Load())
	})
}

// increment reads a counter in one transaction and writes it in the next,
// so that another writer can come in between (also on SQLite, where
// write transactions are serialized).
func increment(ctx context.Context, db *quarry.DB, id int64) error {
	s := db.Session()
	defer s.Close(ctx)
	c, err := quarry.Get(ctx, s, SessCounters, id)
	if err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	runtime.Gosched()
	c.N++
	return s.Commit(ctx)
}

// TestSessionConcurrentSessions runs 8 goroutines, each with its own
// Session over one DB (run with -race).
func TestSessionConcurrentSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Transaction(ctx, func(s *quarry.Session) error {
					var mine []*SessUser
					for i := 0; i < 20; i++ {
						mine = append(mine, &SessUser{Name: fmt.Sprintf("w%d-%d", w, i)})
					}
					if err := quarry.AddAll(s, mine); err != nil {
						return err
					}
					got, err := quarry.Select(SessUsers).Where(quarry.Like(SessUsers.Name, fmt.Sprintf("w%d-%%", w))).All(ctx, s)
					if err != nil {
						return err
					}
					if len(got) != 20 {
						return fmt.Errorf("worker %d: %d rows", w, len(got))
					}
					for _, u := range got {
						u.Fullname = "done"
					}
					return nil
				})
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		n, err := quarry.Select(quarry.CountAll()).SelectFrom(SessUsers).Where(SessUsers.Fullname.Eq("done")).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(160))
	})
}
