package quarry

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Merge copies the state of obj, an object the Session does not hold (one
// decoded from JSON, or loaded by another Session), onto the Session's
// own object for the same row, and returns that object: SQLAlchemy's
// Session.merge. obj itself never enters the Session.
//
//   - If obj is already the Session's object (pending or persistent), Merge
//     returns it unchanged.
//   - Otherwise the Session's object for obj's primary key is found: in the
//     identity map (no SQL; an expired object is reloaded first), among the
//     pending objects, or else loaded from the database with one SELECT by
//     key. obj's column values are copied onto it, so the next flush
//     UPDATEs exactly the columns that differ from the row.
//   - When no row has the key, or the key is zero (an unset autoincrement
//     key means "new"), Merge creates a pending copy of obj, inserted at the
//     next flush, and returns it.
//   - Relationships with the merge cascade (part of the default cascade and
//     of cascade=all) are followed: each object of a loaded (non-nil)
//     collection of obj and a non-nil many-to-one (or one-to-one) field of
//     obj is merged in turn, and the returned object's field is set to the
//     merged objects. A nil collection in obj means "not loaded" and leaves
//     the Session's collection alone. Before a persistent object's
//     collection is replaced it is loaded (one SELECT, unless already
//     loaded), so members left out of obj's collection are handled by the
//     relationship's cascade at flush: delete-orphan deletes them, otherwise
//     their foreign key is set to NULL.
//   - A graph that refers back to itself is merged once per object (by
//     address), in field order and collection order.
//   - A table with a version column: obj's version must be zero (merge onto
//     the current version) or equal to the Session's object's, otherwise
//     Merge fails with an error wrapping [ErrStale]. The Session keeps
//     managing the counter.
//
// Merge autoflushes once before it starts (when autoflush is on), as
// SQLAlchemy does, and not during the merge. It returns an error, and
// changes no object of the Session, when a SELECT fails, obj is nil or not
// mapped, or a key names a row marked for deletion in the Session; rows
// loaded before the failure stay in the identity map, as after a query.
func Merge[E any](ctx context.Context, s *Session, obj *E) (*E, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, invalidArg("nil *%v in Merge", reflect.TypeFor[E]())
	}
	m := s.db.md.metaOfType(reflect.TypeFor[*E]())
	if m == nil {
		return nil, fmt.Errorf("%w: %v is not mapped", ErrNotMapped, reflect.TypeFor[E]())
	}
	s.meta(m.t)
	if err := s.configureMetadata(); err != nil {
		return nil, err
	}
	if s.autoflush {
		if err := s.Flush(ctx); err != nil {
			return nil, err
		}
	}
	mg := &merger{s: s, ctx: ctx, memo: map[mergeKey]*mergeNode{}, byKey: map[identKey]*mergeNode{}}
	root, err := mg.visit(m, field.Of(obj))
	if err != nil {
		return nil, err
	}
	mg.apply(root)
	return field.As[E](root.dst), nil
}

// merger is one Merge call. It runs in two passes so that a failure
// leaves the Session as it was: visit finds (and loads) the Session's
// object for every object reached, which is all the I/O and every check;
// apply then copies values and registers pending copies, which cannot
// fail.
type merger struct {
	s   *Session
	ctx context.Context
	// memo maps each object reached to its node, so a cycle or an object
	// reached twice is merged once.
	memo map[mergeKey]*mergeNode
	// byKey maps a set primary key to the first node found for it,
	// so two given objects with one key merge onto one object of the
	// Session (SQLAlchemy's _resolve_conflict_map).
	byKey map[identKey]*mergeNode
	// order lists the nodes as first reached (depth first, in field and
	// collection order): the order apply copies and adds them in.
	order []*mergeNode
	// pendingKeys indexes the Session's pending objects with a set
	// key, built when first needed.
	pendingKeys map[identKey]*objState
}

// mergeKey names one given object; the table tells apart objects at one
// address (a struct and its first field).
type mergeKey struct {
	t *table
	p field.Ptr
}

// mergeNode is one given object (src) and the Session's object it merges
// onto (dst).
type mergeNode struct {
	m        *tableMeta
	src, dst field.Ptr
	// same says src is the Session's own object: nothing to copy.
	same bool
	// isNew says dst is a copy of src made by this Merge, to add.
	isNew bool
}

// visit finds the Session's object for src and, for an object not the
// Session's own, visits what its merge-cascade relationships hold.
func (mg *merger) visit(m *tableMeta, src field.Ptr) (*mergeNode, error) {
	mk := mergeKey{m.t, src}
	if n := mg.memo[mk]; n != nil {
		return n, nil
	}
	s := mg.s
	n := &mergeNode{m: m, src: src}
	if st := s.stateOf(m, src); st != nil && st.status >= statusPending && st.status <= statusDeleted {
		// Already the Session's: returned as it is, no cascade (as
		// SQLAlchemy does when the merged state is the given one).
		n.dst, n.same = src, true
		mg.memo[mk] = n
		mg.order = append(mg.order, n)
		return n, nil
	}
	if err := mg.find(n); err != nil {
		return nil, err
	}
	mg.memo[mk] = n
	mg.order = append(mg.order, n)
	if !n.isNew {
		if err := mg.loadFields(n); err != nil {
			return nil, err
		}
	}
	for _, r := range m.t.relations {
		if !mergeFollows(r) {
			continue
		}
		tm := s.meta(r.target)
		for _, c := range r.members(src) {
			if c == nil {
				continue
			}
			if _, err := mg.visit(tm, c); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}

// mergeFollows reports whether Merge follows r: a configured relationship
// with the merge cascade whose field holds objects (not a dynamic one).
func mergeFollows(r *relationship) bool {
	return r.target != nil && r.Lazy != schema.LoadDynamic && r.Cascade.Has(schema.CascadeMerge)
}

// find sets n.dst: the Session's object with src's key, or a new copy.
func (mg *merger) find(n *mergeNode) error {
	s, m := mg.s, n.m
	if m.KeyUnset(n.src) {
		n.dst, n.isNew = m.t.Alloc.New(), true // an unset key: a new row
		return nil
	}
	k := m.KeyOf(n.src)
	if o := mg.byKey[k]; o != nil {
		n.dst = o.dst // the first node with k adds it if new
		if o.isNew {
			return nil
		}
		return mg.checkVersion(n)
	}
	defer func() { mg.byKey[k] = n }()
	if st := s.ids.get(k); st != nil {
		if st.status == statusDeleted {
			return fmt.Errorf("%w: Merge of a %v whose row is marked for deletion in this Session (primary key %v)", ErrInvalidArgument, m.t.GoType, keyValues(m, n.src))
		}
		if st.loaded() {
			n.dst = st.obj
			return mg.checkVersion(n)
		}
		// Expired (after Commit or Rollback): reload, so the changes are
		// computed against the row as it is now.
	} else if st := mg.pendingKey(k); st != nil {
		n.dst = st.obj
		return nil
	}
	p, err := s.loadByKey(mg.ctx, m, nil, keyValues(m, n.src), false)
	switch {
	case errors.Is(err, ErrNoResult):
		if st := s.ids.get(k); st != nil {
			s.forgetVanished(st) // an expired object whose row is gone
		}
		n.dst, n.isNew = m.t.Alloc.New(), true
		return nil
	case err != nil:
		return wrapErr(err, "merging %v", m.t.GoType)
	}
	n.dst = p
	return mg.checkVersion(n)
}

// pendingKey returns the pending object of the Session with key k, or
// nil: the first in Add order, as the flush would report the others.
func (mg *merger) pendingKey(k identKey) *objState {
	if mg.pendingKeys == nil {
		mg.pendingKeys = map[identKey]*objState{}
		for _, st := range mg.s.livePending() {
			if st.m.KeyUnset(st.obj) {
				continue
			}
			pk := st.m.KeyOf(st.obj)
			if mg.pendingKeys[pk] == nil {
				mg.pendingKeys[pk] = st
			}
		}
	}
	return mg.pendingKeys[k]
}

// checkVersion refuses to merge a version other than the one the Session
// holds: the given object was read before a change it would overwrite. A
// zero version merges onto the current one (SQLAlchemy's StaleDataError,
// "leave the version attribute unset").
func (mg *merger) checkVersion(n *mergeNode) error {
	m := n.m
	if m.Version == nil {
		return nil
	}
	given, held := m.GetVersion(m.Version.Ptr(n.src)), m.GetVersion(m.Version.Ptr(n.dst))
	if given == 0 || given == held {
		return nil
	}
	return fmt.Errorf("%w: Merge of %v %v at version %d, but the Session holds it at version %d: leave the version zero to merge onto the current version", ErrStale, m.t.GoType, keyValues(m, n.src), given, held)
}

// loadFields loads the fields of a persistent dst that the merge will
// replace and that are not loaded, so that the flush compares the new
// content with what the database holds: a member left out is then an
// orphan or unlinked, as the relationship's cascade says. Many-to-one
// fields need no load: the foreign key tells the flush what they held.
func (mg *merger) loadFields(n *mergeNode) error {
	s := mg.s
	for _, r := range n.m.t.relations {
		if !mergeFollows(r) || r.Dir == schema.DirManyToOne || r.base == nil {
			continue
		}
		if r.Scalar && r.Get(n.src) == nil || !r.Scalar && r.IsNil(n.src) {
			continue // obj's field not loaded: the merge leaves dst's alone
		}
		if r.fieldLoaded(s, n.dst) {
			continue
		}
		if st := s.stateOf(n.m, n.dst); st == nil || st.status != statusPersistent {
			continue // pending: its field holds all there is
		}
		conn, err := s.conn(mg.ctx, false, false)
		if err != nil {
			return err
		}
		lc := &loadCtx{ctx: mg.ctx, held: heldConn{c: conn}, ids: s, sess: s, lazy: true}
		err = lc.fillFrom(r.base, []field.Ptr{n.dst}, nil, nil)
		conn.done()
		if err != nil {
			return wrapErr(err, "merging %v: loading %v", n.m.t.GoType, r)
		}
	}
	return nil
}

// apply copies the given objects' values onto the Session's objects and
// adds the new copies, the first given object explicitly and the others
// as a save-update cascade would. It cannot fail.
func (mg *merger) apply(root *mergeNode) {
	for _, n := range mg.order {
		if n.same {
			continue
		}
		m := n.m
		for _, c := range m.t.Columns {
			if c == m.Version && !n.isNew {
				continue // the Session's to manage (checked by find)
			}
			c.Clone(c.Ptr(n.dst), c.Ptr(n.src))
		}
	}
	for _, n := range mg.order {
		if n.same {
			continue
		}
		for _, r := range n.m.t.relations {
			if !mergeFollows(r) {
				continue
			}
			tm := mg.s.meta(r.target)
			if r.Scalar {
				if c := r.Get(n.src); c != nil {
					r.Set(n.dst, mg.memo[mergeKey{tm.t, c}].dst)
				}
				continue
			}
			if r.IsNil(n.src) {
				continue
			}
			src := r.Items(n.src)
			out := make([]field.Ptr, 0, len(src))
			for _, c := range src {
				if c == nil {
					continue
				}
				d := mg.memo[mergeKey{tm.t, c}].dst
				if !containsPtr(out, d) { // two given objects with one key
					out = append(out, d)
				}
			}
			r.SetItems(n.dst, out)
		}
	}
	for _, n := range mg.order {
		if n.isNew && mg.byKeyOwner(n) {
			mg.s.add(n.m, n.dst, n == root) // a new object: add cannot fail
		}
	}
}

// byKeyOwner reports whether n is the node that owns its dst: the first
// node with its key, or any node of an unset key (each its own copy).
func (mg *merger) byKeyOwner(n *mergeNode) bool {
	if n.m.KeyUnset(n.src) {
		return true
	}
	return mg.byKey[n.m.KeyOf(n.src)] == n
}

func containsPtr(ps []field.Ptr, p field.Ptr) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
