package sqlite

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/quarry-orm/quarry/dialect"
)

// maxIdleConns is how many connections the pool keeps open while no one
// uses them, each with its prepared statements.
const maxIdleConns = 8

// connPool hands out long-lived connections of a *sql.DB. database/sql's
// own pool forgets a connection's prepared statements when a *sql.Conn is
// closed, so the driver keeps its *sql.Conn values open and reuses them,
// each with its statement cache. Every statement the driver runs, on the
// pool, on a held connection or in a transaction, runs on one of them.
type connPool struct {
	db     *sql.DB
	mu     sync.Mutex
	idle   []*pconn
	closed bool
}

// get returns an idle connection, or opens one.
func (p *connPool) get(ctx context.Context) (*pconn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, sql.ErrConnDone
	}
	if n := len(p.idle); n > 0 {
		pc := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return pc, nil
	}
	p.mu.Unlock()
	c, err := p.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &pconn{c: c}, nil
}

// put returns a connection to the pool, or closes it when the pool has
// enough idle ones, is closed, or the connection failed.
func (p *connPool) put(pc *pconn) {
	p.mu.Lock()
	if !pc.broken && !p.closed && len(p.idle) < maxIdleConns {
		p.idle = append(p.idle, pc)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	pc.close()
}

// close closes the idle connections; connections in use close when they
// come back.
func (p *connPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, pc := range idle {
		pc.close()
	}
}

// query runs a statement on a connection of its own, which goes back to
// the pool when the rows are closed.
func (p *connPool) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	pc, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := pc.query(ctx, sql, args, func() { p.put(pc) })
	if err != nil {
		p.put(pc)
		return nil, err
	}
	return rows, nil
}

func (p *connPool) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	pc, err := p.get(ctx)
	if err != nil {
		return 0, err
	}
	defer p.put(pc)
	return pc.Exec(ctx, sql, args)
}

// pconn is one pooled connection and its prepared statements. One
// goroutine uses it at a time (a Session, a transaction, or one pool
// statement), so its cache needs no lock.
type pconn struct {
	c      *sql.Conn
	stmts  stmtCache
	broken bool
}

func (pc *pconn) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	return pc.query(ctx, sql, args, nil)
}

// query runs sql through the connection's prepared statement, or
// unprepared when that statement is already open; done runs once the
// rows are closed.
func (pc *pconn) query(ctx context.Context, text string, args []any, done func()) (dialect.Rows, error) {
	cs, err := pc.stmts.take(ctx, pc.c, text)
	if err != nil {
		pc.check(err)
		return nil, err
	}
	var rows *sql.Rows
	if cs == nil {
		rows, err = pc.c.QueryContext(ctx, text, bindArgs(args)...)
	} else {
		rows, err = cs.stmt.QueryContext(ctx, bindArgs(args)...)
	}
	if err != nil {
		if cs != nil {
			pc.stmts.release(cs)
		}
		pc.check(err)
		return nil, err
	}
	return &rowsAdapter{Rows: rows, pc: pc, cs: cs, done: done}, nil
}

func (pc *pconn) Exec(ctx context.Context, text string, args []any) (int64, error) {
	cs, err := pc.stmts.take(ctx, pc.c, text)
	if err != nil {
		pc.check(err)
		return 0, err
	}
	var res sql.Result
	if cs == nil {
		res, err = pc.c.ExecContext(ctx, text, bindArgs(args)...)
	} else {
		res, err = cs.stmt.ExecContext(ctx, bindArgs(args)...)
		pc.stmts.release(cs)
	}
	if err != nil {
		pc.check(err)
		return 0, err
	}
	return res.RowsAffected()
}

// check marks the connection broken after an error that leaves it
// unusable, so the pool does not hand it out again.
func (pc *pconn) check(err error) {
	if errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		pc.broken = true
	}
}

func (pc *pconn) close() {
	pc.stmts.closeAll()
	pc.c.Close()
}

// rowsAdapter is the dialect.Rows of a query; closing it ends the
// checkout of its prepared statement.
type rowsAdapter struct {
	*sql.Rows
	pc     *pconn
	cs     *cachedStmt
	done   func()
	closed bool
}

// Scan is database/sql's Scan, with a column's conversion error reported
// as a dialect.ScanError: database/sql names the column only in its
// message ("sql: Scan error on column index 0, ...").
func (r *rowsAdapter) Scan(dest ...any) error {
	err := r.Rows.Scan(dest...)
	if err == nil {
		return nil
	}
	var col int
	if _, serr := fmt.Sscanf(err.Error(), "sql: Scan error on column index %d", &col); serr == nil {
		return &dialect.ScanError{Column: col, Err: err}
	}
	return err
}

func (r *rowsAdapter) Columns() []string {
	cols, _ := r.Rows.Columns()
	return cols
}

func (r *rowsAdapter) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	if r.cs != nil {
		r.pc.stmts.release(r.cs)
	}
	if r.done != nil {
		r.done()
	}
	return err
}
