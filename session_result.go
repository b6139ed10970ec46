package quarry

// Typed forms of SQLAlchemy's result.scalars(): the first item of each
// row of a multi-item statement.

// scalarRow is implemented by the Row types: their first item.
type scalarRow[A any] interface{ scalar() A }

func (r Row2[A, B]) scalar() A          { return r.V1 }
func (r Row3[A, B, C]) scalar() A       { return r.V1 }
func (r Row4[A, B, C, D]) scalar() A    { return r.V1 }
func (r Row5[A, B, C, D, E]) scalar() A { return r.V1 }

// Scalars turns a cursor over rows of several items into a cursor over
// their first items, as SQLAlchemy's result.scalars() does:
//
//	res, err := quarry.Select2(Users.Name, Users.ID).Execute(ctx, s)
//	names, err := quarry.Scalars(res).All() // []string
//
// It takes over res, which must not be read afterwards. One, OneOrNone
// and First of the returned Result report [ErrNoResult] and
// [ErrMultipleResults] as usual. Of a statement with Unique, the first
// items are de-duplicated, not the rows. (A statement of one item already reads
// as that item's type and needs no Scalars.)
func Scalars[A any, R scalarRow[A]](res *Result[R]) *Result[A] {
	if res == nil {
		// A Result that reports the mistake when read.
		return &Result[A]{err: invalidArg("Scalars of a nil *Result"), closed: true}
	}
	out := &Result[A]{ctx: res.ctx, conn: res.conn, rows: res.rows, rc: res.rc, err: res.err, closed: res.closed,
		reader: &firstReader[A, R]{inner: res.reader}}
	if res.seen != nil {
		// A Unique statement: as in SQLAlchemy, the items returned are
		// what is de-duplicated.
		out.seen = newRowSet[A](rowKeysOf[A]())
	}
	// res hands its cursor over: it must not close it a second time.
	res.closed = true
	if s, ok := res.conn.ids.(*Session); ok {
		s.open = append(s.open, out)
	}
	return out
}

type firstReader[A any, R scalarRow[A]] struct{ inner rowReader[R] }

func (r *firstReader[A, R]) prepare(dst []any) []any { return r.inner.prepare(dst) }

func (r *firstReader[A, R]) finish(rc *readCtx) (A, error) {
	row, err := r.inner.finish(rc)
	if err != nil {
		var zero A
		return zero, err
	}
	return row.scalar(), nil
}
