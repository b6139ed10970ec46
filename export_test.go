package quarry

import (
	"context"
	"sync"
	"time"
)

// This file lends the black-box tests (package quarry_test) the retry
// loop's clock, so that tests of waits and budgets need no real sleeps.

// FakeClock is a clock for [RetryPolicy] that never sleeps: Sleep
// advances Now and records the wait. Rand is the jitter draw (0.5 when
// zero is not wanted; it is used as is).
type FakeClock struct {
	mu     sync.Mutex
	T      time.Time
	Slept  []time.Duration
	Rand   float64
	OnWait func(ctx context.Context) // called before each wait, e.g. to cancel ctx
}

// Advance moves the clock forward, as an attempt taking d would.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.T = c.T.Add(d)
}

// WithFakeClock returns p running on c.
func WithFakeClock(p RetryPolicy, c *FakeClock) RetryPolicy {
	p.clock = &retryClock{
		now: func() time.Time {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.T
		},
		sleep: func(ctx context.Context, d time.Duration) error {
			if c.OnWait != nil {
				c.OnWait(ctx)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			c.Slept = append(c.Slept, d)
			c.T = c.T.Add(d)
			return nil
		},
		rand: func() float64 { return c.Rand },
	}
	return p
}

// Backoff is the wait before retry n of p with the jitter draw r in [0, 1).
func Backoff(p RetryPolicy, n int, r float64) time.Duration {
	p, err := p.withDefaults()
	if err != nil {
		return -1
	}
	return p.backoff(n, r)
}

// ShapeCached reports whether db holds the SQL of st's shape, and how many
// shapes it holds (shape.go).
func ShapeCached(db *DB, st Statement) (cached bool, shapes int) {
	w := shapeWriters.Get().(*shapeWriter)
	defer w.release()
	core, ok := stmtNodeOf(st).(*selectCore)
	if ok && w.statement(core) {
		cached = db.shapes.get(w.key) != nil
	}
	db.shapes.mu.RLock()
	defer db.shapes.mu.RUnlock()
	return cached, len(db.shapes.m)
}

// DetachedCount is the number of entries in db's memory of detached
// objects, dead ones not yet swept included (detached.go).
func DetachedCount(db *DB) int {
	db.detached.mu.Lock()
	defer db.detached.mu.Unlock()
	return db.detached.size()
}

// SweepDetached sweeps db's memory of detached objects and returns the
// number of live entries.
func SweepDetached(db *DB) int {
	db.detached.mu.Lock()
	defer db.detached.mu.Unlock()
	db.detached.sweep()
	db.detached.n.Store(int64(db.detached.size()))
	return db.detached.live
}
