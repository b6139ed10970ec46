package quarry

import (
	"database/sql"
	"fmt"
	"reflect"
	"time"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Reading the optional side of an outer join. An entity whose source is
// the target of a LEFT OUTER JOIN is scanned into NULL-aware holders and
// built only when its primary key is not NULL, so a missing row reads as a
// nil pointer. A bare column of a non-nullable Go type from that side is
// scanned through sql.Null and fails, naming the column, when it is NULL;
// quarry.Nullable(col) reads it as *T instead. Which sources are optional
// is computed from the statement when it runs (markOptional, called by
// execute), so readers of statements without outer joins are unchanged.

// optCtx walks the select items while readers are marked.
type optCtx struct {
	items    []node
	pos      int
	nullable map[*source]bool
}

// next returns the next select item, or nil past the end.
func (oc *optCtx) next() node {
	if oc.pos >= len(oc.items) {
		oc.pos++
		return nil
	}
	n := oc.items[oc.pos]
	oc.pos++
	return n
}

// optionalMarker is implemented by readers that can read the optional
// side of an outer join, and by composite readers, which pass the call on.
type optionalMarker interface {
	markOptional(oc *optCtx)
}

// markReader marks one reader. A reader that does not know about outer
// joins keeps its behaviour; its items are skipped so that the readers
// after it still line up with their items.
func markReader(r any, oc *optCtx) {
	if m, ok := r.(optionalMarker); ok {
		m.markOptional(oc)
		return
	}
	if p, ok := r.(interface{ prepare([]any) []any }); ok {
		oc.pos += len(p.prepare(nil))
	}
}

// markOptional prepares the reader of a statement for the sources on the
// nullable side of its outer joins, if there are any.
func markOptional(st statementNode, reader any) {
	nullable := nullableSources(st)
	if len(nullable) == 0 {
		return
	}
	markReader(reader, &optCtx{items: st.selectItems(), nullable: nullable})
}

// nullableSources returns the FROM items (identities) that are the target
// of a LEFT OUTER JOIN in the statement, worked out once per statement.
func nullableSources(st statementNode) map[*source]bool {
	c, ok := st.(*selectCore)
	if !ok || c.from != nil {
		return nil
	}
	if m := c.nullable.Load(); m != nil {
		return *m
	}
	m := planNullable(c)
	c.nullable.Store(&m)
	return m
}

func planNullable(c *selectCore) map[*source]bool {
	outer := false
	for _, j := range c.joins {
		outer = outer || j.outer
	}
	if !outer {
		return nil
	}
	b := newBuilder(defaultDialect{})
	elems := c.buildFrom(b, false)
	if b.Err != nil {
		return nil
	}
	out := map[*source]bool{}
	for _, e := range elems {
		for _, s := range e.steps {
			if s.outer {
				out[s.target.identity()] = true
			}
		}
	}
	return out
}

// optionalRow reads the columns of one entity through holders.
type optionalRow struct {
	t       *table
	cols    []*schema.Column // those read
	holders []schema.Holder
	pk      []int // indexes of the primary-key columns in holders
}

func newOptionalRow(t *table, ls *loadSet) *optionalRow {
	cols := ls.columnsOf(t)
	o := &optionalRow{t: t, cols: cols, holders: make([]schema.Holder, len(cols))}
	for i, c := range cols {
		o.holders[i] = c.Holder()
		if c.PK {
			o.pk = append(o.pk, i)
		}
	}
	return o
}

func (o *optionalRow) prepare(dst []any) []any {
	for _, h := range o.holders {
		dst = append(dst, h.Dest())
	}
	return dst
}

// missing reports whether the row of the entity is absent: its primary
// key is NULL.
func (o *optionalRow) missing() bool {
	for _, i := range o.pk {
		if o.holders[i].Null() {
			return true
		}
	}
	return false
}

// fill stores the scanned values into obj. The holders need no reset
// for a missing row: every scan overwrites them, NULL included.
func (o *optionalRow) fill(obj field.Ptr) {
	for i, c := range o.cols {
		o.holders[i].Store(c.Ptr(obj))
	}
}

func (r *entityReader[E]) markOptional(oc *optCtx) {
	first := oc.next()
	oc.pos += len(r.ls.columnsOf(r.t)) - 1
	c, ok := first.(*colRef)
	if ok && oc.nullable[c.src.identity()] {
		r.opt = newOptionalRow(r.t, r.ls)
	}
}

// readOptional finishes an entity read through holders: nil when its row
// is missing.
func (r *entityReader[E]) readOptional(rc *readCtx) (*E, error) {
	if r.opt.missing() {
		return nil, nil
	}
	obj := new(E)
	r.opt.fill(field.Of(obj))
	if rc.ids == nil {
		rc.afterLoad(r.t, field.Of(obj))
		return obj, nil
	}
	return field.As[E](rc.mergeCols(r.t, field.Of(obj), r.ls)), nil
}

func (r *valueReader[T]) markOptional(oc *optCtx) {
	var src *source
	name := ""
	switch c := unlabel(oc.next()).(type) {
	case *colRef:
		src, name = c.src, c.info.String()
		if c.src.alias != "" || c.src.sub != nil {
			name = describeSource(c.src) + " column " + c.info.Name
		}
	case *subColRef:
		src, name = c.src, "a subquery column"
		if l, ok := c.inner.(*labelNode); ok {
			name = "subquery column " + l.name
		}
	}
	if src == nil || !oc.nullable[src.identity()] || canBeNull[T]() {
		return
	}
	r.strict = &strictRead[T]{name: name}
}

// strictRead reads a column of a non-nullable Go type from the optional
// side of an outer join: NULL is an error naming the column.
type strictRead[T any] struct {
	v    sql.Null[T]
	name string
}

func (s *strictRead[T]) finish() (T, error) {
	v := s.v
	s.v = sql.Null[T]{}
	if !v.Valid {
		var zero T
		return zero, fmt.Errorf("quarry: %s is NULL in a row: it comes from the optional side of an outer join, so read it as quarry.Nullable(column), a %v", s.name, reflect.TypeFor[*T]())
	}
	return v.V, nil
}

// canBeNull reports whether a T can hold SQL NULL: a pointer, an
// interface, sql.Null or a sql.Scanner.
func canBeNull[T any]() bool {
	var z T
	switch any(z).(type) {
	case string, int, int64, int32, int16, bool, float64, float32, time.Time, []byte:
		return false
	}
	t := reflect.TypeFor[T]()
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		return true
	}
	return reflect.PointerTo(t).Implements(schema.ScannerType)
}

// The composite readers pass the marking on to their items, in order.

func (r *reader2[A, B]) markOptional(oc *optCtx) { markReader(r.a, oc); markReader(r.b, oc) }

func (r *reader3[A, B, C]) markOptional(oc *optCtx) {
	markReader(r.a, oc)
	markReader(r.b, oc)
	markReader(r.c, oc)
}

func (r *reader4[A, B, C, D]) markOptional(oc *optCtx) {
	markReader(r.a, oc)
	markReader(r.b, oc)
	markReader(r.c, oc)
	markReader(r.d, oc)
}

func (r *reader5[A, B, C, D, E]) markOptional(oc *optCtx) {
	markReader(r.a, oc)
	markReader(r.b, oc)
	markReader(r.c, oc)
	markReader(r.d, oc)
	markReader(r.e, oc)
}
