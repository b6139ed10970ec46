package quarry

import "context"

// ReturningQuery is an INSERT, UPDATE or DELETE with a RETURNING clause
// whose rows read as T, built with [Returning] and friends from a [DML]
// statement. It is immutable, like the statement it wraps.
type ReturningQuery[T any] struct {
	st   dmlNode
	read func() rowReader[T]
}

// Returning adds RETURNING items to a statement: Returning(stmt, Users.ID)
// reads the int64 keys of the rows written, Returning(stmt, Users) whole
// *User values. In a Session, entities read from an INSERT or UPDATE join
// its identity map like the rows of a SELECT (and refresh the objects the
// UPDATE expired); those read from a DELETE are new objects outside it,
// since their rows are gone.
func Returning[T any](stmt DML, sel Selectable[T]) *ReturningQuery[T] {
	return returning(stmt, sel.selectNodes(), sel.newReader)
}

// Returning2 is [Returning] of two items, read as [Row2].
func Returning2[A, B any](stmt DML, a Selectable[A], b Selectable[B]) *ReturningQuery[Row2[A, B]] {
	return returning(stmt, concatNodes(a.selectNodes(), b.selectNodes()), func() rowReader[Row2[A, B]] {
		return &reader2[A, B]{a.newReader(), b.newReader()}
	})
}

// Returning3 is [Returning] of three items, read as [Row3].
func Returning3[A, B, C any](stmt DML, a Selectable[A], b Selectable[B], c Selectable[C]) *ReturningQuery[Row3[A, B, C]] {
	return returning(stmt, concatNodes(a.selectNodes(), b.selectNodes(), c.selectNodes()), func() rowReader[Row3[A, B, C]] {
		return &reader3[A, B, C]{a.newReader(), b.newReader(), c.newReader()}
	})
}

func returning[T any](stmt DML, items []node, read func() rowReader[T]) *ReturningQuery[T] {
	if stmt == nil {
		return &ReturningQuery[T]{st: nilStatement("DML"), read: read}
	}
	return &ReturningQuery[T]{st: stmt.dml().withReturning(items), read: read}
}

// All runs the statement and returns the rows it wrote, as RETURNING
// reads them (an INSERT of many objects may take several statements;
// their rows come in order). Through a Session it autoflushes first and
// keeps the identity map true as the statement's Exec does.
func (q *ReturningQuery[T]) All(ctx context.Context, ex Executor) ([]T, error) {
	conn, err := acquireDML(ctx, ex, q.st)
	if err != nil {
		return nil, err
	}
	parts, err := q.st.batches(conn.db.dialect)
	if err != nil {
		return nil, err
	}
	s, _ := conn.ids.(*Session)
	sync, err := s.beforeWrite(ctx, q.st)
	if err != nil {
		return nil, err
	}
	run := ex
	if s != nil {
		// acquireDML flushed already.
		run = noFlush{s}
		if _, isDelete := q.st.(*deleteNode); isDelete {
			run = detachedRows{s} // the rows are gone: not in the identity map
		}
	}
	var out []T
	for _, p := range parts {
		rows, err := runAll(execute(ctx, run, p, q.read))
		if err != nil {
			return out, err
		}
		out = append(out, rows...)
	}
	sync.after()
	return out, nil
}

// One runs the statement and returns the only row it wrote: [ErrNoResult]
// when there is none (an upsert that did nothing, an UPDATE that matched
// no row), [ErrMultipleResults] when there are more.
func (q *ReturningQuery[T]) One(ctx context.Context, ex Executor) (T, error) {
	var zero T
	rows, err := q.All(ctx, ex)
	switch {
	case err != nil:
		return zero, err
	case len(rows) == 0:
		return zero, ErrNoResult
	case len(rows) > 1:
		return zero, ErrMultipleResults
	}
	return rows[0], nil
}

// String renders the statement for the default dialect, with ?
// placeholders. Errors render as a comment; use [Render] to see them.
func (q *ReturningQuery[T]) String() string { return stringOf(q.st) }

func (q *ReturningQuery[T]) statementNode() statementNode { return q.st }

// detachedRows runs a statement in a Session's transaction, without
// autoflush (the statement's own acquire flushed) and reading entities
// outside its identity map.
type detachedRows struct{ s *Session }

func (d detachedRows) acquire(ctx context.Context, _ bool) (*execConn, error) {
	c, err := d.s.conn(ctx, false, true)
	if err != nil {
		return nil, err
	}
	return &execConn{db: c.db, q: c.q, release: c.release, crit: c.crit}, nil
}
