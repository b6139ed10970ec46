// Package bound is the driver that the dialect packages' BindTx return: a
// quarry database that runs inside a transaction the application opened,
// where a Session's transaction is a savepoint.
package bound

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/quarry-orm/quarry/dialect"
)

// Savepoint is the name of the savepoint that stands for a Session's
// transaction. One name serves every Session, since they take turns.
const Savepoint = "quarry_tx"

// ErrDone is returned by the Commit or Rollback of a savepoint ended
// already.
var ErrDone = errors.New("quarry: bound transaction's savepoint already ended")

// Driver runs everything in one transaction of the application's.
//
// The transaction is one connection, so Sessions take turns: a Session
// holds it (Acquire to Release) from its first statement until its
// transaction has ended and its results are closed, and another
// Session's first statement waits for that, or for its context. Calls
// into the transaction are serialised (mu), so the DB may be shared by
// goroutines; statements run on the DB itself do not wait for a Session's
// turn and run inside whatever savepoint it holds.
type Driver struct {
	q        dialect.Querier
	dia      dialect.Dialect
	classify func(error) error
	turn     chan struct{}
	mu       sync.Mutex
}

// New returns a Driver over q, the application's transaction.
func New(q dialect.Querier, d dialect.Dialect, classify func(error) error) *Driver {
	return &Driver{q: q, dia: d, classify: classify, turn: make(chan struct{}, 1)}
}

var (
	_ dialect.Driver = (*Driver)(nil)
	_ dialect.Conn   = (*conn)(nil)
	_ dialect.Tx     = (*savepoint)(nil)
)

// Dialect returns the dialect of the transaction's database.
func (d *Driver) Dialect() dialect.Dialect { return d.dia }

// Classify classifies as the dialect's own driver does.
func (d *Driver) Classify(err error) error { return d.classify(err) }

// Close leaves the application's transaction alone: ending it is the
// application's business.
func (d *Driver) Close() error { return nil }

// Query runs a statement in the transaction.
func (d *Driver) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rows, err := d.q.Query(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	return &lockedRows{rows: rows, mu: &d.mu}, nil
}

// Exec runs a statement in the transaction.
func (d *Driver) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.q.Exec(ctx, sql, args)
}

// take waits for the turn of the caller.
func (d *Driver) take(ctx context.Context) error {
	select {
	case d.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("quarry: waiting for another Session to end its work in the bound transaction: %w", ctx.Err())
	}
}

func (d *Driver) give() { <-d.turn }

// Acquire takes the turn; the connection is the transaction.
func (d *Driver) Acquire(ctx context.Context) (dialect.Conn, error) {
	if err := d.take(ctx); err != nil {
		return nil, err
	}
	return &conn{d: d}, nil
}

// Begin takes the turn and sets the savepoint; the turn is given back
// when the savepoint ends.
func (d *Driver) Begin(ctx context.Context, opts dialect.TxOptions) (dialect.Tx, error) {
	if err := d.take(ctx); err != nil {
		return nil, err
	}
	sp, err := d.begin(ctx)
	if err != nil {
		d.give()
		return nil, err
	}
	sp.give = true
	return sp, nil
}

// begin sets the savepoint. The options of the Session's transaction
// (isolation, read-only) are those of the application's transaction: a
// savepoint has none of its own.
func (d *Driver) begin(ctx context.Context) (*savepoint, error) {
	if _, err := d.Exec(ctx, "SAVEPOINT "+Savepoint, nil); err != nil {
		return nil, err
	}
	return &savepoint{d: d}, nil
}

type conn struct {
	d        *Driver
	released bool
}

func (c *conn) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	return c.d.Query(ctx, sql, args)
}

func (c *conn) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	return c.d.Exec(ctx, sql, args)
}

func (c *conn) Begin(ctx context.Context, _ dialect.TxOptions) (dialect.Tx, error) {
	return c.d.begin(ctx)
}

// Release gives the turn to the next Session.
func (c *conn) Release() error {
	if !c.released {
		c.released = true
		c.d.give()
	}
	return nil
}

// savepoint is a Session's transaction.
type savepoint struct {
	d    *Driver
	done bool
	// give says the savepoint holds the turn (it was begun on the
	// driver, not on a held connection).
	give bool
}

func (sp *savepoint) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	return sp.d.Query(ctx, sql, args)
}

func (sp *savepoint) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	return sp.d.Exec(ctx, sql, args)
}

func (sp *savepoint) end() error {
	if sp.done {
		return ErrDone
	}
	sp.done = true
	if sp.give {
		defer sp.d.give()
	}
	return nil
}

// Commit releases the savepoint: its work becomes part of the
// application's transaction, which commits it or not. If the RELEASE
// fails (on PostgreSQL, a transaction an earlier failed statement
// aborted), the savepoint is rolled back and the error returned, as a
// refused COMMIT; when even that fails, the outcome is unknown.
func (sp *savepoint) Commit(ctx context.Context) error {
	if err := sp.end(); err != nil {
		return err
	}
	_, err := sp.d.Exec(ctx, "RELEASE SAVEPOINT "+Savepoint, nil)
	if err == nil {
		return nil
	}
	if rerr := sp.d.rollbackTo(context.WithoutCancel(ctx)); rerr != nil {
		return fmt.Errorf("%w: %w", dialect.ErrCommitUnknown, errors.Join(err, rerr))
	}
	return err
}

// Rollback rolls back to the savepoint and releases it, which leaves the
// application's transaction as it was before the Session's, usable on
// PostgreSQL even after a failed statement.
func (sp *savepoint) Rollback(ctx context.Context) error {
	if err := sp.end(); err != nil {
		return err
	}
	return sp.d.rollbackTo(context.WithoutCancel(ctx))
}

func (d *Driver) rollbackTo(ctx context.Context) error {
	if _, err := d.Exec(ctx, "ROLLBACK TO SAVEPOINT "+Savepoint, nil); err != nil {
		return err
	}
	_, err := d.Exec(ctx, "RELEASE SAVEPOINT "+Savepoint, nil)
	return err
}

// lockedRows serialises the reading of a result with the other calls
// into the transaction.
type lockedRows struct {
	rows dialect.Rows
	mu   *sync.Mutex
}

func (r *lockedRows) Next() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows.Next()
}

func (r *lockedRows) Scan(dest ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows.Scan(dest...)
}

func (r *lockedRows) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows.Err()
}

func (r *lockedRows) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows.Close()
}

func (r *lockedRows) Columns() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows.Columns()
}
