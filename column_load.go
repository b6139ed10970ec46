package quarry

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Partial loading: an entity read with some of its columns, as
// SQLAlchemy's deferred columns, load_only and an aliased entity over a
// subquery that selects only some of its columns.
//
// A column a statement does not load is left at its zero value in the
// object, and the Session records it as unloaded in the state expiry
// already uses (Session.expiredCols, with the object marked
// expireDeferred): the snapshot holds the zero value too, and the next
// statement that reads the column fills it, unless the program set it
// since. Unlike an expired object, a partially loaded one is loaded: Get
// returns it without SQL, as SQLAlchemy's identity map does.
//
// quarry cannot see an assignment, so the flush decides by value: an
// unloaded column is written only when its field differs from the zero
// value it was left at. Setting such a field to a non-zero value writes
// it, as SQLAlchemy writes a deferred attribute that was set; setting it
// to the zero value itself cannot be told from leaving it alone and
// writes nothing (load it first with [Session.LoadColumns]). The rule
// never writes a column the program did not change, which is the one a
// flush must keep: a zero written over a TEXT body it never read would
// lose data.

// expireDeferred: the columns in Session.expiredCols were not loaded
// (deferred, LoadOnly, a subquery that lacks them); the object is
// otherwise loaded, and the next load of those columns fills each one
// the program has not set since.
const expireDeferred expiry = 5

// loadSet is the columns a read of an entity loads, when not all.
type loadSet struct {
	// cols are the loaded columns, unloaded the others, in table order.
	cols, unloaded []*schema.Column
	// has is indexed by schema.Column.index.
	has []bool
}

// newLoadSet returns the columns of t that keep accepts, the primary key
// and version column always; nil when that is every column.
func newLoadSet(t *table, keep func(*schema.Column) bool) *loadSet {
	ls := &loadSet{has: make([]bool, len(t.Columns))}
	for _, c := range t.Columns {
		if c.PK || c == t.Version || keep(c) {
			ls.cols = append(ls.cols, c)
			ls.has[c.Index] = true
		} else {
			ls.unloaded = append(ls.unloaded, c)
		}
	}
	if len(ls.unloaded) == 0 {
		return nil
	}
	return ls
}

// columnsOf returns the columns a read of t through ls loads.
func (ls *loadSet) columnsOf(t *table) []*schema.Column {
	if ls == nil {
		return t.Columns
	}
	return ls.cols
}

// loads reports whether ls loads c (a nil ls loads every column).
func (ls *loadSet) loads(c *schema.Column) bool { return ls == nil || ls.has[c.Index] }

// loadSet returns the columns a SELECT of the entity of s loads: the
// table's columns not tagged deferred and, over a subquery, those the
// subquery selects.
func (s *source) loadSet() *loadSet {
	if s.sub != nil && !s.strict {
		return s.load
	}
	return s.table.defaultLoad
}

// subqueryLoad computes the columns an alias of t over sub loads.
func subqueryLoad(t *table, sub *subquery) *loadSet {
	return newLoadSet(t, func(c *schema.Column) bool { return !c.Deferred && sub.selects(c) })
}

// selects reports whether the subquery selects the mapped column info,
// by the rules of outputNameOf: by where the column comes from, never by
// its name.
func (s *subquery) selects(info *schema.Column) bool {
	for _, n := range s.core.selectItems() {
		if c, ok := unlabel(n).(*colRef); ok && c.info == info {
			return true
		}
	}
	return false
}

// StrictColumns makes an alias over a subquery ([FromSubquery]) load
// every column of its entity, so that a column the subquery does not
// select is an error when the statement is rendered. Without it such a
// column is left unloaded (see [LoadOnly]).
func StrictColumns() AliasOption {
	return func(s *source) { s.strict = true }
}

// colOptKind is the kind of a column loading option.
type colOptKind uint8

const (
	colLoadOnly colOptKind = iota + 1
	colDefer
	colUndefer
)

func (k colOptKind) String() string {
	return [...]string{"", "LoadOnly", "Defer", "Undefer"}[k]
}

// colOption is LoadOnly, Defer or Undefer after its types were checked.
type colOption struct {
	kind colOptKind
	src  *source
	cols []*colRef
	err  error
}

func (o *colOption) loaderKind() string { return o.kind.String() }

// colOpt is the Option[*E] of the column loading options.
type colOpt[E any] struct{ o *colOption }

func (o colOpt[E]) loader() loaderOption { return o.o }
func (colOpt[E]) optionFor(**E)          {}

func newColOpt[E any](kind colOptKind, of Source[E], cols []ColumnTarget) Option[*E] {
	o := &colOption{kind: kind}
	if of == nil || of.source() == nil || of.source().table == nil {
		o.err = fmt.Errorf("%w: %s of a zero table struct or alias", ErrInvalidArgument, kind)
		return colOpt[E]{o}
	}
	o.src = of.source()
	for i, c := range cols {
		var r *colRef
		if c != nil {
			r = c.targetColumn()
		}
		if r == nil {
			o.err = fmt.Errorf("%w: %s(%v): column %d is nil or a zero Column", ErrInvalidArgument, kind, o.src.table.GoType, i+1)
			return colOpt[E]{o}
		}
		if !o.src.table.is(r.info.Table) {
			o.err = fmt.Errorf("%w: %s(%v): %v is not a column of %v", ErrInvalidArgument, kind, o.src.table.GoType, r.info, o.src.table.GoType)
			return colOpt[E]{o}
		}
		o.cols = append(o.cols, r)
	}
	return colOpt[E]{o}
}

// LoadOnly makes a statement that selects the entity of of load only the
// columns cols, with the primary key and the version column, which it
// always loads: SQLAlchemy's load_only. The other columns are left at
// their zero value and unloaded; Go cannot intercept a field read, so an
// unloaded column is read with [Session.LoadColumns], or by any later
// statement that selects it (the Session fills it in the object it holds
// unless the program set it since), or selected in the first place with
// [Undefer].
//
//	users, err := quarry.Select(Users).
//		Options(quarry.LoadOnly(Users, Users.Name)).All(ctx, s)
//	// SELECT users.id, users.name FROM users
//
// A flush never writes an unloaded column unless its field was set to a
// value other than its zero value (quarry cannot see an assignment, and
// a zero written over a value never read would lose it): set a column to
// its zero value after loading it. cols must be columns of of's entity
// (of or its table struct); another table's column is an error wrapping
// [ErrInvalidArgument] before any SQL is sent, as is the option on a
// statement that does not select that one entity. The option applies to
// the statement's own rows; objects an eager load reads load every
// column.
func LoadOnly[E any](of Source[E], cols ...ColumnTarget) Option[*E] {
	return newColOpt(colLoadOnly, of, cols)
}

// Defer leaves the columns cols of of's entity out of the statement:
// SQLAlchemy's defer. They are unloaded as with [LoadOnly]. The primary
// key and version column cannot be deferred (an error).
func Defer[E any](of Source[E], cols ...ColumnTarget) Option[*E] {
	return newColOpt(colDefer, of, cols)
}

// Undefer loads the columns cols of of's entity in the statement though
// they are tagged deferred or left out by an earlier [LoadOnly] or
// [Defer]: SQLAlchemy's undefer. With no columns it loads every column
// (undefer("*")). Over a subquery, a column the subquery does not select
// cannot be undeferred (an error).
func Undefer[E any](of Source[E], cols ...ColumnTarget) Option[*E] {
	return newColOpt(colUndefer, of, cols)
}

// applyColumnOptions rewrites the entity columns of the statement c for
// the column options opts and returns the columns its reader loads; c
// must select one entity.
func applyColumnOptions(c *selectCore, opts []*colOption) (*loadSet, error) {
	var src *source
	if len(c.items) > 0 {
		if cr, ok := c.items[0].(*colRef); ok && cr.src.table != nil {
			src = cr.src
		}
	}
	if src == nil || c.from != nil || len(c.items) > len(src.table.Columns) {
		return nil, fmt.Errorf("%w: %s applies to a statement that selects one entity (quarry.Select(Users))", ErrInvalidArgument, opts[0].kind)
	}
	t := src.table
	loaded := make([]bool, len(t.Columns))
	for _, n := range c.items {
		cr, ok := n.(*colRef)
		if !ok || cr.src != src {
			return nil, fmt.Errorf("%w: %s applies to a statement that selects one entity (quarry.Select(Users))", ErrInvalidArgument, opts[0].kind)
		}
		loaded[cr.info.Index] = true
	}
	avail := func(*schema.Column) bool { return true }
	if src.sub != nil {
		avail = src.sub.selects
	}
	if err := applyColOpts(t, avail, loaded, opts); err != nil {
		return nil, err
	}
	ls := newLoadSet(t, func(col *schema.Column) bool { return loaded[col.Index] })
	items := make([]node, 0, len(t.Columns))
	for _, col := range ls.columnsOf(t) {
		items = append(items, &colRef{src: src, info: col})
	}
	c.items = items
	return ls, nil
}

// applyColOpts applies the column options opts, in order, to loaded, the
// columns of t loaded so far (by index); avail says which columns the
// FROM item can give.
func applyColOpts(t *table, avail func(*schema.Column) bool, loaded []bool, opts []*colOption) error {
	for _, o := range opts {
		if o.err != nil {
			return o.err
		}
		if o.src.table != t {
			return fmt.Errorf("%w: %s(%v) where %v is loaded", ErrInvalidArgument, o.kind, o.src.table.GoType, t.GoType)
		}
		switch o.kind {
		case colLoadOnly:
			keep := make([]bool, len(t.Columns))
			for _, cr := range o.cols {
				keep[cr.info.Index] = true
			}
			for _, col := range t.Columns {
				loaded[col.Index] = loaded[col.Index] && (keep[col.Index] || col.PK || col == t.Version)
				if keep[col.Index] && !loaded[col.Index] {
					if !avail(col) {
						return fmt.Errorf("%w: LoadOnly(%v): the subquery does not select %v", ErrInvalidArgument, t.GoType, col)
					}
					loaded[col.Index] = true
				}
			}
		case colDefer:
			for _, cr := range o.cols {
				if cr.info.PK || cr.info == t.Version {
					return fmt.Errorf("%w: Defer(%v): %v is the primary key or version column, which every load needs", ErrInvalidArgument, t.GoType, cr.info)
				}
				loaded[cr.info.Index] = false
			}
		case colUndefer:
			if len(o.cols) == 0 {
				for _, col := range t.Columns {
					loaded[col.Index] = loaded[col.Index] || avail(col)
				}
			}
			for _, cr := range o.cols {
				if !avail(cr.info) {
					return fmt.Errorf("%w: Undefer(%v): the subquery does not select %v", ErrInvalidArgument, t.GoType, cr.info)
				}
				loaded[cr.info.Index] = true
			}
		}
	}
	return nil
}

// targetLoad returns the columns a load of rel reads of its target: those
// not tagged deferred, changed by the column options opts given under the
// relationship's loader (SelectIn(Users.Orders, LoadOnly(Orders, ...))),
// and always the columns that tie a row to its parent.
func (rel *relationship) targetLoad(opts []*colOption) (*loadSet, error) {
	t := rel.target
	if len(opts) == 0 && t.defaultLoad == nil {
		return nil, nil // every column: the common case allocates nothing
	}
	loaded := make([]bool, len(t.Columns))
	for _, c := range t.Columns {
		loaded[c.Index] = !c.Deferred
	}
	if err := applyColOpts(t, func(*schema.Column) bool { return true }, loaded, opts); err != nil {
		return nil, err
	}
	for _, c := range rel.targetCols() {
		if t.is(c.Table) {
			loaded[c.Index] = true
		}
	}
	return newLoadSet(t, func(c *schema.Column) bool { return loaded[c.Index] }), nil
}

// partialReader is implemented by the reader of a whole entity, whose
// loaded columns the column options set.
type partialReader interface{ setLoad(*loadSet) }

func (r *entityReader[E]) setLoad(ls *loadSet) { r.ls = ls }

// partialMerger is implemented by the identity maps that record which
// columns a row loaded (the Session); others merge rows whole.
type partialMerger interface {
	mergeCols(t *table, obj field.Ptr, seq uint64, ls *loadSet) (field.Ptr, bool)
}

// mergeCols is merge for a row that loaded the columns ls only (all
// when ls is nil).
func (rc *readCtx) mergeCols(t *table, obj field.Ptr, ls *loadSet) field.Ptr {
	pm, ok := rc.ids.(partialMerger)
	if ls == nil || !ok {
		return rc.merge(t, obj)
	}
	got, repeat := pm.mergeCols(t, obj, rc.seq, ls)
	rc.repeat = repeat
	if got == obj {
		rc.afterLoad(t, obj)
	}
	return got
}

func (s *Session) mergeCols(t *table, obj field.Ptr, seq uint64, ls *loadSet) (field.Ptr, bool) {
	p, repeat, _ := s.mergeRowCols(t, obj, seq, runOptions{}, ls)
	return p, repeat
}

func (r *runIDs) mergeCols(t *table, obj field.Ptr, seq uint64, ls *loadSet) (field.Ptr, bool) {
	p, repeat, err := r.s.mergeRowCols(t, obj, seq, r.o, ls)
	if err != nil && r.err == nil {
		r.err = err
	}
	return p, repeat
}

// mergeRowCols is mergeRow for a row that loaded the columns of ls
// only: a new object records the others as unloaded; a held one takes
// from the row the loaded columns it is due to refresh (as mergeRow
// decides, the program's unflushed changes kept) and keeps the others,
// those it was due to refresh staying unloaded or expired.
func (s *Session) mergeRowCols(t *table, obj field.Ptr, seq uint64, o runOptions, ls *loadSet) (field.Ptr, bool, error) {
	if ls == nil {
		return s.mergeRow(t, obj, seq, o)
	}
	m := s.meta(t)
	k := m.KeyOf(obj)
	st := s.ids.get(k)
	if st == nil {
		p, repeat, err := s.mergeRow(t, obj, seq, o)
		if st = s.ids.get(k); st != nil && st.obj == p {
			st.expired = expireDeferred
			s.setExpiredCols(st, slices.Clone(ls.unloaded))
		}
		return p, repeat, err
	}
	repeat, err := s.revisit(st, obj, seq, o)
	if err != nil {
		return st.obj, repeat, err
	}
	// all: every column is due (force: even one the program changed);
	// otherwise those in list.
	var all, force bool
	list := s.expiredCols[st]
	switch {
	case o.populate || st.expired == expireForce:
		all, force = true, true
	case st.expired == expireAll:
		all = true
	case st.expired == expireSoft && !m.Dirty(st.obj, st.snap):
		all, force = true, true
	case st.expired == 0:
		return st.obj, repeat, nil
	}
	old, row := st.snap, obj
	var rest []*schema.Column
	for _, c := range m.t.Columns {
		due := all || slices.Contains(list, c)
		switch {
		case due && ls.has[c.Index]:
			if force || c.Equal(c.Ptr(st.obj), c.Ptr(old)) {
				c.Clone(c.Ptr(st.obj), c.Ptr(row))
			} else {
				c.Clone(c.Ptr(row), c.Ptr(old))
			}
		case due && (st.expired != 0 || slices.Contains(list, c)):
			// Due but not in the row: it stays to be loaded.
			rest = append(rest, c)
			c.Clone(c.Ptr(row), c.Ptr(old))
		default:
			c.Clone(c.Ptr(row), c.Ptr(old))
		}
	}
	if st.committed == old {
		st.committed = row
	}
	st.snap = row
	switch {
	case st.expired == expireSoft && !all:
		// A changed object after Commit stays soft-expired.
	case len(rest) == 0:
		st.expired = 0
	case st.expired == 0 || st.expired == expireDeferred || onlyDeferred(rest):
		// What is left is unloaded, not stale: Get need not reload it
		// (a reload would leave the deferred columns out again).
		st.expired = expireDeferred
	default:
		st.expired = expireCols
	}
	s.forgetExpiredCols(st)
	if len(rest) > 0 {
		s.setExpiredCols(st, rest)
	}
	return st.obj, repeat, nil
}

// onlyDeferred reports whether every column of cols is tagged deferred.
func onlyDeferred(cols []*schema.Column) bool {
	for _, c := range cols {
		if !c.Deferred {
			return false
		}
	}
	return true
}

// setExpiredCols records cols as the expired or unloaded columns of st.
func (s *Session) setExpiredCols(st *objState, cols []*schema.Column) {
	if s.expiredCols == nil {
		s.expiredCols = map[*objState][]*schema.Column{}
	}
	s.expiredCols[st] = cols
}

// loaded reports whether the state's columns count as loaded for Get:
// not expired, or only some unloaded.
func (st *objState) loaded() bool { return st.expired == 0 || st.expired == expireDeferred }

// LoadColumns loads the columns of a persistent object that a statement
// left unloaded (tagged deferred, left out by [LoadOnly] or [Defer], or
// not selected by the subquery an alias reads), as reading a deferred
// attribute does in SQLAlchemy: one SELECT of those columns by primary
// key, without autoflush. fields are Go field names of the entity
// struct, as [Session.Expire] takes them; none loads every unloaded
// column. A named column already loaded is not read again (Refresh
// reloads loaded columns), and a column the program set since it was
// left unloaded keeps the program's value, which the next flush writes.
// When nothing named is unloaded, LoadColumns sends no SQL. On an
// expired object (after Commit, Rollback or Expire) it reloads the named
// columns, every column when none is named.
//
// It returns an error wrapping [ErrNotInSession] for an object that is
// not persistent in the Session, one naming a field that is not a column,
// and one wrapping [ErrNoResult] when the row is gone (the object is
// then expunged).
func (s *Session) LoadColumns(ctx context.Context, obj any, fields ...string) error {
	if err := s.usable(); err != nil {
		return err
	}
	m, st, err := s.stateOfObj(obj)
	if err != nil {
		return err
	}
	if st == nil || st.status != statusPersistent {
		return fmt.Errorf("%w: LoadColumns of the %v at %p, which is not persistent in the Session", ErrNotInSession, m.PtrType, obj)
	}
	want, err := expireColumns(m, "LoadColumns", fields)
	if err != nil {
		return err
	}
	var due []*schema.Column
	if st.loaded() {
		for _, c := range s.expiredCols[st] {
			if want == nil || slices.Contains(want, c) {
				due = append(due, c)
			}
		}
		if len(due) == 0 {
			return nil
		}
	} else if due = want; due == nil {
		due = m.t.Columns
	}
	ls := newLoadSet(m.t, func(c *schema.Column) bool { return slices.Contains(due, c) })
	if _, err := s.loadByKey(ctx, m, ls, keyValues(m, st.snap), false); err != nil {
		if errors.Is(err, ErrNoResult) {
			s.forgetVanished(st)
		}
		return wrapErr(err, "loading columns of %v", m.t.GoType)
	}
	return nil
}

// Unloaded returns the Go field names of the columns of an object the
// Session holds whose values it has not loaded, in table order, as
// SQLAlchemy's inspect(obj).unloaded: those a statement left unloaded
// (see [LoadOnly]) and those expired by [Session.Expire] or
// [Session.ExpireAll]; nil when there are none or obj is not held. (The
// soft expiry of every object after Commit is not counted: it refreshes
// only what the program has not changed.)
func (s *Session) Unloaded(obj any) []string {
	m, st, err := s.stateOfObj(obj)
	if err != nil {
		return nil
	}
	if st == nil {
		return nil
	}
	all := st.expired == expireAll
	var out []string
	for _, c := range m.t.Columns {
		if all || slices.Contains(s.expiredCols[st], c) {
			out = append(out, c.Field)
		}
	}
	return out
}

// loadOwnerCols loads, before a load of rel, the columns its keys are
// read from (a many-to-one's foreign key) where a statement left them
// unloaded in parents and the program has not set them: the load would
// otherwise look for the zero key. One SELECT per such parent, through
// the load's connection; parents fully loaded cost nothing.
func (lc *loadCtx) loadOwnerCols(rel *relationship, parents []field.Ptr) error {
	s := lc.sess
	if s == nil || len(s.expiredCols) == 0 {
		return nil
	}
	m := s.meta(rel.owner)
	owner := rel.ownerCols()
	for _, p := range parents {
		st := s.stateOf(m, p)
		if st == nil || st.status != statusPersistent || st.obj != p {
			continue
		}
		list := s.expiredCols[st]
		var due []*schema.Column
		for _, c := range owner {
			if slices.Contains(list, c) && c.Equal(c.Ptr(st.obj), c.Ptr(st.snap)) {
				due = append(due, c)
			}
		}
		if len(due) == 0 {
			continue
		}
		ls := newLoadSet(m.t, func(c *schema.Column) bool { return slices.Contains(due, c) })
		q := byKeyQuery(m.t, ls, keyValues(m, st.snap))
		r, err := execute(lc.ctx, lc.held, q, func() rowReader[field.Ptr] { return &tableReader{t: m.t, ls: ls} })
		if err != nil {
			return err
		}
		if _, err := r.One(); err != nil {
			return err
		}
	}
	return nil
}
