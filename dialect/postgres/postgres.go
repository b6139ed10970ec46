// Package postgres opens quarry databases on PostgreSQL through pgx/v5's
// native interface and its pool (pgxpool), not through database/sql.
//
//	db, err := postgres.Open(ctx, "postgres://user:pass@localhost:5432/app")
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
)

// Open connects a pool to the database at url (a postgres:// URL or a
// key=value connection string).
func Open(ctx context.Context, url string, opts ...quarry.OpenOption) (*quarry.DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("quarry/postgres: %w", err)
	}
	return OpenConfig(ctx, cfg, opts...)
}

// OpenConfig connects a pool configured by cfg: pool sizes, a pgx tracer
// (cfg.ConnConfig.Tracer), connection hooks (AfterConnect, BeforeAcquire)
// and TLS are pgx's own settings. The DB owns the pool: Close closes it.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config, opts ...quarry.OpenOption) (*quarry.DB, error) {
	if cfg == nil {
		return nil, errors.New("quarry/postgres: OpenConfig: nil config")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("quarry/postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("quarry/postgres: %w", err)
	}
	return quarry.OpenDB(&driver{runner: runner{pool}, pool: pool, owned: true}, opts...), nil
}

// OpenPool returns a DB over a pool the application already has, sharing
// it with the application's own pgx code. The application keeps
// ownership: the DB's Close leaves the pool open.
func OpenPool(pool *pgxpool.Pool, opts ...quarry.OpenOption) (*quarry.DB, error) {
	if pool == nil {
		return nil, errors.New("quarry/postgres: OpenPool: nil pool")
	}
	return quarry.OpenDB(&driver{runner: runner{pool}, pool: pool}, opts...), nil
}

// Pool returns the pgx pool behind a DB opened by this package, for work
// that needs pgx itself (COPY, LISTEN); nil for other DBs.
func Pool(db *quarry.DB) *pgxpool.Pool {
	if d, ok := db.Driver().(*driver); ok {
		return d.pool
	}
	return nil
}

var (
	_ dialect.Driver = (*driver)(nil)
	_ dialect.Tx     = (*tx)(nil)
	_ dialect.Conn   = (*conn)(nil)
	_ dialect.Rows   = (*rowsAdapter)(nil)
)

// runner runs statements on the pool, on one held connection or in a
// transaction: the Querier half of each.
type runner struct {
	q interface {
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	}
}

func (r runner) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	rows, err := r.q.Query(ctx, sql, nativeArgs(args)...)
	if err != nil {
		return nil, err
	}
	return &rowsAdapter{rows: rows}, nil
}

func (r runner) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	tag, err := r.q.Exec(ctx, sql, nativeArgs(args)...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

type driver struct {
	runner
	pool *pgxpool.Pool
	// owned says Close closes the pool (it was opened here).
	owned bool
}

func (d *driver) Dialect() dialect.Dialect { return Dialect{} }

func (d *driver) Begin(ctx context.Context, opts dialect.TxOptions) (dialect.Tx, error) {
	t, err := d.pool.BeginTx(ctx, txOptions(opts))
	if err != nil {
		return nil, err
	}
	return &tx{runner: runner{t}, tx: t}, nil
}

func txOptions(opts dialect.TxOptions) pgx.TxOptions {
	txo := pgx.TxOptions{}
	switch opts.Isolation {
	case sql.LevelSerializable:
		txo.IsoLevel = pgx.Serializable
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		txo.IsoLevel = pgx.RepeatableRead
	case sql.LevelReadCommitted:
		txo.IsoLevel = pgx.ReadCommitted
	case sql.LevelReadUncommitted:
		txo.IsoLevel = pgx.ReadUncommitted
	}
	if opts.ReadOnly {
		txo.AccessMode = pgx.ReadOnly
	}
	return txo
}

func (d *driver) Acquire(ctx context.Context) (dialect.Conn, error) {
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{runner: runner{c}, c: c}, nil
}

// conn is a connection a Session holds.
type conn struct {
	runner
	c *pgxpool.Conn
}

func (c *conn) Begin(ctx context.Context, opts dialect.TxOptions) (dialect.Tx, error) {
	t, err := c.c.BeginTx(ctx, txOptions(opts))
	if err != nil {
		return nil, err
	}
	return &tx{runner: runner{t}, tx: t}, nil
}

func (c *conn) Release() error {
	c.c.Release()
	return nil
}

func (d *driver) Close() error {
	if d.owned {
		d.pool.Close()
	}
	return nil
}

// Classify maps SQLSTATE codes to quarry's sentinels; constraint errors
// become a [dialect.ConstraintViolation] naming the constraint, table and
// column PostgreSQL reports. A statement in a transaction that an earlier
// failed statement aborted (25P02), and a COMMIT that the server answered
// with ROLLBACK for that reason (pgx's ErrTxCommitRollback), are
// [dialect.ErrTxAborted].
func (d *driver) Classify(err error) error {
	if errors.Is(err, pgx.ErrTxCommitRollback) {
		return dialect.ErrTxAborted
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	violation := func(kind error) error {
		return &dialect.ConstraintViolation{Kind: kind, Constraint: pe.ConstraintName, Table: pe.TableName, Column: pe.ColumnName}
	}
	switch pe.Code {
	case pgerrcode.InFailedSQLTransaction:
		return dialect.ErrTxAborted
	case pgerrcode.UniqueViolation:
		return violation(dialect.ErrUniqueViolation)
	case pgerrcode.ForeignKeyViolation:
		return violation(dialect.ErrForeignKeyViolation)
	case pgerrcode.NotNullViolation:
		return violation(dialect.ErrNotNullViolation)
	case pgerrcode.CheckViolation:
		return violation(dialect.ErrCheckViolation)
	case pgerrcode.ExclusionViolation:
		return violation(dialect.ErrExclusionViolation)
	case pgerrcode.SerializationFailure, pgerrcode.DeadlockDetected:
		return dialect.ErrSerialization
	}
	return nil
}

type tx struct {
	runner
	tx pgx.Tx
}

// Commit sends COMMIT. An error the server sent (a deferred constraint
// or trigger raising: a *pgconn.PgError), or its ROLLBACK answer to the
// COMMIT of an aborted transaction (pgx.ErrTxCommitRollback), means the
// transaction was rolled back and is returned as it is. Any other error
// means the answer never arrived (the connection broke, the context
// ended): it wraps [dialect.ErrCommitUnknown].
func (t *tx) Commit(ctx context.Context) error {
	err := t.tx.Commit(ctx)
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) || errors.Is(err, pgx.ErrTxCommitRollback) {
		return err
	}
	return fmt.Errorf("%w: %w", dialect.ErrCommitUnknown, err)
}

// Rollback uses a context that is not cancelled, so the connection is
// cleaned and returned to the pool even when ctx is done.
func (t *tx) Rollback(ctx context.Context) error {
	err := t.tx.Rollback(context.WithoutCancel(ctx))
	if errors.Is(err, pgx.ErrTxClosed) {
		return nil
	}
	return err
}

type rowsAdapter struct {
	rows pgx.Rows
	buf  []any // native scan destinations, reused per row
}

func (r *rowsAdapter) Next() bool             { return r.rows.Next() }
func (r *rowsAdapter) Scan(dest ...any) error { return r.rows.Scan(nativeDest(dest, &r.buf)...) }
func (r *rowsAdapter) Err() error             { return r.rows.Err() }
func (r *rowsAdapter) Close() error {
	r.rows.Close()
	return r.rows.Err()
}

func (r *rowsAdapter) Columns() []string {
	fds := r.rows.FieldDescriptions()
	names := make([]string, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
	}
	return names
}
