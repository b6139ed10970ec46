package quarry

import (
	"context"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/uow"
)

// rowReader reads one selected item from each row: it hands out scan
// destinations, then builds the item from what was scanned. Readers are
// built once per result and reused for every row.
type rowReader[T any] interface {
	prepare(dst []any) []any
	finish(rc *readCtx) (T, error)
}

// readCtx is what readers share while reading one result.
type readCtx struct {
	// ids merges entities into a Session's identity map; nil outside a
	// Session, where every row is a new object.
	ids identityMap
	// seq, when not zero, numbers the Result among its Session's results,
	// and repeat reports that the entity the row just merged was merged
	// for this Result before: the Result skips it. Stamping the object's
	// state is how a Result of one entity de-duplicates its rows (Unique,
	// or a Joined collection load), with no set of its own.
	seq    uint64
	repeat bool
	// ctx is the context of the statement, for AfterLoad hooks; hookErr
	// is the first error of one, which ends the Result.
	ctx     context.Context
	hookErr error
}

// identityMap is implemented by the Session, and by the identity map of
// an eager load outside a Session.
type identityMap interface {
	// merge returns the one object that stands for the row just read into
	// obj: obj itself when its identity is new, otherwise the object
	// already present (refreshed from obj unless it has unflushed
	// changes). With a non-zero seq it stamps the object, and repeat
	// reports that it bore that stamp already.
	merge(t *table, obj field.Ptr, seq uint64) (_ field.Ptr, repeat bool)
}

// merge merges the row's entity into the identity map, noting a repeat.
// A row that is a new identity merges as the scanned object itself: it
// is a new object, whose AfterLoad runs.
func (rc *readCtx) merge(t *table, obj field.Ptr) field.Ptr {
	got, repeat := rc.ids.merge(t, obj, rc.seq)
	rc.repeat = repeat
	if got == obj {
		rc.afterLoad(t, obj)
	}
	return got
}

// valueReader reads one column into a T.
type valueReader[T any] struct {
	v T
	// strict is set for a column from the optional side of an outer join
	// read as a non-nullable T (outerjoin.go).
	strict *strictRead[T]
}

func (r *valueReader[T]) prepare(dst []any) []any {
	if r.strict != nil {
		return append(dst, &r.strict.v)
	}
	return append(dst, &r.v)
}

func (r *valueReader[T]) finish(*readCtx) (T, error) {
	if r.strict != nil {
		return r.strict.finish()
	}
	v := r.v
	var zero T
	r.v = zero
	return v, nil
}

func (e Expr[T]) newReader() rowReader[T] { return &valueReader[T]{} }

// entityReader reads the mapped columns of E into a new *E per row.
type entityReader[E any] struct {
	t   *table
	obj *E
	// ls is the columns read, nil for all (column_load.go).
	ls *loadSet
	// opt is set when the entity is on the optional side of an outer
	// join (outerjoin.go).
	opt *optionalRow
	// objs allocates the objects.
	objs uow.Objects[E]
}

func (e Entity[E]) selectNodes() []node {
	if e.src == nil {
		return []node{errNode{err: errZeroSource}}
	}
	cols := e.src.loadSet().columnsOf(e.src.table)
	ns := make([]node, len(cols))
	for i, c := range cols {
		ns[i] = &colRef{src: e.src, info: c}
	}
	return ns
}

func (e Entity[E]) newReader() rowReader[*E] {
	if e.src == nil {
		// Never read: a statement selecting a zero Entity fails to render.
		return &entityReader[E]{t: &table{}}
	}
	return &entityReader[E]{t: e.src.table, ls: e.src.loadSet()}
}

func (r *entityReader[E]) prepare(dst []any) []any {
	if r.opt != nil {
		return r.opt.prepare(dst)
	}
	r.obj = r.objs.Next()
	p := field.Of(r.obj)
	for _, c := range r.ls.columnsOf(r.t) {
		dst = append(dst, c.Dest(c.Ptr(p)))
	}
	return dst
}

func (r *entityReader[E]) finish(rc *readCtx) (*E, error) {
	if r.opt != nil {
		return r.readOptional(rc)
	}
	if rc.ids == nil {
		rc.afterLoad(r.t, field.Of(r.obj))
		return r.obj, nil
	}
	p := field.Of(r.obj)
	got := rc.mergeCols(r.t, p, r.ls)
	if s, ok := rc.ids.(*Session); ok && got == p {
		s.allocatedIn(p, r.objs.Weak())
	}
	return field.As[E](got), nil
}

// uniquer is implemented by readers whose value is the one entity each
// row merges, so that in a Session a Result that de-duplicates can do it
// by stamping (readCtx.seq) rather than with a set (unique.go).
type uniquer interface{ unique() bool }

func (*entityReader[E]) unique() bool { return true }
