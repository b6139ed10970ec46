package quarry

import (
	"context"
	"fmt"
	"github.com/quarry-orm/quarry/dialect"
	"iter"
)

// Executor runs statements: a [*DB] directly, or a Session, which flushes
// pending changes first and merges entities into its identity map.
type Executor interface {
	acquire(ctx context.Context) (*execConn, error)
}

// execConn is what an Executor lends a statement: where to send SQL and
// how to treat the entities read.
type execConn struct {
	db      *DB
	q       dialect.Querier
	ids     identityMap
	release func()
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
	cur    T
	err    error
	closed bool
	seen   map[any]struct{}
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
	conn, err := acquire(ctx, ex)
	if err != nil {
		return nil, err
	}
	reader := newReader()
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
	r := &Result[T]{ctx: ctx, conn: conn, rows: rows, reader: reader, rc: readCtx{ids: conn.ids}, eager: run}
	s, inSession := conn.ids.(*Session)
	if inSession {
		s.open = append(s.open, r)
	}
	if u, ok := reader.(uniquer); ok && u.unique() {
		if inSession {
			s.results++
			r.rc.seq = s.results
		} else if conn.ids != nil || run != nil && run.plan.unique {
			r.seen = map[any]struct{}{}
		}
	}
	return r, nil
}

// query renders and runs a statement on the connection, logging it.
func (c *execConn) query(ctx context.Context, st statementNode) (dialect.Rows, error) {
	r, err := render(st, c.db.dialect)
	if err != nil {
		return nil, err
	}
	return c.db.query(ctx, c.q, r.sql, r.args)
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
			r.err = fmt.Errorf("quarry: reading a row: %w", err)
			r.finish()
			return false
		}
		r.rc.repeat = false
		v, err := r.reader.finish(&r.rc)
		if err != nil {
			r.err = err
			r.finish()
			return false
		}
		if r.rc.repeat {
			continue
		}
		if r.seen != nil {
			k := any(v)
			if _, dup := r.seen[k]; dup {
				continue
			}
			r.seen[k] = struct{}{}
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
	return r.eager.run(r.ctx, r.conn, objs)
}

// One returns the only row, [ErrNoResult] if there is none and
// [ErrMultipleResults] if there are more. It reads at most two rows.
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
