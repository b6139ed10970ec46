// Package sqlite opens quarry databases on SQLite through modernc.org/sqlite,
// a pure-Go build of SQLite: no cgo, nothing to install.
//
//	db, err := sqlite.Open(ctx, ":memory:")
//
// Every connection has foreign keys enforced and a busy timeout; file
// databases use WAL. Write transactions begin IMMEDIATE so concurrent
// writers wait for the lock instead of failing with "database is locked".
// A quarry Session begins its transaction only at its first write, so a
// Session that has only read holds no lock (see the README's isolation
// notes).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var memSeq atomic.Int64

// Open opens the SQLite database at dsn: a file path, a file: URI, or
// ":memory:" for a private in-memory database that all the pool's
// connections share.
func Open(ctx context.Context, dsn string, opts ...quarry.OpenOption) (*quarry.DB, error) {
	name, memory := buildDSN(dsn)
	sdb, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("quarry/sqlite: open %q: %w", dsn, err)
	}
	if memory {
		// One in-memory database lives as long as one connection holds
		// it open; keep one idle so it is never dropped.
		sdb.SetMaxIdleConns(4)
		sdb.SetConnMaxIdleTime(0)
		sdb.SetConnMaxLifetime(0)
	}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("quarry/sqlite: open %q: %w", dsn, err)
	}
	return quarry.OpenDB(&driver{runner: runner{sdb}, db: sdb}, opts...), nil
}

// OpenDB returns a DB over a *sql.DB of the modernc.org/sqlite driver
// ("sqlite") that the application opened and configured itself (pool
// sizes, its own DSN options). quarry relies on foreign keys being
// enforced: OpenDB checks PRAGMA foreign_keys on a connection and refuses
// a database without it (open it with "?_pragma=foreign_keys(1)", and
// "_pragma=busy_timeout(10000)" so that writers wait for each other rather
// than fail busy). The application keeps ownership: the DB's Close leaves
// sdb open. Every connection of the pool must carry the same pragmas,
// which is what putting them in the DSN does.
func OpenDB(ctx context.Context, sdb *sql.DB, opts ...quarry.OpenOption) (*quarry.DB, error) {
	if sdb == nil {
		return nil, errors.New("quarry/sqlite: OpenDB: nil *sql.DB")
	}
	var on int
	if err := sdb.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, fmt.Errorf("quarry/sqlite: OpenDB: %w", err)
	}
	if on != 1 {
		return nil, errors.New("quarry/sqlite: OpenDB: foreign keys are not enforced on this database: open it with ?_pragma=foreign_keys(1)")
	}
	return quarry.OpenDB(&driver{runner: runner{sdb}, db: sdb, borrowed: true}, opts...), nil
}

func buildDSN(dsn string) (string, bool) {
	pragmas := []string{"foreign_keys(1)", "busy_timeout(10000)"}
	memory := dsn == ":memory:" || dsn == ""
	var base string
	switch {
	case memory:
		// The memdb VFS shares one in-memory database between the pool's
		// connections, with ordinary locking (unlike shared cache).
		base = fmt.Sprintf("file:/quarry-mem-%d?vfs=memdb", memSeq.Add(1))
	case strings.HasPrefix(dsn, "file:"):
		base = dsn
		memory = strings.Contains(dsn, "mode=memory") || strings.Contains(dsn, "vfs=memdb")
	default:
		base = "file:" + (&url.URL{Path: dsn}).EscapedPath()
	}
	if !memory {
		pragmas = append(pragmas, "journal_mode(WAL)")
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	var b strings.Builder
	b.WriteString(base)
	for _, p := range pragmas {
		b.WriteString(sep)
		b.WriteString("_pragma=")
		b.WriteString(url.QueryEscape(p))
		sep = "&"
	}
	if !strings.Contains(base, "_time_format=") {
		// Write times as "2006-01-02 15:04:05.999999999-07:00", a format
		// the driver parses back. Its default, Time.String, names the
		// zone, and zones like time.FixedZone("UTC+5:30", ...) do not
		// parse, so the column came back as a string.
		b.WriteString("&_time_format=sqlite")
	}
	return b.String(), memory
}

var (
	_ dialect.Driver = (*driver)(nil)
	_ dialect.Tx     = (*tx)(nil)
	_ dialect.Conn   = (*conn)(nil)
	_ dialect.Rows   = (*rowsAdapter)(nil)
)

// runner runs statements on a *sql.DB or on one *sql.Conn: the
// Querier half of the driver, of a held connection and of a transaction.
type runner struct {
	q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	}
}

func (r runner) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	rows, err := r.q.QueryContext(ctx, sql, bindArgs(args)...)
	if err != nil {
		return nil, err
	}
	return rowsAdapter{rows}, nil
}

func (r runner) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	res, err := r.q.ExecContext(ctx, sql, bindArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type driver struct {
	runner
	db *sql.DB
	// borrowed says the application owns db (OpenDB): Close leaves it.
	borrowed bool
}

func (d *driver) Dialect() dialect.Dialect { return Dialect{} }

// Begin takes a connection and starts a transaction on it by hand, so that
// write transactions can BEGIN IMMEDIATE (database/sql cannot ask for it).
func (d *driver) Begin(ctx context.Context, opts dialect.TxOptions) (dialect.Tx, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	t, err := begin(ctx, conn, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	t.release = true
	return t, nil
}

// begin sends BEGIN on conn: IMMEDIATE for a transaction that will
// write, so that it waits for the write lock now rather than fail busy
// later.
func begin(ctx context.Context, conn *sql.Conn, opts dialect.TxOptions) (*tx, error) {
	stmt := "BEGIN"
	if opts.Write {
		stmt = "BEGIN IMMEDIATE"
	}
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return nil, err
	}
	return &tx{runner: runner{conn}, conn: conn}, nil
}

func (d *driver) Acquire(ctx context.Context) (dialect.Conn, error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{runner: runner{c}, c: c}, nil
}

// conn is a connection a Session holds.
type conn struct {
	runner
	c *sql.Conn
}

func (c *conn) Begin(ctx context.Context, opts dialect.TxOptions) (dialect.Tx, error) {
	return begin(ctx, c.c, opts)
}

func (c *conn) Release() error { return c.c.Close() }

func (d *driver) Close() error {
	if d.borrowed {
		return nil
	}
	return d.db.Close()
}

// Classify maps SQLite's extended result codes to quarry's sentinels;
// constraint errors become a [dialect.ConstraintViolation] with what
// SQLite's message names: the table and columns of a UNIQUE, PRIMARY KEY
// or NOT NULL failure, the constraint of a CHECK. SQLite does not name the
// constraint of a FOREIGN KEY failure, nor any constraint's name but a
// CHECK's.
func (d *driver) Classify(err error) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return violation(dialect.ErrUniqueViolation, se.Error())
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return violation(dialect.ErrForeignKeyViolation, se.Error())
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return violation(dialect.ErrNotNullViolation, se.Error())
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return violation(dialect.ErrCheckViolation, se.Error())
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
		return dialect.ErrSerialization
	}
	return nil
}

// violation reads SQLite's "UNIQUE constraint failed: users.email" (or
// "...: t.a, t.b" for several columns, or "CHECK constraint failed: name")
// into a ConstraintViolation.
func violation(kind error, msg string) error {
	v := &dialect.ConstraintViolation{Kind: kind}
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return v
	}
	detail := msg[i+len(marker):]
	if j := strings.LastIndex(detail, " ("); j >= 0 && strings.HasSuffix(detail, ")") {
		detail = detail[:j] // the result code SQLite appends
	}
	if kind == dialect.ErrCheckViolation {
		v.Constraint = detail
		return v
	}
	var cols []string
	for _, tc := range strings.Split(detail, ", ") {
		table, col, ok := strings.Cut(tc, ".")
		if !ok {
			return v
		}
		v.Table = table
		cols = append(cols, col)
	}
	v.Column = strings.Join(cols, ", ")
	return v
}

type tx struct {
	runner
	conn *sql.Conn
	done bool
	// release says the connection goes back to the pool when the
	// transaction ends (it was taken for it, not held by a Session).
	release bool
}

// end returns the connection to the pool when the transaction owns it.
func (t *tx) end() {
	if t.release {
		t.conn.Close()
	}
}

// Commit sends COMMIT. A COMMIT that SQLite refuses (a deferred foreign
// key, a busy database) leaves the transaction open: Commit rolls it back
// and returns SQLite's error. When no transaction is left to roll back
// (SQLite ended it by itself) or the connection fails, whether COMMIT
// took effect is unknown, and the error wraps [dialect.ErrCommitUnknown].
func (t *tx) Commit(ctx context.Context) error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	defer t.end()
	_, err := t.conn.ExecContext(ctx, "COMMIT")
	if err == nil {
		return nil
	}
	// End the transaction before the connection goes back to the pool.
	if _, rerr := t.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
		return fmt.Errorf("%w: %w", dialect.ErrCommitUnknown, err)
	}
	return err
}

func (t *tx) Rollback(ctx context.Context) error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	// Roll back even when ctx is cancelled: the connection must not go
	// back to the pool inside a transaction.
	_, err := t.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	if err != nil && strings.Contains(err.Error(), "no transaction is active") {
		err = nil
	}
	t.end()
	return err
}

type rowsAdapter struct{ *sql.Rows }

func (r rowsAdapter) Columns() []string {
	cols, _ := r.Rows.Columns()
	return cols
}
