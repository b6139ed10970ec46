package quarry

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"sync"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// identKey names one row of one table: the identity under which a Session
// keeps the single object that stands for it. A single integer primary key
// is held in n and a single string key in s, so the common lookups hash
// two words and allocate nothing; other keys (composite, time, bytes) are
// encoded into s by appendKeyPart, in an order-preserving form so that
// sorting by key sorts by primary key.
type identKey struct {
	t *table
	n int64
	s string
}

func (k identKey) less(o identKey) bool { return k.compare(o) < 0 }

func (k identKey) compare(o identKey) int {
	switch {
	case k.n < o.n:
		return -1
	case k.n > o.n:
		return 1
	case k.s < o.s:
		return -1
	case k.s > o.s:
		return 1
	}
	return 0
}

// keyKind says how a table's primary key is held in an identKey.
type keyKind uint8

const (
	keyInt     keyKind = iota // one integer column, in n
	keyString                 // one string column, in s
	keyEncoded                // anything else, encoded into s
)

// tableMeta is what the Session needs about a table beyond the mapping:
// how to read its key, snapshot its rows and write them. It is computed
// once per table, with reflection, and shared by every Session.
type tableMeta struct {
	t    *table
	kind keyKind
	// getInt reads the single integer key.
	getInt func(fp field.Ptr) int64
	// auto is the generated integer key (nil when keys are given by the
	// program), with its setter.
	auto    *schema.Column
	setAuto func(fp field.Ptr, v int64)
	// version is the optimistic-locking counter, with its accessors.
	version    *schema.Column
	getVersion func(fp field.Ptr) int64
	setVersion func(fp field.Ptr, v int64)
	// zero is a zero E, the source of zero field values.
	zero field.Ptr
	// ptrType is *E, for handing objects back as any.
	ptrType reflect.Type
	// relships are the table's relationships, in field order.
	relships []*relationship
	// sql caches rendered DML per dialect and shape (see flush.go).
	sql sync.Map
}

var metaByTable sync.Map // *table -> *tableMeta

func metaOf(t *table) *tableMeta {
	if m, ok := metaByTable.Load(t); ok {
		return m.(*tableMeta)
	}
	m := newTableMeta(t)
	actual, _ := metaByTable.LoadOrStore(t, m)
	return actual.(*tableMeta)
}

func newTableMeta(t *table) *tableMeta {
	m := &tableMeta{t: t, kind: keyEncoded}
	if t.GoType != nil { // association tables map no Go type
		m.zero, m.ptrType = t.newObj(), reflect.PointerTo(t.GoType)
	}
	if len(t.PK) == 1 {
		switch k := t.PK[0].GoType.Kind(); {
		case field.IsInt(k):
			m.kind = keyInt
			m.getInt, _ = field.Ints(k)
		case k == reflect.String:
			m.kind = keyString
		}
	}
	if len(t.PK) == 1 && t.PK[0].Autoinc && field.IsInt(t.PK[0].GoType.Kind()) {
		m.auto = t.PK[0]
		_, m.setAuto = field.Ints(m.auto.GoType.Kind())
	}
	for _, r := range t.relations {
		if r, ok := r.(*relationship); ok {
			m.relships = append(m.relships, r)
		}
	}
	if v := t.Version; v != nil && field.IsInt(v.GoType.Kind()) {
		m.version = v
		m.getVersion, m.setVersion = field.Ints(v.GoType.Kind())
	}
	return m
}

// keyOf returns the identity of the row an object stands for.
func (m *tableMeta) keyOf(obj field.Ptr) identKey {
	switch m.kind {
	case keyInt:
		return identKey{t: m.t, n: m.getInt(m.t.PK[0].Ptr(obj))}
	case keyString:
		return identKey{t: m.t, s: field.Get[string](m.t.PK[0].Ptr(obj))}
	}
	var b []byte
	for _, c := range m.t.PK {
		b = schema.AppendKeyPart(b, c.Value(c.Ptr(obj)))
	}
	return identKey{t: m.t, s: string(b)}
}

// keyOfArgs returns the identity named by primary-key values given in
// the order of the table's key columns, as Get takes them.
func (m *tableMeta) keyOfArgs(pk []any) (identKey, error) {
	if len(pk) != len(m.t.PK) {
		return identKey{}, invalidArg("%v has a primary key of %d column(s), got %d value(s)", m.t, len(m.t.PK), len(pk))
	}
	switch m.kind {
	case keyInt:
		n, ok := schema.ArgInt(pk[0])
		if !ok {
			return identKey{}, invalidArg("%v: primary key value %v (%T) is not an integer", m.t, pk[0], pk[0])
		}
		return identKey{t: m.t, n: n}, nil
	case keyString:
		s, ok := schema.ArgString(pk[0])
		if !ok {
			return identKey{}, invalidArg("%v: primary key value %v (%T) is not a string", m.t, pk[0], pk[0])
		}
		return identKey{t: m.t, s: s}, nil
	}
	var b []byte
	for _, v := range pk {
		b = schema.AppendKeyPart(b, v)
	}
	return identKey{t: m.t, s: string(b)}, nil
}

// snapshot copies the columns of obj into a new E.
func (m *tableMeta) snapshot(obj field.Ptr) field.Ptr {
	p := m.t.newObj()
	m.copyColumns(p, obj)
	return p
}

func (m *tableMeta) copyColumns(dst, src field.Ptr) {
	for _, c := range m.t.Columns {
		c.Clone(c.Ptr(dst), c.Ptr(src))
	}
}

// changed appends the columns of obj that differ from snap.
func (m *tableMeta) changed(dst []*schema.Column, obj, snap field.Ptr) []*schema.Column {
	for _, c := range m.t.Columns {
		if !c.Equal(c.Ptr(obj), c.Ptr(snap)) {
			dst = append(dst, c)
		}
	}
	return dst
}

func (m *tableMeta) dirty(obj, snap field.Ptr) bool {
	for _, c := range m.t.Columns {
		if !c.Equal(c.Ptr(obj), c.Ptr(snap)) {
			return true
		}
	}
	return false
}

// isZero reports whether the field of c in obj holds its zero value.
func (m *tableMeta) isZero(c *schema.Column, obj field.Ptr) bool {
	return c.Equal(c.Ptr(obj), c.Ptr(m.zero))
}

func (m *tableMeta) setZero(c *schema.Column, obj field.Ptr) {
	c.Clone(c.Ptr(obj), c.Ptr(m.zero))
}

// keyUnset reports whether obj's key is one the database is to generate:
// a zero autoincrement key. Any other key, zero included, names a row.
func (m *tableMeta) keyUnset(obj field.Ptr) bool {
	return m.auto != nil && m.isZero(m.auto, obj)
}

// object returns obj as an any holding *E.
func (m *tableMeta) object(obj field.Ptr) any {
	return field.PointerTo(m.t.GoType, obj)
}

// ifaceData returns the pointer held by an interface value whose dynamic
// type is a pointer type, or nil for any other value.
func ifaceData(v any) field.Ptr {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return nil
	}
	return field.OfValue(rv)
}

// merge implements identityMap: it returns the one object of this
// Session for the row just read into obj. A row already present returns
// the object already there, unchanged, unless that object is expired (by
// Commit, Rollback or Refresh) and has no unflushed change, in which case
// its columns are refreshed from the row, or has columns expired by
// Expire or ExpireAll, which are refreshed unless changed since
// (session_expire.go). Rows are not refreshed otherwise, as in
// SQLAlchemy: within a transaction the Session's own view of an object
// wins.
func (s *Session) merge(t *table, obj field.Ptr, seq uint64) (field.Ptr, bool) {
	p, repeat, _ := s.mergeRow(t, obj, seq, runOptions{})
	return p, repeat
}

// revisit records that the held object st came back in the result seq,
// and under ForUpdate checks its version against the row in obj; repeat
// says the result had returned it already.
func (s *Session) revisit(st *objState, obj field.Ptr, seq uint64, o runOptions) (repeat bool, err error) {
	repeat = seq != 0 && st.result == seq
	if seq != 0 {
		st.result = seq
	}
	if o.lock {
		err = s.checkVersion(st, obj)
	}
	return repeat, err
}

// mergeRow is merge with the run options of the statement that read the
// row (statement_run.go): PopulateExisting overwrites the object, and
// ForUpdate checks its version first.
func (s *Session) mergeRow(t *table, obj field.Ptr, seq uint64, o runOptions) (field.Ptr, bool, error) {
	sm := s.sessionMeta(t)
	m := sm.tableMeta
	k := m.keyOf(obj)
	st := s.ids.get(k)
	if st == nil {
		st = s.newState(m, obj)
		st.key = k
		st.status = statusPersistent
		st.snap = sm.loadSnapshot(obj)
		st.committed = st.snap
		st.result = seq
		s.ids.put(k, st)
		s.lastNew = st
		return obj, false, nil
	}
	repeat, err := s.revisit(st, obj, seq, o)
	if err != nil {
		return st.obj, repeat, err
	}
	if !o.populate {
		switch st.expired {
		case expireSoft:
			if m.dirty(st.obj, st.snap) {
				s.refreshExpiredCols(st, obj)
				return st.obj, repeat, nil
			}
		case expireForce:
		case expireAll, expireCols, expireDeferred:
			s.refreshExpiredCols(st, obj)
			return st.obj, repeat, nil
		default:
			return st.obj, repeat, nil
		}
	}
	// obj was scanned for this call alone: copy it into the object the
	// program holds and keep obj itself as the snapshot.
	m.copyColumns(st.obj, obj)
	if st.committed == st.snap {
		// Not written in this transaction: the row is the last
		// committed state as far as this Session knows.
		st.committed = obj
	}
	st.snap = obj
	st.expired = 0
	s.forgetExpiredCols(st)
	return st.obj, repeat, nil
}

// tableReader reads whole rows of a table without knowing E statically,
// for Get and Refresh.
type tableReader struct {
	t   *table
	obj field.Ptr
	// ls is the columns read, nil for all (column_load.go).
	ls *loadSet
}

func (r *tableReader) prepare(dst []any) []any {
	r.obj = r.t.newObj()
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
	k, err := m.keyOfArgs(pk)
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

// identityIndex is the identity map's index of object states by key.
// Integer keys, the common case, live in a map keyed by table and integer
// alone, which hashes and grows markedly faster than the general key
// with its string.
type identityIndex struct {
	ints   map[intIdent]*objState
	others map[identKey]*objState
	// byObj finds a state by its object, for an object whose key the
	// program changed (its current key finds nothing). It is built on
	// first use and kept up to date from then on, so that a Session that
	// never needs it pays nothing, and one that does pays once.
	byObj map[field.Ptr]*objState
}

type intIdent struct {
	t *table
	n int64
}

// newIdentityIndex returns an index with room for size integer keys. The
// zero identityIndex is empty too: its maps are made at the first put.
func newIdentityIndex(size int) identityIndex {
	return identityIndex{ints: make(map[intIdent]*objState, size)}
}

// get returns the state under k, or nil. Keys with an empty string part
// are integer keys (encoded keys are never empty; a string key "" of a
// string-keyed table lands on (t, 0), which no other key of that table
// uses).
func (x *identityIndex) get(k identKey) *objState {
	if k.s == "" {
		return x.ints[intIdent{k.t, k.n}]
	}
	return x.others[k]
}

func (x *identityIndex) put(k identKey, st *objState) {
	if x.byObj != nil {
		if old := x.get(k); old != nil && old != st {
			delete(x.byObj, old.obj)
		}
		x.byObj[st.obj] = st
	}
	if k.s == "" {
		if x.ints == nil {
			x.ints = map[intIdent]*objState{}
		}
		x.ints[intIdent{k.t, k.n}] = st
		return
	}
	if x.others == nil {
		x.others = map[identKey]*objState{}
	}
	x.others[k] = st
}

func (x *identityIndex) del(k identKey) {
	if x.byObj != nil {
		if old := x.get(k); old != nil {
			delete(x.byObj, old.obj)
		}
	}
	if k.s == "" {
		delete(x.ints, intIdent{k.t, k.n})
		return
	}
	delete(x.others, k)
}

// findObj returns the state of the object p, whatever its key is now.
func (x *identityIndex) findObj(p field.Ptr) *objState {
	if x.byObj == nil {
		x.byObj = make(map[field.Ptr]*objState, x.len())
		for st := range x.all() {
			x.byObj[st.obj] = st
		}
	}
	return x.byObj[p]
}

func (x *identityIndex) len() int { return len(x.ints) + len(x.others) }

func (x *identityIndex) clear() {
	clear(x.ints)
	clear(x.others)
	x.byObj = nil
}

// all iterates over every state; deleting the current one is allowed.
func (x *identityIndex) all() iter.Seq[*objState] {
	return func(yield func(*objState) bool) {
		for _, st := range x.ints {
			if !yield(st) {
				return
			}
		}
		for _, st := range x.others {
			if !yield(st) {
				return
			}
		}
	}
}
