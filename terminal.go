package quarry

import (
	"context"
	"iter"
)

// The terminal methods of statements: Query and Compound run through the
// same functions, so they return rows the same way.

// All runs the statement and returns every row: one per row of SQL, a
// repeated entity as often as it is repeated (the same object in a
// Session), unless the statement asks for [Query.Unique].
func (q *Query[T]) All(ctx context.Context, ex Executor) ([]T, error) {
	return runAll(q.Execute(ctx, ex))
}

// First runs the statement with LIMIT 1 and returns the row, or
// [ErrNoResult].
func (q *Query[T]) First(ctx context.Context, ex Executor) (T, error) {
	c := q.core.first.Load()
	if c == nil {
		c = q.core.clone()
		one := int64(1)
		c.limit = &one
		q.core.first.Store(c)
	}
	return runFirst(execute(ctx, ex, c, q.read))
}

// One runs the statement and returns its only row: [ErrNoResult] when
// there is none, [ErrMultipleResults] when there are more. Two rows of one
// entity are more, as in SQLAlchemy 2.0; with [Query.Unique] they are
// one.
func (q *Query[T]) One(ctx context.Context, ex Executor) (T, error) {
	return runOne(q.Execute(ctx, ex))
}

// OneOrNone is [Query.One] reporting no row as ok == false.
func (q *Query[T]) OneOrNone(ctx context.Context, ex Executor) (T, bool, error) {
	return runOneOrNone(q.Execute(ctx, ex))
}

// Scalar runs a one-item statement and returns its only value, as
// SQLAlchemy's Query.scalar(): [ErrNoResult] or [ErrMultipleResults]
// unless there is exactly one row.
func (q *Query[T]) Scalar(ctx context.Context, ex Executor) (T, error) {
	return q.One(ctx, ex)
}

// Rows returns the statement's rows for range-over-func. The statement
// runs when the loop starts (each loop runs it again) and the cursor is
// closed when the loop ends, also by break:
//
//	for u, err := range quarry.Select(Users).Rows(ctx, s) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// An error (running the statement, reading a row, an eager load) is
// yielded once, with the zero T, and ends the loop.
func (q *Query[T]) Rows(ctx context.Context, ex Executor) iter.Seq2[T, error] {
	return rowsOf(func() (*Result[T], error) { return q.Execute(ctx, ex) })
}

// Count returns the number of rows the statement would return, counting
// over it as a subquery: SELECT count(*) AS count_1 FROM (...) AS anon_1,
// like SQLAlchemy's Query.count(). It counts the database's rows:
// [Query.Unique] does not change it, as de-duplication in 1.x's Query
// did not change count().
func (q *Query[T]) Count(ctx context.Context, ex Executor) (int64, error) {
	return countOf(ctx, ex, q.Subquery())
}

// Execute runs the statement and returns a cursor over its rows.
func (c *Compound[T]) Execute(ctx context.Context, ex Executor) (*Result[T], error) {
	c = c.orFailed()
	return execute(ctx, ex, c.node, c.read)
}

// All runs the statement and returns every row.
func (c *Compound[T]) All(ctx context.Context, ex Executor) ([]T, error) {
	return runAll(c.Execute(ctx, ex))
}

// First runs the statement with LIMIT 1 and returns its first row, or
// [ErrNoResult].
func (c *Compound[T]) First(ctx context.Context, ex Executor) (T, error) {
	return runFirst(c.Limit(1).Execute(ctx, ex))
}

// One runs the statement and returns its only row: [ErrNoResult] when
// there is none, [ErrMultipleResults] when there are more.
func (c *Compound[T]) One(ctx context.Context, ex Executor) (T, error) {
	return runOne(c.Execute(ctx, ex))
}

// OneOrNone is [Compound.One] reporting no row as ok == false.
func (c *Compound[T]) OneOrNone(ctx context.Context, ex Executor) (T, bool, error) {
	return runOneOrNone(c.Execute(ctx, ex))
}

// Scalar runs a one-item statement and returns its only value:
// [ErrNoResult] or [ErrMultipleResults] unless there is exactly one row.
func (c *Compound[T]) Scalar(ctx context.Context, ex Executor) (T, error) {
	return c.One(ctx, ex)
}

// Rows returns the statement's rows for range-over-func, as [Query.Rows]
// does.
func (c *Compound[T]) Rows(ctx context.Context, ex Executor) iter.Seq2[T, error] {
	return rowsOf(func() (*Result[T], error) { return c.Execute(ctx, ex) })
}

// Count returns the number of rows the statement would return, counting
// over it as a subquery, as [Query.Count] does.
func (c *Compound[T]) Count(ctx context.Context, ex Executor) (int64, error) {
	return countOf(ctx, ex, c.Subquery())
}

func runAll[T any](r *Result[T], err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return r.All()
}

func runFirst[T any](r *Result[T], err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return r.First()
}

func runOne[T any](r *Result[T], err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return r.One()
}

func runOneOrNone[T any](r *Result[T], err error) (T, bool, error) {
	if err != nil {
		var zero T
		return zero, false, err
	}
	return r.OneOrNone()
}

func rowsOf[T any](run func() (*Result[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		r, err := run()
		if err != nil {
			yield(zero, err)
			return
		}
		defer r.Close()
		for r.Next() {
			if !yield(r.cur, nil) {
				return
			}
		}
		if err := r.Close(); err != nil {
			yield(zero, err)
		}
	}
}

// countOf counts the rows of a statement wrapped as sq.
func countOf(ctx context.Context, ex Executor, sq *Subquery) (int64, error) {
	return Select(CountAll().Label("count_1")).SelectFrom(sq).One(ctx, ex)
}
