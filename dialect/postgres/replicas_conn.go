package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/quarry-orm/quarry/dialect"
)

var (
	_ dialect.ReadRouter    = (*driver)(nil)
	_ dialect.StatsReporter = (*driver)(nil)
	_ dialect.Conn          = (*readConn)(nil)
)

var errReadOnly = errors.New("quarry/postgres: a read connection runs only queries (writes and transactions go to the primary)")

// Routing implements [dialect.ReadRouter]: reads are routed only when
// the DB was opened with replicas.
func (d *driver) Routing() bool { return d.router != nil }

// AcquireRead implements [dialect.ReadRouter]. The node is chosen at the
// connection's first Query, so that a Session holding it for reads pays
// nothing until it reads.
func (d *driver) AcquireRead(ctx context.Context, after dialect.Position) (dialect.Conn, error) {
	if d.router == nil {
		return d.Acquire(ctx)
	}
	return &readConn{r: d.router, after: after}, nil
}

// QueryRead implements [dialect.ReadRouter]: the connection goes back to
// its pool when the rows are closed, as with a pool's Query.
func (d *driver) QueryRead(ctx context.Context, after dialect.Position, sql string, args []any) (dialect.Rows, error) {
	if d.router == nil {
		return d.Query(ctx, sql, args)
	}
	rc := &readConn{r: d.router, after: after}
	rows, err := rc.Query(ctx, sql, args)
	if err != nil {
		rc.Release()
		return nil, err
	}
	rr := rows.(*readRows)
	rr.onClose = func() { rc.Release() }
	return rr, nil
}

// readConn is a connection for reads, on whichever node took the first
// read; a read that fails because that node broke, before any row came
// back, moves to another node (and, last, to the primary).
type readConn struct {
	r     *router
	after dialect.Position
	n     *node
	c     *pgxpool.Conn
}

func (rc *readConn) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	var tried []*node
	for {
		if rc.c == nil {
			n, c, err := rc.r.pick(ctx, rc.after, tried)
			if err != nil {
				return nil, err
			}
			rc.n, rc.c = n, c
		}
		n := rc.n
		n.reads.Add(1)
		rows, err := rc.c.Query(ctx, sql, nativeArgs(args)...)
		if err == nil {
			if rows.Next() {
				return &readRows{rows: rows, pending: true}, nil
			}
			if err = rows.Err(); err == nil {
				return &readRows{rows: rows}, nil
			}
		}
		if n.primary || !nodeFailed(ctx, rc.c, err) {
			if rows != nil {
				// The error is the statement's: the rows report it,
				// as pgx's own do.
				return &readRows{rows: rows}, nil
			}
			return nil, err
		}
		if rows != nil {
			rows.Close()
		}
		n.fail()
		n.retries.Add(1)
		tried = append(tried, n)
		rc.c.Release()
		rc.c, rc.n = nil, nil
	}
}

// nodeFailed tells a broken node (the connection closed under the read,
// the server shutting down or refusing connections) from an error of the
// statement itself, which another node would repeat.
func nodeFailed(ctx context.Context, c *pgxpool.Conn, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P")
	}
	return c.Conn().IsClosed()
}

func (rc *readConn) Exec(context.Context, string, []any) (int64, error) { return 0, errReadOnly }

func (rc *readConn) Begin(context.Context, dialect.TxOptions) (dialect.Tx, error) {
	return nil, errReadOnly
}

func (rc *readConn) Release() error {
	if rc.c != nil {
		rc.c.Release()
		rc.c, rc.n = nil, nil
	}
	return nil
}

// readRows are a read's rows with the first row already read (pending),
// so that a failure before any row is known while the read can still
// move to another node.
type readRows struct {
	rows    pgx.Rows
	pending bool
	onClose func()
	buf     []any // native scan destinations, reused per row
}

func (r *readRows) Next() bool {
	if r.pending {
		r.pending = false
		return true
	}
	return r.rows.Next()
}

func (r *readRows) Scan(dest ...any) error { return scanErr(r.rows.Scan(nativeDest(dest, &r.buf)...)) }
func (r *readRows) Err() error             { return r.rows.Err() }

func (r *readRows) Close() error {
	r.rows.Close()
	r.pending = false
	if r.onClose != nil {
		r.onClose()
		r.onClose = nil
	}
	return r.rows.Err()
}

func (r *readRows) Columns() []string { return (&rowsAdapter{rows: r.rows}).Columns() }
