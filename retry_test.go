package quarry_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type RtCounter struct {
	ID int64
	N  int64
}

type RtCounterTable struct {
	quarry.Entity[RtCounter]
	ID quarry.Column[int64] `quarry:"id,pk"`
	N  quarry.Column[int64]
}

var RtCounters = quarry.Table[RtCounter, RtCounterTable]("rt_counters")

// rtSchema creates the counters table with rows 1..n at zero.
func rtSchema(t testing.TB, db *quarry.DB, n int) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, RtCounters); err != nil {
		t.Fatal(err)
	}
	err := db.Transaction(ctx, func(s *quarry.Session) error {
		for i := 1; i <= n; i++ {
			if err := s.Add(&RtCounter{ID: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rtCounts returns the counters by id.
func rtCounts(t testing.TB, db *quarry.DB) []int64 {
	t.Helper()
	rows, err := quarry.Select(RtCounters.N).OrderBy(RtCounters.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// errConflict is a serialization failure as a driver would report it,
// injected by fn.
var errConflict = fmt.Errorf("injected: %w", quarry.ErrSerialization)

var serializable = quarry.WithTxOptions(quarry.TxOptions{Isolation: sql.LevelSerializable, Write: true})

// TestRetryBackoff: the wait grows from BaseDelay by doubling to
// MaxDelay, its jitter keeps it in [d/2, d], and zero fields take the
// defaults.
func TestRetryBackoff(t *testing.T) {
	p := quarry.RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 75 * time.Millisecond}
	ms := time.Millisecond
	for _, tc := range []struct {
		n        int
		r        float64
		min, max time.Duration
	}{
		{1, 0, 5 * ms, 5 * ms},
		{1, 0.999999, 9 * ms, 10 * ms},
		{2, 0, 10 * ms, 10 * ms},
		{3, 0.5, 30 * ms, 30 * ms},
		{4, 0, 37500 * time.Microsecond, 37500 * time.Microsecond}, // 80ms capped at 75ms
		{4, 0.999999, 74 * ms, 75 * ms},
		{1000, 0.999999, 74 * ms, 75 * ms}, // no overflow however many retries
	} {
		t.Run(fmt.Sprintf("n%d_r%v", tc.n, tc.r), func(t *testing.T) {
			is := is.New(t)
			d := quarry.Backoff(p, tc.n, tc.r)
			is.True(d >= tc.min && d <= tc.max) // wait within bounds
		})
	}
	t.Run("defaults", func(t *testing.T) {
		is := is.New(t)
		d := quarry.DefaultRetryPolicy()
		is.Equal(d, quarry.RetryPolicy{MaxAttempts: 10, BaseDelay: 5 * time.Millisecond, MaxDelay: time.Second})
		is.Equal(quarry.Backoff(quarry.RetryPolicy{}, 1, 0), 2500*time.Microsecond) // BaseDelay/2
		is.Equal(quarry.Backoff(quarry.RetryPolicy{}, 30, 0), 500*time.Millisecond) // MaxDelay/2
	})
}

// TestRetryAttemptLimit: a transaction that always meets a serialization
// failure runs MaxAttempts times, each in a fresh Session whose writes
// the next does not see, waits between attempts as the policy says, and
// returns a RetryError with the count that unwraps to the failure.
func TestRetryAttemptLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		rtSchema(t, db, 1)
		clk := &quarry.FakeClock{Rand: 0.5}
		var infos []quarry.RetryInfo
		p := quarry.WithFakeClock(quarry.RetryPolicy{
			MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 30 * time.Millisecond,
			OnRetry: func(ri quarry.RetryInfo) { infos = append(infos, ri) },
		}, clk)
		var sessions []*quarry.Session
		var objs []*RtCounter
		err := db.Transaction(ctx, func(s *quarry.Session) error {
			sessions = append(sessions, s)
			c, err := quarry.Get(ctx, s, RtCounters, int64(1))
			if err != nil {
				return err
			}
			objs = append(objs, c)
			if c.N != 0 {
				return fmt.Errorf("attempt %d sees n=%d from a failed attempt", len(sessions), c.N)
			}
			c.N++
			if err := s.Flush(ctx); err != nil {
				return err
			}
			return errConflict
		}, quarry.Retry(p))
		var re *quarry.RetryError
		is.True(errors.As(err, &re))                     // a RetryError
		is.Equal(re.Attempts, 4)                         // every attempt made
		is.True(errors.Is(err, quarry.ErrSerialization)) // the last error underneath
		is.True(errors.Is(err, errConflict))
		is.Equal(len(sessions), 4)
		for i := 1; i < len(sessions); i++ {
			is.True(sessions[i] != sessions[i-1]) // a fresh Session per attempt
			is.True(objs[i] != objs[i-1])         // and fresh objects
		}
		is.Equal(clk.Slept, []time.Duration{7500 * time.Microsecond, 15 * time.Millisecond, 22500 * time.Microsecond})
		is.Equal(len(infos), 3)
		for i, ri := range infos {
			is.Equal(ri.Attempt, i+1)
			is.Equal(ri.Delay, clk.Slept[i])
			is.True(errors.Is(ri.Err, errConflict))
		}
		is.Equal(rtCounts(t, db), []int64{0}) // every attempt rolled back
	})
}

// TestRetrySucceeds: a conflict in the first attempt is retried and the
// second commits; only its writes remain.
func TestRetrySucceeds(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		rtSchema(t, db, 1)
		log.Reset()
		attempts := 0
		err := db.Transaction(ctx, func(s *quarry.Session) error {
			attempts++
			c, err := quarry.Get(ctx, s, RtCounters, int64(1))
			if err != nil {
				return err
			}
			c.N += 10
			if attempts == 1 {
				if err := s.Flush(ctx); err != nil {
					return err
				}
				return errConflict
			}
			return nil
		}, quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{}, &quarry.FakeClock{})))
		is.NoErr(err)
		is.Equal(attempts, 2)
		is.Equal(rtCounts(t, db), []int64{10})
		var verbs []string
		for _, q := range log.Statements() {
			switch q {
			case "BEGIN", "COMMIT", "ROLLBACK":
				verbs = append(verbs, q)
			}
		}
		is.Equal(verbs, []string{"BEGIN", "ROLLBACK", "BEGIN", "COMMIT"}) // two transactions
	})
}

// TestRetryNotRetried: errors that a retry cannot resolve return at once,
// as they are, after one attempt.
func TestRetryNotRetried(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		ctx := context.Background()
		rtSchema(t, db, 1)
		boom := errors.New("boom")
		for _, tc := range []struct {
			name string
			fn   func(s *quarry.Session) error
			want error
		}{
			{"own error", func(*quarry.Session) error { return boom }, boom},
			{"unique violation", func(s *quarry.Session) error { return s.Add(&RtCounter{ID: 1}) }, quarry.ErrUniqueViolation},
		} {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				clk := &quarry.FakeClock{}
				calls := 0
				err := db.Transaction(ctx, func(s *quarry.Session) error {
					calls++
					return tc.fn(s)
				}, quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{}, clk)))
				is.True(errors.Is(err, tc.want))
				var re *quarry.RetryError
				is.True(!errors.As(err, &re)) // returned as is
				is.Equal(calls, 1)
				is.Equal(len(clk.Slept), 0)
			})
		}
		is.New(t).Equal(rtCounts(t, db), []int64{0})
	})
}

// TestRetryTimeBudget: no retry begins whose wait would end past
// MaxElapsed; the attempts' own time counts.
func TestRetryTimeBudget(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		clk := &quarry.FakeClock{Rand: 0}
		p := quarry.WithFakeClock(quarry.RetryPolicy{
			MaxAttempts: 100, BaseDelay: 20 * time.Millisecond, MaxDelay: 20 * time.Millisecond,
			MaxElapsed: 100 * time.Millisecond,
		}, clk)
		calls := 0
		err := db.Transaction(ctx, func(*quarry.Session) error {
			calls++
			clk.Advance(15 * time.Millisecond) // each attempt takes 15ms, each wait 10ms
			return errConflict
		}, quarry.Retry(p))
		var re *quarry.RetryError
		is.True(errors.As(err, &re))
		// 15+10+15+10+15+10+15+10 = 100: the fourth wait ends on the budget, the
		// fifth attempt ends at 115 and its wait would pass it.
		is.Equal(calls, 5)
		is.Equal(re.Attempts, 5)
		is.Equal(len(clk.Slept), 4)
		is.True(errors.Is(err, quarry.ErrSerialization))
	})
}

// TestRetryContextCancel: a context that ends during a wait stops the
// retries at once, with both errors underneath; with the real clock, a
// long wait is cut short.
func TestRetryContextCancel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		t.Run("fake clock", func(t *testing.T) {
			is := is.New(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clk := &quarry.FakeClock{OnWait: func(context.Context) { cancel() }}
			calls := 0
			err := db.Transaction(ctx, func(*quarry.Session) error { calls++; return errConflict },
				quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{}, clk)))
			is.Equal(calls, 1)
			is.True(errors.Is(err, context.Canceled))
			is.True(errors.Is(err, quarry.ErrSerialization))
			var re *quarry.RetryError
			is.True(errors.As(err, &re))
			is.Equal(re.Attempts, 1)
		})
		t.Run("real clock", func(t *testing.T) {
			is := is.New(t)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := db.Transaction(ctx, func(*quarry.Session) error { return errConflict },
				quarry.Retry(quarry.RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Hour}))
			is.True(errors.Is(err, context.DeadlineExceeded))
			is.True(time.Since(start) < 30*time.Second) // not the hour's wait
		})
	})
}

// TestRetryInvalidPolicy: negative fields are an invalid argument, and
// nothing runs.
func TestRetryInvalidPolicy(t *testing.T) {
	is := is.New(t)
	db := testdb.SQLite(t)
	called := false
	err := db.Transaction(context.Background(), func(*quarry.Session) error { called = true; return nil },
		quarry.Retry(quarry.RetryPolicy{MaxAttempts: -1}))
	is.True(errors.Is(err, quarry.ErrInvalidArgument))
	is.True(!called)
}

// lossyDriver commits for real and then reports the answer lost, for its
// first lose commits: a COMMIT whose outcome the client cannot know.
type lossyDriver struct {
	dialect.Driver
	lose atomic.Int32
}

func (d *lossyDriver) Begin(ctx context.Context, o dialect.TxOptions) (dialect.Tx, error) {
	tx, err := d.Driver.Begin(ctx, o)
	if err != nil {
		return nil, err
	}
	return &lossyTx{Tx: tx, d: d}, nil
}

func (d *lossyDriver) Acquire(ctx context.Context) (dialect.Conn, error) {
	c, err := d.Driver.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &lossyConn{Conn: c, d: d}, nil
}

func (d *lossyDriver) Close() error { return nil } // the test's DB owns the driver

type lossyConn struct {
	dialect.Conn
	d *lossyDriver
}

func (c *lossyConn) Begin(ctx context.Context, o dialect.TxOptions) (dialect.Tx, error) {
	tx, err := c.Conn.Begin(ctx, o)
	if err != nil {
		return nil, err
	}
	return &lossyTx{Tx: tx, d: c.d}, nil
}

type lossyTx struct {
	dialect.Tx
	d *lossyDriver
}

func (t *lossyTx) Commit(ctx context.Context) error {
	if err := t.Tx.Commit(ctx); err != nil {
		return err
	}
	if t.d.lose.Add(-1) >= 0 {
		return fmt.Errorf("%w: injected: connection reset while reading the answer to COMMIT", dialect.ErrCommitUnknown)
	}
	return nil
}

// TestRetryCommitUnknown: a COMMIT whose answer was lost (it did commit)
// is not retried, since the work would run twice, unless the policy says
// it is idempotent; then it is, and an idempotent transaction (setting a
// value, not adding to it) ends with the same rows as one run.
func TestRetryCommitUnknown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		ctx := context.Background()
		rtSchema(t, db, 1)
		t.Run("not idempotent", func(t *testing.T) {
			is := is.New(t)
			ld := &lossyDriver{Driver: db.Driver()}
			ld.lose.Store(1)
			ldb := quarry.OpenDB(ld)
			calls := 0
			err := ldb.Transaction(ctx, func(s *quarry.Session) error {
				calls++
				c, err := quarry.Get(ctx, s, RtCounters, int64(1))
				if err != nil {
					return err
				}
				c.N++
				return nil
			}, quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{}, &quarry.FakeClock{})))
			is.True(errors.Is(err, quarry.ErrCommitUnknown))
			is.Equal(calls, 1)                    // not retried
			is.Equal(rtCounts(t, db), []int64{1}) // committed once, not twice
		})
		t.Run("idempotent", func(t *testing.T) {
			is := is.New(t)
			ld := &lossyDriver{Driver: db.Driver()}
			ld.lose.Store(1)
			ldb := quarry.OpenDB(ld)
			calls := 0
			err := ldb.Transaction(ctx, func(s *quarry.Session) error {
				calls++
				c, err := quarry.Get(ctx, s, RtCounters, int64(1))
				if err != nil {
					return err
				}
				c.N = 42
				return nil
			}, quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{Idempotent: true}, &quarry.FakeClock{})))
			is.NoErr(err)
			is.Equal(calls, 2) // retried
			is.Equal(rtCounts(t, db), []int64{42})
		})
	})
}

// TestRetryContention: 16 workers increment 3 contended counters at
// SERIALIZABLE through Retry: no update is lost, no error reaches the
// caller, and the retries are counted (on PostgreSQL, serialization
// failures at the UPDATE; on SQLite, where BEGIN IMMEDIATE serializes
// the writers, none are expected).
func TestRetryContention(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		const workers, perWorker, rows = 16, 25, 3
		rtSchema(t, db, rows)
		var retries, done atomic.Int64
		p := quarry.RetryPolicy{
			MaxAttempts: 200, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond,
			OnRetry: func(ri quarry.RetryInfo) {
				if errors.Is(ri.Err, quarry.ErrSerialization) {
					retries.Add(1)
				}
			},
		}
		errs := make(chan error, workers)
		for w := range workers {
			go func() {
				var err error
				for i := 0; i < perWorker && err == nil; i++ {
					id := int64((w+i)%rows + 1)
					err = db.Transaction(ctx, func(s *quarry.Session) error {
						c, err := quarry.Get(ctx, s, RtCounters, id)
						if err != nil {
							return err
						}
						c.N++
						return nil
					}, serializable, quarry.Retry(p))
					if err == nil {
						done.Add(1)
					}
				}
				errs <- err
			}()
		}
		for range workers {
			is.NoErr(<-errs) // no error reaches the caller
		}
		var sum int64
		for _, n := range rtCounts(t, db) {
			sum += n
		}
		is.Equal(done.Load(), int64(workers*perWorker))
		is.Equal(sum, done.Load()) // no lost update
		t.Logf("%d transactions, %d retries: %.0f retries per 1,000 transactions",
			done.Load(), retries.Load(), float64(retries.Load())*1000/float64(done.Load()))
	})
}
