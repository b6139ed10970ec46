package dialect

import (
	"context"
	"database/sql"
)

// Driver is the connection contract a driver package implements over its
// database library.
type Driver interface {
	Querier
	// Begin starts a transaction on one pooled connection.
	Begin(ctx context.Context, opts TxOptions) (Tx, error)
	// Acquire takes one connection from the pool and holds it until its
	// Release, for a Session that runs its reads and then its transaction
	// on the same connection (so its own open cursors never wait for its
	// own COMMIT).
	Acquire(ctx context.Context) (Conn, error)
	// Close closes the pool.
	Close() error
	// Dialect returns the SQL dialect of the database.
	Dialect() Dialect
	// Classify maps a driver error to one of this package's sentinel
	// errors (for example [ErrUniqueViolation]), or returns nil when it
	// knows none.
	Classify(err error) error
}

// Querier runs SQL text with positional arguments.
type Querier interface {
	// Query runs a statement that returns rows.
	Query(ctx context.Context, sql string, args []any) (Rows, error)
	// Exec runs a statement and reports the number of rows it affected.
	Exec(ctx context.Context, sql string, args []any) (int64, error)
}

// Conn is one connection held out of the pool.
type Conn interface {
	Querier
	// Begin starts a transaction on the connection; the connection stays
	// held when the transaction ends.
	Begin(ctx context.Context, opts TxOptions) (Tx, error)
	// Release returns the connection to the pool.
	Release() error
}

// Tx is a transaction on one connection.
type Tx interface {
	Querier
	// Commit commits the transaction. An error means the transaction did
	// not commit (the database refused and rolled back: a deferred
	// constraint, an aborted transaction), unless it wraps
	// [ErrCommitUnknown]: the answer never arrived, and the transaction
	// may or may not have committed.
	Commit(ctx context.Context) error
	// Rollback rolls the transaction back.
	Rollback(ctx context.Context) error
}

// Rows is a forward-only cursor over a result set.
type Rows interface {
	Next() bool
	// Scan copies the current row into dest, one pointer per column. A
	// column the driver cannot convert into its destination is reported
	// as a [*ScanError] naming the column, so that quarry can name the
	// expression that selected it.
	Scan(dest ...any) error
	Err() error
	Close() error
	// Columns returns the names of the result columns.
	Columns() []string
}

// TxOptions are the options of a transaction.
type TxOptions struct {
	// Isolation is the isolation level; the zero value is the database's
	// default.
	Isolation sql.IsolationLevel
	ReadOnly  bool
	// Write says the transaction will write, so databases with a single
	// writer (SQLite) take the write lock at BEGIN instead of failing
	// later with "database is locked". (A read that began a deferred
	// transaction could not take it later once another writer had
	// committed: that fails busy at once, without waiting.)
	Write bool
}

// ScanError is the error of [Rows.Scan] for one column the driver could
// not convert into its destination. Column is the column's index in the
// row; Err is the driver's error, kept underneath.
type ScanError struct {
	Column int
	Err    error
}

func (e *ScanError) Error() string { return e.Err.Error() }

// Unwrap returns the driver's error.
func (e *ScanError) Unwrap() error { return e.Err }
