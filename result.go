package quarry

import (
	"context"
	"iter"

	"github.com/quarry-orm/quarry/dialect"
)

// Executor runs statements: a [*DB] directly, or a Session, which flushes
// pending changes first and merges entities into its identity map.
type Executor interface {
	// acquire lends a connection to a statement; write says it may
	// write, so a Session runs it in its transaction.
	acquire(ctx context.Context, write bool) (*execConn, error)
}

// execConn is what an Executor lends a statement: where to send SQL and
// how to treat the entities read.
type execConn struct {
	db      *DB
	q       dialect.Querier
	ids     identityMap
	release func()
	// crit is the criteria of the DB or Session (criteria.go).
	crit *criteriaSet
}

func (c *execConn) done() {
	if c.release != nil {
		c.release()
	}
}

// Result is an open cursor over the typed rows of a statement. Read it
// with Next and Value, or with range over Seq, then check Err; or take
// everything with All, One, First or OneOrNone, which close it. A Result
// must be closed; the helpers and a finished Seq do so.
type Result[T any] struct {
	ctx    context.Context
	conn   *execConn
	rows   dialect.Rows
	reader rowReader[T]
	rc     readCtx
	dests  []any
	// st is the statement whose select list the row's columns are, in
	// order, for naming a column that fails to scan; nil when the
	// columns were linked by name (text, FromStatement).
	st     statementNode
	cur    T
	err    error
	closed bool
	// seen holds the rows returned so far when the Result de-duplicates
	// them without the Session's stamps (unique.go); nil otherwise.
	seen *rowSet[T]
	// eager runs the statement's loaders (loader.go); nil without any.
	eager *eagerRun
	// ran says nextLoaded read every row into loaded and ran the
	// loaders over them; advance then hands out loaded[next:].
	ran    bool
	loaded []T
	next   int
}

// Execute runs the statement and returns a cursor over its rows.
func (q *Query[T]) Execute(ctx context.Context, ex Executor) (*Result[T], error) {
	q = q.orFailed()
	return execute(ctx, ex, q.core, q.read)
}

func execute[T any](ctx context.Context, ex Executor, st statementNode, newReader func() rowReader[T]) (*Result[T], error) {
	conn, err := acquire(ctx, ex, mayWrite(st))
	if err != nil {
		return nil, err
	}
	reader := newReader()
	unique, keys := uniqueOf(st)
	ro := runOptionsOf(st)
	// Loader options may change the statement and wrap its reader
	// (loader.go).
	st, reader, run, err := applyEager(st, reader)
	if err != nil {
		conn.done()
		return nil, err
	}
	rows, err := conn.query(ctx, st)
	if err != nil {
		conn.done()
		return nil, err
	}
	// Entities and columns on the nullable side of an outer join read
	// through NULL-aware holders (outerjoin.go).
	markOptional(st, reader)
	perm, width, err := linkColumns(st, rows)
	if err != nil {
		rows.Close()
		conn.done()
		return nil, err
	}
	if perm != nil {
		reader = &remapReader[T]{inner: reader, perm: perm, width: width}
	}
	r := &Result[T]{ctx: ctx, conn: conn, rows: rows, reader: reader, rc: readCtx{ids: conn.ids, ctx: ctx}, eager: run}
	if perm == nil {
		r.st = st
	}
	s, inSession := conn.ids.(*Session)
	if inSession {
		s.open = append(s.open, r)
		if ro.any() {
			// ForUpdate, PopulateExisting: rows merge through runIDs
			// (statement_run.go), and the loaders overwrite too.
			r.rc.ids = &runIDs{s: s, o: ro}
			if run != nil {
				run.populate = ro.populate
			}
		}
	}
	// Rows are returned as the database sends them (SQLAlchemy 2.0's
	// select()) unless the statement asks for Unique, or a Joined
	// collection load repeats its parents: those rows are the loader's
	// own doing, so it takes them back out.
	joined := run != nil && run.plan.unique
	if !unique && !joined {
		return r, nil
	}
	if _, ok := reader.(uniquer); ok && inSession {
		s.results++
		r.rc.seq = s.results
		return r, nil
	}
	if !unique {
		// The roots of a joined load, one object per key (eagerReader).
		r.seen = newRowSet[T](keysDirect)
		return r, nil
	}
	r.seen = newRowSet[T](cachedRowKeys[T](keys))
	if !inSession {
		// Without a Session's identity map, the result keeps its own, so
		// that entities compare by identity: one object per primary key.
		if run == nil {
			r.rc.ids = newLocalIDs()
		} else {
			if run.local == nil {
				run.local = newLocalIDs()
			}
			r.rc.ids = run.local
		}
	}
	return r, nil
}

// mayWrite reports whether a statement may write. quarry's own SELECTs
// never do, but a statement of the program's own text (a TextClause, run
// directly or through FromStatement) may be an INSERT, UPDATE or DELETE
// with RETURNING: it must run in the Session's transaction, where
// Rollback undoes it, not in the autocommit of a pooled connection.
// Telling a text read from a text write would take parsing SQL (WITH
// can hold a DELETE on PostgreSQL, a SELECT can call a function that
// writes), so every text statement counts as a write. A locking read
// (ForUpdate) counts too: its locks last until the transaction ends, and
// on SQLite the write transaction is the lock.
func mayWrite(st statementNode) bool {
	for {
		switch n := st.(type) {
		case *TextClause:
			return true
		case *selectCore:
			if n.run.lock {
				return true
			}
			if n.from == nil {
				return false
			}
			st = n.from
		default:
			return false
		}
	}
}

// query renders and runs a statement on the connection, logging it.
func (c *execConn) query(ctx context.Context, st statementNode) (dialect.Rows, error) {
	r, err := c.render(ctx, st)
	if err != nil {
		return nil, err
	}
	return c.db.query(ctx, c.q, opOf(st), r.sql, r.args)
}

// Next advances to the next row, reporting false at the end or on error.
//
// For a statement with loader options, the first call reads every row and
// runs the loaders over all of them, as All does: a SelectIn or Subquery
// load needs the whole set of parents, and its queries cannot run while
// the cursor holds the connection.
func (r *Result[T]) Next() bool {
	if r.eager != nil {
		return r.nextLoaded()
	}
	return r.advance()
}

func (r *Result[T]) nextLoaded() bool {
	if !r.ran {
		var all []T
		for r.advance() {
			all = append(all, r.cur)
		}
		err := r.Close()
		if err == nil {
			err = r.load(all)
		}
		r.ran, r.loaded, r.err = true, all, err
	}
	return r.advance()
}

// advance reads the next row: from the cursor, or from the rows that
// nextLoaded read and loaded.
func (r *Result[T]) advance() bool {
	if r.ran {
		if r.err != nil || r.next >= len(r.loaded) {
			var zero T
			r.cur = zero
			return false
		}
		r.cur = r.loaded[r.next]
		r.next++
		return true
	}
	for !r.closed && r.err == nil {
		if !r.rows.Next() {
			r.finish()
			return false
		}
		r.dests = r.reader.prepare(r.dests[:0])
		if err := r.rows.Scan(r.dests...); err != nil {
			r.err = scanErr(r.st, r.dests, err)
			r.finish()
			return false
		}
		r.rc.repeat = false
		v, err := r.reader.finish(&r.rc)
		if err == nil {
			err = mergeErr(r.rc.ids)
		}
		if err == nil {
			err = r.rc.hookErr
		}
		if err != nil {
			r.err = err
			r.finish()
			return false
		}
		if r.rc.repeat {
			continue
		}
		if r.seen != nil {
			dup, err := r.seen.add(v)
			if err != nil {
				r.err = err
				r.finish()
				return false
			}
			if dup {
				continue
			}
		}
		r.cur = v
		return true
	}
	return false
}

// Value returns the current row.
func (r *Result[T]) Value() T { return r.cur }

// Err returns the first error met while reading.
func (r *Result[T]) Err() error { return r.err }

// Close releases the cursor and its connection. It is safe to call twice.
func (r *Result[T]) Close() error {
	r.finish()
	return r.err
}

func (r *Result[T]) finish() {
	if r.closed {
		return
	}
	r.closed = true
	if err := r.rows.Err(); err != nil && r.err == nil {
		r.err = r.conn.db.wrapErr("", err)
	}
	if err := r.rows.Close(); err != nil && r.err == nil {
		r.err = r.conn.db.wrapErr("", err)
	}
	r.conn.done()
}

// abort ends a Result whose transaction is ending: reading on reports
// err.
func (r *Result[T]) abort(err error) {
	if !r.closed && r.err == nil {
		r.err = err
	}
	r.finish()
}

// Seq returns an iterator over the remaining rows for range-over-func.
// Breaking out of the loop closes the cursor; check Err after the loop.
func (r *Result[T]) Seq() iter.Seq[T] {
	return func(yield func(T) bool) {
		defer r.finish()
		for r.Next() {
			if !yield(r.cur) {
				return
			}
		}
	}
}

// All reads every remaining row and closes the cursor.
func (r *Result[T]) All() ([]T, error) {
	var out []T
	for r.advance() {
		out = append(out, r.cur)
	}
	if err := r.Close(); err != nil {
		return nil, err
	}
	if err := r.load(out); err != nil {
		return nil, err
	}
	return out, nil
}

// load runs the statement's eager loaders over the results.
func (r *Result[T]) load(vs []T) error {
	if r.eager == nil || r.ran || len(vs) == 0 {
		return nil // no loaders, or nextLoaded ran them
	}
	objs := make([]any, len(vs))
	for i, v := range vs {
		objs[i] = v
	}
	conn := r.conn
	if s, ok := conn.ids.(*Session); ok {
		// The Result is closed and gave its connection back: the loaders
		// borrow the Session's again (its transaction, or the connection
		// it holds while a statement runs).
		c, err := s.conn(r.ctx, false, false)
		if err != nil {
			return err
		}
		defer c.done()
		conn = c
	}
	return r.eager.run(r.ctx, conn, objs)
}

// One returns the only row, [ErrNoResult] if there is none and
// [ErrMultipleResults] if there are more. It reads at most two rows, or
// under Unique until a second distinct one.
func (r *Result[T]) One() (T, error) {
	v, ok, err := r.OneOrNone()
	if err == nil && !ok {
		err = ErrNoResult
	}
	return v, err
}

// OneOrNone is [Result.One] reporting an empty result as ok == false
// instead of an error.
func (r *Result[T]) OneOrNone() (v T, ok bool, err error) {
	defer r.finish()
	if !r.advance() {
		return v, false, r.Close()
	}
	v = r.cur
	if r.advance() {
		var zero T
		return zero, false, ErrMultipleResults
	}
	if err := r.Close(); err != nil {
		return v, false, err
	}
	if err := r.load([]T{v}); err != nil {
		return v, false, err
	}
	return v, true, nil
}

// First returns the first row and closes the cursor, or [ErrNoResult].
func (r *Result[T]) First() (T, error) {
	var zero T
	if !r.advance() {
		if err := r.Close(); err != nil {
			return zero, err
		}
		return zero, ErrNoResult
	}
	v := r.cur
	if r.eager != nil && r.eager.rd != nil {
		// A joined collection of v may continue in the next rows.
		for r.advance() {
		}
	}
	if err := r.Close(); err != nil {
		return zero, err
	}
	return v, r.load([]T{v})
}
