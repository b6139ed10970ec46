package quarry

// Row2 is a result row of two typed items, from [Select2].
type Row2[A, B any] struct {
	V1 A
	V2 B
}

// Values returns the row's items.
func (r Row2[A, B]) Values() (A, B) { return r.V1, r.V2 }

// Row3 is a result row of three typed items, from [Select3].
type Row3[A, B, C any] struct {
	V1 A
	V2 B
	V3 C
}

// Values returns the row's items.
func (r Row3[A, B, C]) Values() (A, B, C) { return r.V1, r.V2, r.V3 }

// Row4 is a result row of four typed items, from [Select4].
type Row4[A, B, C, D any] struct {
	V1 A
	V2 B
	V3 C
	V4 D
}

// Values returns the row's items.
func (r Row4[A, B, C, D]) Values() (A, B, C, D) { return r.V1, r.V2, r.V3, r.V4 }

// Row5 is a result row of five typed items, from [Select5].
type Row5[A, B, C, D, E any] struct {
	V1 A
	V2 B
	V3 C
	V4 D
	V5 E
}

// Values returns the row's items.
func (r Row5[A, B, C, D, E]) Values() (A, B, C, D, E) { return r.V1, r.V2, r.V3, r.V4, r.V5 }

func concatNodes(lists ...[]node) []node {
	var out []node
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Select2 selects two items, entities or expressions, read as [Row2]:
// Select2(Users, Addresses) reads Row2[*User, *Address].
func Select2[A, B any](a Selectable[A], b Selectable[B]) *Query[Row2[A, B]] {
	return newSelect(concatNodes(selectNodesOf(a), selectNodesOf(b)), func() rowReader[Row2[A, B]] {
		return &reader2[A, B]{readerOf(a), readerOf(b)}
	})
}

// Select3 selects three items, read as [Row3].
func Select3[A, B, C any](a Selectable[A], b Selectable[B], c Selectable[C]) *Query[Row3[A, B, C]] {
	return newSelect(concatNodes(selectNodesOf(a), selectNodesOf(b), selectNodesOf(c)), func() rowReader[Row3[A, B, C]] {
		return &reader3[A, B, C]{readerOf(a), readerOf(b), readerOf(c)}
	})
}

// Select4 selects four items, read as [Row4].
func Select4[A, B, C, D any](a Selectable[A], b Selectable[B], c Selectable[C], d Selectable[D]) *Query[Row4[A, B, C, D]] {
	return newSelect(concatNodes(selectNodesOf(a), selectNodesOf(b), selectNodesOf(c), selectNodesOf(d)), func() rowReader[Row4[A, B, C, D]] {
		return &reader4[A, B, C, D]{readerOf(a), readerOf(b), readerOf(c), readerOf(d)}
	})
}

// Select5 selects five items, read as [Row5].
func Select5[A, B, C, D, E any](a Selectable[A], b Selectable[B], c Selectable[C], d Selectable[D], e Selectable[E]) *Query[Row5[A, B, C, D, E]] {
	return newSelect(concatNodes(selectNodesOf(a), selectNodesOf(b), selectNodesOf(c), selectNodesOf(d), selectNodesOf(e)), func() rowReader[Row5[A, B, C, D, E]] {
		return &reader5[A, B, C, D, E]{readerOf(a), readerOf(b), readerOf(c), readerOf(d), readerOf(e)}
	})
}

// AddColumns returns a statement that selects what q selects and b too,
// read as [Row2] (Select.add_columns).
func AddColumns[A, B any](q *Query[A], b Selectable[B]) *Query[Row2[A, B]] {
	q = q.orFailed()
	c := q.core.clone()
	c.items = append(c.items, selectNodesOf(b)...)
	return &Query[Row2[A, B]]{core: c, read: func() rowReader[Row2[A, B]] {
		return &reader2[A, B]{q.read(), readerOf(b)}
	}}
}

type reader2[A, B any] struct {
	a rowReader[A]
	b rowReader[B]
}

func (r *reader2[A, B]) prepare(dst []any) []any { return r.b.prepare(r.a.prepare(dst)) }

func (r *reader2[A, B]) finish(rc *readCtx) (row Row2[A, B], err error) {
	if row.V1, err = r.a.finish(rc); err != nil {
		return row, err
	}
	row.V2, err = r.b.finish(rc)
	return row, err
}

type reader3[A, B, C any] struct {
	a rowReader[A]
	b rowReader[B]
	c rowReader[C]
}

func (r *reader3[A, B, C]) prepare(dst []any) []any {
	return r.c.prepare(r.b.prepare(r.a.prepare(dst)))
}

func (r *reader3[A, B, C]) finish(rc *readCtx) (row Row3[A, B, C], err error) {
	if row.V1, err = r.a.finish(rc); err != nil {
		return row, err
	}
	if row.V2, err = r.b.finish(rc); err != nil {
		return row, err
	}
	row.V3, err = r.c.finish(rc)
	return row, err
}

type reader4[A, B, C, D any] struct {
	a rowReader[A]
	b rowReader[B]
	c rowReader[C]
	d rowReader[D]
}

func (r *reader4[A, B, C, D]) prepare(dst []any) []any {
	return r.d.prepare(r.c.prepare(r.b.prepare(r.a.prepare(dst))))
}

func (r *reader4[A, B, C, D]) finish(rc *readCtx) (row Row4[A, B, C, D], err error) {
	if row.V1, err = r.a.finish(rc); err != nil {
		return row, err
	}
	if row.V2, err = r.b.finish(rc); err != nil {
		return row, err
	}
	if row.V3, err = r.c.finish(rc); err != nil {
		return row, err
	}
	row.V4, err = r.d.finish(rc)
	return row, err
}

type reader5[A, B, C, D, E any] struct {
	a rowReader[A]
	b rowReader[B]
	c rowReader[C]
	d rowReader[D]
	e rowReader[E]
}

func (r *reader5[A, B, C, D, E]) prepare(dst []any) []any {
	return r.e.prepare(r.d.prepare(r.c.prepare(r.b.prepare(r.a.prepare(dst)))))
}

func (r *reader5[A, B, C, D, E]) finish(rc *readCtx) (row Row5[A, B, C, D, E], err error) {
	if row.V1, err = r.a.finish(rc); err != nil {
		return row, err
	}
	if row.V2, err = r.b.finish(rc); err != nil {
		return row, err
	}
	if row.V3, err = r.c.finish(rc); err != nil {
		return row, err
	}
	if row.V4, err = r.d.finish(rc); err != nil {
		return row, err
	}
	row.V5, err = r.e.finish(rc)
	return row, err
}
