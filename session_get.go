package quarry

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
)

// tableReader reads whole rows of a table without knowing E statically,
// for Get and Refresh.
type tableReader struct {
	t   *table
	obj field.Ptr
	// ls is the columns read, nil for all (column_load.go).
	ls *loadSet
}

func (r *tableReader) prepare(dst []any) []any {
	r.obj = r.t.Alloc.New()
	for _, c := range r.ls.columnsOf(r.t) {
		dst = append(dst, c.Dest(c.Ptr(r.obj)))
	}
	return dst
}

func (r *tableReader) finish(rc *readCtx) (field.Ptr, error) {
	if rc.ids == nil {
		rc.afterLoad(r.t, r.obj)
		return r.obj, nil
	}
	return rc.mergeCols(r.t, r.obj, r.ls), nil
}

// byKeyQuery builds SELECT <columns> FROM t WHERE <pk> = ... for values
// given in key-column order.
func byKeyQuery(t *table, ls *loadSet, pk []any) *selectCore {
	src := t.base
	cols := ls.columnsOf(t)
	items := make([]node, len(cols))
	for i, c := range cols {
		items[i] = &colRef{src: src, info: c}
	}
	where := make([]node, len(t.PK))
	for i, c := range t.PK {
		where[i] = &binaryNode{left: &colRef{src: src, info: c}, op: " = ", right: &valueNode{v: copyArg(pk[i])}}
	}
	return &selectCore{items: items, where: where}
}

// copyArg returns v re-boxed, so that the caller's value does not escape
// through the statement: Get of an object already in the identity map
// then allocates nothing.
func copyArg(v any) any {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return x
	case int32:
		return x
	case string:
		return x
	case nil:
		return nil
	}
	rv := reflect.ValueOf(v)
	c := reflect.New(rv.Type()).Elem()
	c.Set(rv)
	return c.Interface()
}

// Get returns the object of src's entity with the given primary key
// (values in the order of the key columns, for composite keys). An object
// already in the Session's identity map is returned without SQL, unless
// it is expired (after Commit or Rollback), in which case it is reloaded
// (one partially loaded, see [LoadOnly], counts as loaded);
// otherwise Get autoflushes and selects the row. It returns [ErrNoResult]
// when no row has the key, and for an object the Session has marked for
// deletion. An expired object whose row is gone (deleted by another
// Session since this one committed) is expunged from the Session, so a
// later query or Get does not return it again.
//
// The key values are checked when Get runs. A table struct that embeds
// [Keyed] has typed keys instead, through its own Get method
// (Users.Get(ctx, s, 7)), and Get does not compile for it.
func Get[E any](ctx context.Context, s *Session, src UntypedKeySource[E], pk ...any) (*E, error) {
	if src == nil {
		return nil, errZeroSource
	}
	return getObj[E](ctx, s, src.source(), pk)
}

// getObj is Get of the table of src, for keys given in key-column order.
func getObj[E any](ctx context.Context, s *Session, src *source, pk []any) (*E, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if src == nil {
		return nil, errZeroSource
	}
	p, err := s.get(ctx, src.table, pk)
	return field.As[E](p), err
}

func (s *Session) get(ctx context.Context, t *table, pk []any) (field.Ptr, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	m := s.meta(t)
	st, err := s.heldByKey(m, pk)
	if err != nil {
		return nil, err
	}
	if st != nil && st.loaded() {
		return st.obj, nil
	}
	p, err := s.loadByKey(ctx, m, t.defaultLoad, pk, s.autoflush)
	if st != nil && errors.Is(err, ErrNoResult) && !s.crit.hides(t) {
		s.forgetVanished(st)
	}
	return p, err
}

// heldByKey returns the Session's state of the row of m whose primary key
// is pk, nil when it holds none, and ErrNoResult when the Session deleted
// the row.
func (s *Session) heldByKey(m *tableMeta, pk []any) (*objState, error) {
	k, err := m.KeyOfValues(pk)
	if err != nil {
		return nil, err
	}
	st := s.ids.get(k)
	if st != nil && st.status == statusDeleted {
		return nil, ErrNoResult
	}
	return st, nil
}

// forgetVanished expunges the object of a row found gone: the identity
// map must not hand out an object for a row that no longer exists.
func (s *Session) forgetVanished(st *objState) {
	if s.ids.get(st.key) == st {
		s.detach(st)
	}
}

func (s *Session) loadByKey(ctx context.Context, m *tableMeta, ls *loadSet, pk []any, autoflush bool) (field.Ptr, error) {
	q := byKeyQuery(m.t, ls, pk)
	ex := Executor(s)
	if !autoflush {
		ex = noFlush{s}
	}
	r, err := execute(ctx, ex, q, func() rowReader[field.Ptr] { return &tableReader{t: m.t, ls: ls} })
	if err != nil {
		return nil, err
	}
	return r.One()
}

// noFlush runs a statement in the Session without autoflush.
type noFlush struct{ s *Session }

func (n noFlush) acquire(ctx context.Context, write bool) (*execConn, error) {
	return n.s.conn(ctx, false, write)
}

// Refresh reloads the columns of a persistent object from its row,
// discarding its unflushed changes (no autoflush runs first), then
// reloads its loaded relationship fields the same way: each loaded
// collection is read again (members others added appear; members the
// program appended and did not flush leave it, those it removed come
// back), and each loaded many-to-one field points at the row its
// refreshed foreign key names, one SELECT per relationship. The objects
// related are not refreshed themselves, and none leaves the Session: a
// pending child whose append to the collection was discarded stays
// pending, as it was added (by Add or by the save-update cascade), and
// its own fields decide at the next flush where, and whether, it goes, as
// in SQLAlchemy. It returns
// an error wrapping [ErrNoResult] when the row no longer exists, and then
// expunges the object; [ErrNotInSession] when obj is not persistent in
// the Session.
func (s *Session) Refresh(ctx context.Context, obj any) error {
	if err := s.usable(); err != nil {
		return err
	}
	m, p, err := s.objMeta(obj)
	if err != nil {
		return err
	}
	st := s.stateOf(m, p)
	if st == nil || st.status == statusPending {
		return fmt.Errorf("%w: Refresh of %v that is not persistent", ErrNotInSession, m.t.GoType)
	}
	pk := make([]any, len(m.t.PK))
	for i, c := range m.t.PK {
		pk[i] = c.Value(c.Ptr(st.snap))
	}
	st.expired = expireForce
	if _, err := s.loadByKey(ctx, m, nil, pk, false); err != nil {
		if errors.Is(err, ErrNoResult) {
			s.forgetVanished(st)
		}
		return wrapErr(err, "refreshing %v", m.t.GoType)
	}
	if err := s.refreshRelations(ctx, m, p); err != nil {
		return wrapErr(err, "refreshing %v", m.t.GoType)
	}
	return nil
}
