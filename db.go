package quarry

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/quarry-orm/quarry/dialect"
)

// DB is a database handle: a connection pool and a dialect. It is safe for
// concurrent use by many goroutines; open one with sqlite.Open or
// postgres.Open and share it.
type DB struct {
	drv     dialect.Driver
	dialect Dialect
	log     *slog.Logger
	level   slog.Level
	// redact keeps argument values out of the echo (WithLogArgs).
	redact bool
	// obs are the observers of every statement (observer.go), the echo
	// first; userObs collects WithObserver's until OpenDB builds obs.
	obs         []installed
	userObs     []Observer
	dialectName string
	closed      atomic.Bool
	md          *Metadata
	// crit is the criteria of WithCriteria (criteria.go).
	crit *criteriaSet
	// ryw is the commit positions of ReadYourWrites keys (replicas.go).
	ryw commitPositions
	// raiseLoads makes every relationship Load raise (loader_raise.go).
	raiseLoads bool
	// shapes is the SQL of the statements run here by shape (shape.go).
	shapes *shapeCache
	// detached remembers the objects its Sessions let go of (detached.go).
	detached detachedSet
}

// OpenOption configures a [DB].
type OpenOption func(*DB)

// WithLogger echoes every statement, with its arguments and duration, to
// the logger at Info level (SQLAlchemy's echo=True). Each statement is one
// record, message "quarry", with attributes sql, args (or nargs, see
// [WithLogArgs]), duration and, for a failed statement, error; it is
// logged when the statement ends (see [Observer]: the echo is the first
// observer of the DB).
func WithLogger(l *slog.Logger) OpenOption { return func(db *DB) { db.log = l } }

// WithLogArgs(false) keeps argument values out of the echo of
// [WithLogger]: each record carries nargs, the number of arguments,
// instead of args. Values are logged by default (WithLogArgs(true)), as
// SQLAlchemy's echo does; turn them off where statements bind personal
// or secret data.
func WithLogArgs(log bool) OpenOption { return func(db *DB) { db.redact = !log } }

// WithLogLevel sets the level of the statement log (Info by default).
func WithLogLevel(level slog.Level) OpenOption { return func(db *DB) { db.level = level } }

// OpenDB returns a DB over a driver of the [dialect] contract, as
// database/sql's OpenDB does over a driver.Connector. Driver packages call
// it; applications call sqlite.Open or postgres.Open.
//
// A nil driver gives a DB whose every operation fails with an error
// wrapping [ErrInvalidArgument]; nil options are skipped.
func OpenDB(drv dialect.Driver, opts ...OpenOption) *DB {
	db := &DB{drv: drv, level: slog.LevelInfo, md: defaultMetadata, shapes: &shapeCache{}}
	if drv != nil {
		db.dialect = drv.Dialect()
	}
	for _, o := range opts {
		if o != nil {
			o(db)
		}
	}
	db.setupObservers()
	return db
}

// Dialect returns the SQL dialect of the database (nil for a nil or zero
// DB).
func (db *DB) Dialect() Dialect {
	if db == nil {
		return nil
	}
	return db.dialect
}

// Driver returns the driver under the DB, for driver packages' own helpers
// and for benchmarks that run SQL by hand on the same pool.
func (db *DB) Driver() dialect.Driver {
	if db == nil {
		return nil
	}
	return db.drv
}

// Close closes the pool. Later calls return [ErrClosed].
func (db *DB) Close() error {
	if err := db.invalid(); err != nil {
		return err
	}
	if db.closed.Swap(true) {
		return ErrClosed
	}
	return db.drv.Close()
}

// invalid returns the error of an operation on a nil DB or one not made
// by OpenDB (the zero DB): it has no driver to run anything on.
func (db *DB) invalid() error {
	switch {
	case db == nil:
		return invalidArg("nil *DB")
	case db.drv == nil || db.dialect == nil:
		return invalidArg("zero DB or DB without a driver: open one with sqlite.Open, postgres.Open or OpenDB")
	}
	return nil
}

// usable is invalid, or [ErrClosed] for a closed DB.
func (db *DB) usable() error {
	if err := db.invalid(); err != nil {
		return err
	}
	if db.closed.Load() {
		return ErrClosed
	}
	return nil
}

func (db *DB) acquire(ctx context.Context, write bool) (*execConn, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	return &execConn{db: db, q: db.querier(ctx, write), crit: db.crit}, nil
}

// acquire lends a connection of ex to a statement; a nil ex is an error,
// as is a nil *DB or *Session inside it (their acquire says so).
func acquire(ctx context.Context, ex Executor, write bool) (*execConn, error) {
	if ex == nil {
		return nil, errNilExecutor
	}
	return ex.acquire(ctx, write)
}

// checkExecutor is the error of an Executor that cannot run anything,
// for the callers that look into it before they acquire a connection.
func checkExecutor(ex Executor) error {
	switch ex := ex.(type) {
	case nil:
		return errNilExecutor
	case *DB:
		return ex.usable()
	case *Session:
		return ex.usable()
	}
	return nil
}

// Exec runs a statement that returns no rows (DDL, or DML written as
// text) and returns the number of rows affected.
func (db *DB) Exec(ctx context.Context, stmt *TextClause) (int64, error) {
	if err := db.usable(); err != nil {
		return 0, err
	}
	if stmt == nil {
		return 0, invalidArg("Exec of a nil *TextClause")
	}
	r, err := renderUncached(stmt, db.dialect)
	if err != nil {
		return 0, err
	}
	return db.exec(ctx, db.drv, opText, r.sql, r.args)
}

func (db *DB) query(ctx context.Context, q dialect.Querier, op Op, sql string, args []any) (dialect.Rows, error) {
	ob := db.observe(ctx, q, op, sql, args)
	rows, err := q.Query(ctx, sql, args)
	if err != nil {
		err = db.wrapErr(sql, err)
		ob.end(-1, err)
		return nil, err
	}
	if ob != nil {
		return &observedRows{Rows: rows, ob: ob, sql: sql}, nil
	}
	return rows, nil
}

func (db *DB) exec(ctx context.Context, q dialect.Querier, op Op, sql string, args []any) (int64, error) {
	ob := db.observe(ctx, q, op, sql, args)
	n, err := q.Exec(ctx, sql, args)
	if err != nil {
		err = db.wrapErr(sql, err)
		ob.end(-1, err)
		return 0, err
	}
	ob.end(n, nil)
	return n, nil
}

// wrapErr wraps a driver error with the statement and the dialect's
// classification, keeping context errors recognisable.
func (db *DB) wrapErr(sql string, err error) error {
	if err == nil {
		return nil
	}
	var de *DriverError
	if errors.As(err, &de) {
		return err
	}
	return driverError(sql, db.drv.Classify(err), err)
}
