// Package postgres opens quarry databases on PostgreSQL through pgx/v5's
// native interface and its pool (pgxpool), not through database/sql.
//
//	db, err := postgres.Open(ctx, "postgres://user:pass@localhost:5432/app")
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/dialect/internal/bound"
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
	d := &driver{owned: true}
	db := quarry.OpenDB(d, opts...) // this package's options configure d (options.go)
	pool, err := pgxpool.NewWithConfig(ctx, d.poolConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("quarry/postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("quarry/postgres: %w", err)
	}
	d.runner, d.pool = runner{pool}, pool
	if err := d.startReplicas(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenPool returns a DB over a pool the application already has, sharing
// it with the application's own pgx code. The application keeps
// ownership: the DB's Close leaves the pool open.
func OpenPool(pool *pgxpool.Pool, opts ...quarry.OpenOption) (*quarry.DB, error) {
	if pool == nil {
		return nil, errors.New("quarry/postgres: OpenPool: nil pool")
	}
	d := &driver{runner: runner{pool}, pool: pool}
	db := quarry.OpenDB(d, opts...)
	if d.execMode != nil {
		return nil, errExecModeOpenPool
	}
	if err := d.startReplicas(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
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
	// execMode is WithExecMode's, nil without it.
	execMode *pgx.QueryExecMode
	// replicas is what the replica options asked for; router routes
	// reads to the replicas, nil without any (replicas.go).
	replicas replicaConfig
	router   *router
}

func (d *driver) Dialect() dialect.Dialect { return Dialect{} }

// Begin takes a connection for a transaction whose BEGIN goes with its
// first statement (tx.go).
func (d *driver) Begin(ctx context.Context, opts dialect.TxOptions) (dialect.Tx, error) {
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return newTx(c, opts, true), nil
}

func (d *driver) Acquire(ctx context.Context) (dialect.Conn, error) {
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{runner: runner{c}, c: c, track: d.router != nil}, nil
}

// conn is a connection a Session holds.
type conn struct {
	runner
	c *pgxpool.Conn
	// track says its transactions record their commit's position, for
	// read-your-writes on replicas (replicas_commit.go).
	track bool
}

func (c *conn) Begin(_ context.Context, opts dialect.TxOptions) (dialect.Tx, error) {
	t := newTx(c.c, opts, false)
	t.track = c.track
	return t, nil
}

func (c *conn) Release() error {
	c.c.Release()
	return nil
}

func (d *driver) Close() error {
	if d.router != nil {
		d.router.close()
	}
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

// rowsAdapter is the dialect.Rows of a query; batch is the batch that
// carried the query with its transaction's BEGIN, closed after the rows.
type rowsAdapter struct {
	rows  pgx.Rows
	batch pgx.BatchResults
	buf   []any // native scan destinations, reused per row
}

func (r *rowsAdapter) Next() bool { return r.rows.Next() }
func (r *rowsAdapter) Scan(dest ...any) error {
	return scanErr(r.rows.Scan(nativeDest(dest, &r.buf)...))
}
func (r *rowsAdapter) Err() error { return r.rows.Err() }
func (r *rowsAdapter) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if r.batch != nil {
		if cerr := r.batch.Close(); err == nil {
			err = cerr
		}
		r.batch = nil
	}
	return err
}

func (r *rowsAdapter) Columns() []string {
	fds := r.rows.FieldDescriptions()
	names := make([]string, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
	}
	return names
}

// BindTx returns a DB that runs everything inside tx, a transaction the
// application opened (pool.Begin), so that a test can roll back all that
// quarry did, or quarry's work joins the application's own transaction.
// The application keeps the transaction: it commits or rolls it back,
// and the DB's Close leaves it open.
//
// A Session's transaction on the DB is a savepoint in tx: its BEGIN is
// SAVEPOINT quarry_tx, its Commit RELEASE SAVEPOINT quarry_tx (the work
// commits only with tx), its Rollback ROLLBACK TO SAVEPOINT quarry_tx and
// RELEASE, which also leaves tx usable after a failed statement.
// quarry's statement log still shows them as BEGIN, COMMIT and ROLLBACK.
// A Session's [quarry.TxOptions] are ignored: the isolation level and
// access mode are tx's. A deferred constraint is checked at tx's COMMIT,
// not at the Session's. A statement that fails outside a Session's
// transaction (on the DB itself, or a read of a Session before its first
// write) aborts tx, as PostgreSQL does to any transaction.
//
// tx is one connection, so the DB serves one Session at a time: a
// Session holds tx from its first statement until its transaction ends
// and its results are closed, and another Session's first statement
// waits for that (or for its context to end). Calls into tx are
// serialised, so goroutines may share the DB; statements run on the DB
// itself do not wait and run inside the savepoint of the Session that
// holds tx, if any. A second Session used while the first still holds tx,
// from the same goroutine, waits for its context: end or commit the first
// Session before. Bind a transaction once.
func BindTx(tx pgx.Tx, opts ...quarry.OpenOption) (*quarry.DB, error) {
	if tx == nil {
		return nil, errors.New("quarry/postgres: BindTx: nil pgx.Tx")
	}
	d := &driver{}
	return quarry.OpenDB(bound.New(runner{tx}, Dialect{}, d.Classify), opts...), nil
}

// scanErr reports pgx's error for one column as a dialect.ScanError.
func scanErr(err error) error {
	if err == nil {
		return nil // before errors.As, whose target would escape on every row
	}
	var se pgx.ScanArgError
	if errors.As(err, &se) {
		return &dialect.ScanError{Column: se.ColumnIndex, Err: err}
	}
	return err
}
