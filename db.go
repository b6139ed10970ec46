package quarry

import (
	"context"
	"errors"
	"github.com/quarry-orm/quarry/dialect"
	"log/slog"
	"sync/atomic"
	"time"
)

// DB is a database handle: a connection pool and a dialect. It is safe for
// concurrent use by many goroutines; open one with sqlite.Open or
// postgres.Open and share it.
type DB struct {
	drv     dialect.Driver
	dialect Dialect
	log     *slog.Logger
	level   slog.Level
	closed  atomic.Bool
	md      *Metadata
}

// OpenOption configures a [DB].
type OpenOption func(*DB)

// WithLogger echoes every statement, with its arguments and duration, to
// the logger at Info level (SQLAlchemy's echo=True).
func WithLogger(l *slog.Logger) OpenOption { return func(db *DB) { db.log = l } }

// WithLogLevel sets the level of the statement log (Info by default).
func WithLogLevel(level slog.Level) OpenOption { return func(db *DB) { db.level = level } }

// OpenDB returns a DB over a driver of the [dialect] contract, as
// database/sql's OpenDB does over a driver.Connector. Driver packages call
// it; applications call sqlite.Open or postgres.Open.
func OpenDB(drv dialect.Driver, opts ...OpenOption) *DB {
	db := &DB{drv: drv, dialect: drv.Dialect(), level: slog.LevelInfo, md: defaultMetadata}
	for _, o := range opts {
		o(db)
	}
	return db
}

// Dialect returns the SQL dialect of the database.
func (db *DB) Dialect() Dialect { return db.dialect }

// Driver returns the driver under the DB, for driver packages' own helpers
// and for benchmarks that run SQL by hand on the same pool.
func (db *DB) Driver() dialect.Driver { return db.drv }

// Close closes the pool. Later calls return [ErrClosed].
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return ErrClosed
	}
	return db.drv.Close()
}

func (db *DB) acquire(ctx context.Context, _ bool) (*execConn, error) {
	if db.closed.Load() {
		return nil, ErrClosed
	}
	return &execConn{db: db, q: db.drv}, nil
}

// Exec runs a statement that returns no rows (DDL, or DML written as
// text) and returns the number of rows affected.
func (db *DB) Exec(ctx context.Context, stmt *TextClause) (int64, error) {
	if db.closed.Load() {
		return 0, ErrClosed
	}
	r, err := renderUncached(stmt, db.dialect)
	if err != nil {
		return 0, err
	}
	return db.exec(ctx, db.drv, r.sql, r.args)
}

func (db *DB) query(ctx context.Context, q dialect.Querier, sql string, args []any) (dialect.Rows, error) {
	start := time.Now()
	rows, err := q.Query(ctx, sql, args)
	db.logStmt(ctx, sql, args, start, err)
	if err != nil {
		return nil, db.wrapErr(sql, err)
	}
	return rows, nil
}

func (db *DB) exec(ctx context.Context, q dialect.Querier, sql string, args []any) (int64, error) {
	start := time.Now()
	n, err := q.Exec(ctx, sql, args)
	db.logStmt(ctx, sql, args, start, err)
	if err != nil {
		return 0, db.wrapErr(sql, err)
	}
	return n, nil
}

func (db *DB) logStmt(ctx context.Context, sql string, args []any, start time.Time, err error) {
	if db.log == nil || !db.log.Enabled(ctx, db.level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("sql", sql),
		slog.Any("args", args),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	db.log.LogAttrs(ctx, db.level, "quarry", attrs...)
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
