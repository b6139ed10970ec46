package quarry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// TransactionOption configures [DB.Transaction]: every [SessionOption]
// is one (it configures the Session each attempt runs in), and so is
// [Retry].
type TransactionOption interface {
	applyTransaction(*txConfig)
}

// txConfig is what the options of one Transaction call asked for.
type txConfig struct {
	session []SessionOption
	retry   *RetryPolicy
}

func (o SessionOption) applyTransaction(c *txConfig) { c.session = append(c.session, o) }

type retryOption struct{ p RetryPolicy }

func (o retryOption) applyTransaction(c *txConfig) { c.retry = &o.p }

// Retry makes [DB.Transaction] run fn again, in a fresh Session, when an
// attempt fails with an error that a retry of the whole transaction may
// resolve: one wrapping [ErrSerialization] (on PostgreSQL a serialization
// failure, SQLSTATE 40001, or a deadlock, 40P01; on SQLite a database
// busy or locked past the busy timeout), whether fn returned it or the
// COMMIT did. Between attempts it waits with capped exponential backoff
// and jitter (see [RetryPolicy]), and stops early when ctx ends.
//
// A COMMIT whose answer never arrived ([ErrCommitUnknown]) may have
// committed: it is retried only when the policy says the work is
// Idempotent. Other errors are returned at once.
//
// Every attempt runs in a new Session, and the objects of a failed
// attempt are never handed to the next: fn must build or load every
// object it writes inside itself, not capture objects made outside it,
// since a failed attempt leaves those in whatever state its rollback
// gave them. Any other effect of fn (a message sent, a counter
// incremented in memory) happens once per attempt.
//
//	err := db.Transaction(ctx, func(s *quarry.Session) error {
//		acct, err := quarry.Get[Account](ctx, s, Accounts, id)
//		if err != nil {
//			return err
//		}
//		acct.Balance += amount
//		return nil
//	}, quarry.WithTxOptions(quarry.TxOptions{Isolation: sql.LevelSerializable, Write: true}),
//		quarry.Retry(quarry.DefaultRetryPolicy()))
func Retry(p RetryPolicy) TransactionOption { return retryOption{p} }

// RetryPolicy says how [Retry] retries. A zero field takes the value of
// [DefaultRetryPolicy], so RetryPolicy{} is the default policy and
// RetryPolicy{MaxAttempts: 5} changes only the limit.
//
// The wait before retry n (n = 1 after the first failed attempt) is
// drawn uniformly from [d/2, d], where d = min(MaxDelay, BaseDelay*2^(n-1)):
// it grows exponentially to its cap, and its jitter spreads the
// transactions that collided so they do not collide again.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts in all, the first included
	// (default 10). 1 disables retrying.
	MaxAttempts int
	// BaseDelay is the wait before the first retry, before jitter
	// (default 5ms).
	BaseDelay time.Duration
	// MaxDelay caps the wait between two attempts (default 1s).
	MaxDelay time.Duration
	// MaxElapsed is the time budget of all attempts together: no retry
	// begins whose wait would end past it (default: no budget but ctx's).
	MaxElapsed time.Duration
	// Idempotent says running fn's transaction twice is harmless, so an
	// attempt whose COMMIT outcome is unknown ([ErrCommitUnknown]: the
	// connection broke while COMMIT was in flight) may be retried too.
	// Without it such an attempt ends the retries, since its work may
	// have committed.
	Idempotent bool
	// CockroachSavepoint turns on CockroachDB's client-side retry
	// protocol: the transaction begins at the Session's first statement
	// with SAVEPOINT cockroach_restart right after BEGIN; a retryable
	// error rolls back to that savepoint (ROLLBACK TO SAVEPOINT
	// cockroach_restart) and runs fn again, in a fresh Session, inside
	// the same transaction; and the savepoint is released (RELEASE
	// SAVEPOINT cockroach_restart, where CockroachDB reports a conflict)
	// before COMMIT. An error that ended the transaction itself (a failed
	// flush rolls back the whole transaction, as it always does) restarts
	// with a new one. The savepoint is plain SQL, so the protocol runs on
	// PostgreSQL and SQLite too.
	CockroachSavepoint bool
	// OnRetry, when set, is called before each wait, for metrics and
	// logs. It runs on the goroutine of Transaction.
	OnRetry func(RetryInfo)

	// clock replaces time and randomness in tests (export_test.go).
	clock *retryClock
}

// RetryInfo describes a failed attempt that [Retry] is about to retry.
type RetryInfo struct {
	// Attempt is the number of the attempt that failed, from 1.
	Attempt int
	// Err is its error.
	Err error
	// Delay is the wait before the next attempt.
	Delay time.Duration
}

// DefaultRetryPolicy returns the policy a zero [RetryPolicy] stands for:
// 10 attempts, waits from 5ms doubling up to 1s, no time budget beyond
// the context's, not idempotent.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 10, BaseDelay: 5 * time.Millisecond, MaxDelay: time.Second}
}

// RetryError is the error of a [Retry] transaction that gave up: the
// error of its last attempt, with the number of attempts made. It
// unwraps to that error (so errors.Is(err, ErrSerialization) holds when
// the attempts ran out) and, when the retries stopped because ctx ended
// during a wait, to ctx's error too.
type RetryError struct {
	// Attempts is the number of attempts made.
	Attempts int
	// Err is the error of the last attempt.
	Err error
	// stop says why no further attempt was made, when it was not Err
	// itself being final.
	stop   string
	ctxErr error
}

// Error gives the number of attempts, why they stopped, and the last
// attempt's error.
func (e *RetryError) Error() string {
	why := ""
	if e.stop != "" {
		why = " (" + e.stop + ")"
	}
	word := "attempts"
	if e.Attempts == 1 {
		word = "attempt"
	}
	return fmt.Sprintf("quarry: transaction failed after %d %s%s: %s", e.Attempts, word, why, trimQuarry(e.Err.Error()))
}

// Unwrap returns the last attempt's error and, if a wait was cut short,
// the context's error.
func (e *RetryError) Unwrap() []error {
	if e.ctxErr != nil {
		return []error{e.Err, e.ctxErr}
	}
	return []error{e.Err}
}

func trimQuarry(msg string) string {
	const p = "quarry: "
	if len(msg) >= len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	return msg
}

// withDefaults fills the zero fields and checks the others.
func (p RetryPolicy) withDefaults() (RetryPolicy, error) {
	if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxElapsed < 0 {
		return p, invalidArg("Retry: negative MaxAttempts, BaseDelay, MaxDelay or MaxElapsed in %+v", p)
	}
	d := DefaultRetryPolicy()
	if p.MaxAttempts == 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = max(d.MaxDelay, p.BaseDelay)
	}
	if p.clock == nil {
		p.clock = realClock()
	}
	return p, nil
}

// backoff is the wait before retry n (from 1), with r in [0, 1) drawing
// the jitter: uniform in [d/2, d] for the capped exponential d.
func (p RetryPolicy) backoff(n int, r float64) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2 // BaseDelay <= MaxDelay: doubling stops at the cap, never overflows far
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// retryable reports whether an attempt that failed with err may run
// again.
func (p RetryPolicy) retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if errors.Is(err, ErrCommitUnknown) {
		return p.Idempotent
	}
	return errors.Is(err, ErrSerialization)
}

// retryClock is time and randomness for the retry loop.
type retryClock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	rand  func() float64
}

func realClock() *retryClock {
	return &retryClock{now: time.Now, sleep: sleepCtx, rand: rand.Float64}
}

// sleepCtx waits d, or until ctx ends (returning its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// transactRetry is [DB.Transaction] under [Retry].
func (db *DB) transactRetry(ctx context.Context, fn func(*Session) error, cfg txConfig) error {
	p, err := cfg.retry.withDefaults()
	if err != nil {
		return err
	}
	start := p.clock.now()
	var next *Session // a Session holding the transaction at its restart savepoint
	for attempt := 1; ; attempt++ {
		s := next
		if s == nil {
			s = db.attemptSession(cfg.session, p.CockroachSavepoint)
		}
		next = nil
		err := runAttempt(ctx, s, fn)
		if err == nil {
			return closeAfterCommit(ctx, s)
		}
		fail := func(stop string, ctxErr error) error {
			s.Close(ctx)
			if stop == "" && ctxErr == nil && attempt == 1 {
				return err // not retryable at all: fn's own error, as without Retry
			}
			return &RetryError{Attempts: attempt, Err: err, stop: stop, ctxErr: ctxErr}
		}
		if !p.retryable(ctx, err) {
			if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
				return fail("", ce)
			}
			return fail("", nil)
		}
		if attempt >= p.MaxAttempts {
			return fail("attempt limit reached", nil)
		}
		delay := p.backoff(attempt, p.clock.rand())
		if p.MaxElapsed > 0 && p.clock.now().Sub(start)+delay > p.MaxElapsed {
			return fail("time budget spent", nil)
		}
		if p.OnRetry != nil {
			p.OnRetry(RetryInfo{Attempt: attempt, Err: err, Delay: delay})
		}
		if p.CockroachSavepoint {
			next = s.restart(ctx, cfg.session)
		}
		if next == nil {
			s.Close(ctx) // rolls back
		}
		if serr := p.clock.sleep(ctx, delay); serr != nil {
			if next != nil {
				next.Close(ctx)
			}
			return &RetryError{Attempts: attempt, Err: err, stop: "context ended while waiting to retry", ctxErr: serr}
		}
	}
}

// attemptSession is the fresh Session of one attempt.
func (db *DB) attemptSession(opts []SessionOption, cockroach bool) *Session {
	s := db.Session(opts...)
	if cockroach {
		s.restartMark()
	}
	return s
}

// runAttempt runs fn and commits; a panic in fn closes the Session
// (rolling back) on its way up.
func runAttempt(ctx context.Context, s *Session, fn func(*Session) error) (err error) {
	returned := false
	defer func() {
		if !returned {
			s.Close(ctx)
		}
	}()
	err = fn(s)
	returned = true
	if err != nil {
		return err
	}
	if sp := s.restartSp; sp != nil {
		// Flush first: an attempt whose only writes are pending begins its
		// transaction here, and the savepoint must still be released
		// before COMMIT.
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if s.tx != nil && s.hasMark(sp) {
			if err := sp.Commit(ctx); err != nil { // RELEASE SAVEPOINT cockroach_restart
				return err
			}
		}
	}
	return s.Commit(ctx)
}

// closeAfterCommit closes the Session of a committed attempt, reporting
// an error of the close alone.
func closeAfterCommit(ctx context.Context, s *Session) error {
	if err := s.Close(ctx); err != nil && !errors.Is(err, ErrSessionClosed) {
		return err
	}
	return nil
}

// cockroachRestart is the savepoint name CockroachDB's retry protocol
// requires.
const cockroachRestart = "cockroach_restart"

// restartMark sets the Session up for the savepoint protocol: its
// transaction begins at its first statement (so reads are part of what
// a restart repeats) and sends SAVEPOINT cockroach_restart right after
// BEGIN, as the savepoints begun before the first write are.
func (s *Session) restartMark() {
	sp := &Savepoint{s: s, name: cockroachRestart, saved: map[*objState]savedState{}}
	s.restartSp = sp
	s.marks = append(s.marks, sp)
}

func (s *Session) hasMark(sp *Savepoint) bool {
	for _, m := range s.marks {
		if m == sp {
			return true
		}
	}
	return false
}

// restart rolls the Session's transaction back to its restart savepoint
// and hands the transaction to a fresh Session (the savepoint still held,
// as the protocol keeps it), closing this one with every object of the
// failed attempt. It returns nil, leaving this Session as it is, when the
// transaction or the savepoint is gone (a failed flush rolled the whole
// transaction back) or the ROLLBACK TO fails: the caller then closes it
// and starts over with a new transaction.
func (s *Session) restart(ctx context.Context, opts []SessionOption) *Session {
	sp := s.restartSp
	if sp == nil || s.tx == nil || !sp.sent || !s.hasMark(sp) || s.closed {
		return nil
	}
	s.abortResults(errRolledBack)
	if err := sp.exec(ctx, "ROLLBACK TO SAVEPOINT "); err != nil {
		return nil
	}
	n := s.db.Session(opts...)
	n.restartMark()
	n.restartSp.sent = true
	n.tx, n.held = s.tx, s.held
	s.tx, s.held, s.marks = nil, nil, nil
	s.Close(ctx)
	return n
}
