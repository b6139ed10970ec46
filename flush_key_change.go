package quarry

// Mutable primary keys (SQLAlchemy's natural primary keys,
// test_naturalpks.py): a persistent object whose primary key, or another
// column a foreign key refers to, was changed by the program is written
// by an UPDATE that sets the new values WHERE the row has the old ones
// (the snapshot's), and the rows that refer to it follow:
//
//   - passive updates (the default, as in SQLAlchemy): the database moves
//     the referring rows itself, by the ON UPDATE CASCADE of their
//     foreign keys (the column tag onupdate=cascade). The flush sends no
//     statement for them; after it succeeds, the referring objects the
//     Session holds get the new values in their foreign-key fields and
//     snapshots, so they say what the rows now hold.
//   - passive_updates=false on a relationship: the flush itself sends,
//     right after the parent's UPDATE, one UPDATE of the referring table
//     setting the foreign key to the new values WHERE it holds the old
//     ones (association rows of a many-to-many included). One statement
//     reaches every referring row, loaded or not, where SQLAlchemy loads
//     the collections and updates each row: the result is the same rows
//     without the loads. A foreign-key constraint that the database
//     checks at once (not deferrable, without ON UPDATE CASCADE) refuses
//     the parent's UPDATE while rows still refer to the old key, on
//     SQLite with foreign keys enforced as on PostgreSQL; such a
//     relationship needs ON UPDATE CASCADE (and then passive updates are
//     the simpler choice) or a schema without that constraint, as
//     SQLAlchemy's own non-passive tests use on databases that enforce
//     foreign keys without deferral.
//
// The identity map follows the row: after the flush the object is held
// under its new key, the old one is free (a new object may take it in the
// same flush, since UPDATEs of a table run before its INSERTs). Taking the
// key of another object the Session holds is an ErrIdentityConflict,
// before any SQL. A failed flush, Rollback and a savepoint's rollback put
// the key back with the snapshot (fixKeys).

import (
	"fmt"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// keyLink is one foreign key that refers to columns a program may change:
// child's columns fk refer to parent's columns ref.
type keyLink struct {
	parent, child *table
	ref, fk       []*schema.Column
	// active says the flush updates the referring rows itself: some
	// relationship of the link has passive_updates=false.
	active bool
}

// keyLinks returns the foreign keys of the flush's relationships, one per
// referring column set (a relationship and its back-populating mirror
// describe the same key), in relationship order.
func (u *unitOfWork) keyLinks() []*keyLink {
	if u.links != nil || len(u.rels) == 0 {
		return u.links
	}
	byName := map[string]*keyLink{}
	add := func(r *relationship, parent, child *table, pairs []schema.KeyPair) {
		if len(pairs) == 0 || parent == nil || child == nil {
			return
		}
		names := make([]string, len(pairs))
		for i, p := range pairs {
			names[i] = p.FK.Name
		}
		id := child.Name + "\x00" + strings.Join(names, "\x00")
		l := byName[id]
		if l == nil {
			l = &keyLink{parent: parent, child: child, ref: pairCols(pairs, false), fk: pairCols(pairs, true)}
			byName[id] = l
			u.links = append(u.links, l)
		}
		l.active = l.active || r.ActiveUpdates
	}
	for _, r := range u.rels {
		switch r.Dir {
		case schema.DirOneToMany:
			add(r, r.owner, r.target, r.Pairs)
		case schema.DirManyToOne:
			add(r, r.target, r.owner, r.Pairs)
		case schema.DirManyToMany:
			add(r, r.owner, r.secondary, r.SecOwner)
			add(r, r.target, r.secondary, r.SecTarget)
		}
	}
	if u.links == nil {
		u.links = []*keyLink{}
	}
	return u.links
}

// keyChange is a persistent object whose referenced columns a flush
// changed, with the row's values before (the snapshot then, never
// modified in place).
type keyChange struct {
	st  *objState
	old field.Ptr
}

// checkKeyChanges refuses, before any SQL, a primary-key change onto the
// key of another object the Session holds (unless that one moves away in
// the same flush) or of another moved object, and a new object taking
// such a key. The pending objects' keys are given in pendingKeys.
func (u *unitOfWork) checkKeyChanges(pendingKeys map[identKey]*objState) error {
	s := u.s
	var moved map[identKey]*objState
	for _, m := range s.metasSorted() {
		for _, st := range u.sortedOf(m.t) {
			if st.status != statusPersistent {
				continue
			}
			k := m.KeyOf(st.obj)
			if k == st.key {
				continue
			}
			if moved == nil {
				moved = map[identKey]*objState{}
			}
			if other := moved[k]; other != nil {
				return fmt.Errorf("%w: %w: two %v objects changed their primary keys to %v", ErrIdentityConflict, ErrKeyChanged, m.t.GoType, keyValues(m, st.obj))
			}
			moved[k] = st
			if other := s.ids.get(k); other != nil && other != st && (other.status != statusPersistent || other.m.KeyOf(other.obj) == other.key) {
				return fmt.Errorf("%w: %w: the primary key of a persistent %v changed from %v to %v, the key of another object the Session holds", ErrIdentityConflict, ErrKeyChanged, m.t.GoType, keyValues(m, st.snap), keyValues(m, st.obj))
			}
			if pendingKeys[k] != nil {
				return fmt.Errorf("%w: %w: the primary key of a persistent %v changed from %v to %v, the key of a new object", ErrIdentityConflict, ErrKeyChanged, m.t.GoType, keyValues(m, st.snap), keyValues(m, st.obj))
			}
		}
	}
	return nil
}

// movingAway reports whether other, the object the Session holds under a
// new object's key, changes its primary key in this flush, freeing it.
func movingAway(other *objState) bool {
	return other.status == statusPersistent && other.snap != nil && other.m.KeyOf(other.obj) != other.key
}

// afterKeyUpdate records the UPDATE of st that wrote cols, when it changed
// columns foreign keys refer to, and updates the referring rows of the
// links with passive_updates=false (see the file comment).
func (u *unitOfWork) afterKeyUpdate(m *tableMeta, st *objState, cols []*schema.Column, old field.Ptr) error {
	changesKey := slices.ContainsFunc(cols, func(c *schema.Column) bool { return c.PK })
	for _, l := range u.keyLinks() {
		if l.parent != m.t || !slices.ContainsFunc(l.ref, func(c *schema.Column) bool { return slices.Contains(cols, c) }) {
			continue
		}
		changesKey = true
		if l.active {
			if err := u.updateReferring(l, st.obj, old); err != nil {
				return err
			}
		}
	}
	if changesKey {
		u.keyChanges = append(u.keyChanges, keyChange{st: st, old: old})
	}
	return nil
}

// updateReferring sends UPDATE child SET fk = new WHERE fk = old for one
// link; a row whose old values hold a NULL has nothing referring to it.
func (u *unitOfWork) updateReferring(l *keyLink, obj, old field.Ptr) error {
	args := make([]any, 0, 2*len(l.ref))
	for _, c := range l.ref {
		args = append(args, c.Value(c.Ptr(obj)))
	}
	for _, c := range l.ref {
		v, ok := c.Key(c.Ptr(old))
		if !ok {
			return nil
		}
		args = append(args, v)
	}
	w := newDML(u.dialect())
	w.b.Write("UPDATE ")
	w.b.Ident(l.child.Name)
	w.b.Write(" SET ")
	for i, c := range l.fk {
		if i > 0 {
			w.b.Write(", ")
		}
		w.b.Ident(c.Name)
		w.b.Write(" = ")
		w.ph()
	}
	w.b.Write(" WHERE ")
	for i, c := range l.fk {
		if i > 0 {
			w.b.Write(" AND ")
		}
		w.qualified(l.child, c)
		w.b.Write(" = ")
		w.ph()
	}
	sql, err := w.sql()
	if err != nil {
		return err
	}
	if _, err := u.exec(sql, args); err != nil {
		return err
	}
	if l.child.GoType == nil {
		u.assocWritten = append(u.assocWritten, l.child)
	}
	return nil
}

// finishKeyChanges, after a successful flush, gives the objects the
// Session holds that referred to a changed key the new values, in their
// fields and snapshots (the rows hold them now, by the database's cascade
// or the flush's UPDATE), follows the keys of those whose primary key
// includes the foreign key, and re-keys the identity map.
func (u *unitOfWork) finishKeyChanges() {
	if len(u.keyChanges) == 0 {
		return
	}
	s := u.s
	links := u.keyLinks()
	for i := 0; i < len(u.keyChanges); i++ { // moved children append
		kc := u.keyChanges[i]
		for _, l := range links {
			if l.parent != kc.st.m.t || l.child.GoType == nil || sameKey(l.ref, kc.old, l.ref, kc.st.obj) {
				continue
			}
			cm := s.meta(l.child)
			for _, ch := range u.sortedOf(l.child) {
				if ch.status != statusPersistent || ch.snap == nil || !sameKey(l.fk, ch.snap, l.ref, kc.old) {
					continue
				}
				old := ch.snap
				snap := cm.Snapshot(old)
				for j, c := range l.fk {
					setFrom(c, snap, l.ref[j], kc.st.obj)
					if sameKey(l.fk[j:j+1], ch.obj, l.ref[j:j+1], kc.old) {
						setFrom(c, ch.obj, l.ref[j], kc.st.obj)
					}
				}
				ch.snap = snap
				if cm.KeyOf(snap) != ch.key {
					u.keyChanges = append(u.keyChanges, keyChange{st: ch, old: old})
				}
			}
		}
	}
	moved := make([]*objState, len(u.keyChanges))
	for i, kc := range u.keyChanges {
		moved[i] = kc.st
	}
	s.fixKeys(moved...)
}

// setFrom sets column dst of obj to the value of column src of from (a
// column of another table, of the same or a compatible Go type).
func setFrom(dst *schema.Column, obj field.Ptr, src *schema.Column, from field.Ptr) {
	if dst.GoType == src.GoType {
		dst.Clone(dst.Ptr(obj), src.Ptr(from))
		return
	}
	if v, ok := src.Key(src.Ptr(from)); ok {
		assignKey(dst, dst.Ptr(obj), v)
	}
}

// fixKeys puts every state the identity map holds under the key of its
// snapshot (the row's key as the Session knows it): after a flush that
// changed primary keys, and after a rollback put the old snapshots back.
// Old keys are all released before new ones are taken, so two objects may
// swap keys. The states in also are the flush's changed ones, which a new
// object that took the old key may have displaced from the map.
func (s *Session) fixKeys(also ...*objState) {
	var moved []*objState
	for _, st := range also {
		if st.status == statusPersistent && st.snap != nil && st.m.KeyOf(st.snap) != st.key && !slices.Contains(moved, st) {
			moved = append(moved, st)
		}
	}
	for st := range s.ids.all() {
		if st.snap != nil && st.m.KeyOf(st.snap) != st.key && !slices.Contains(moved, st) {
			moved = append(moved, st)
		}
	}
	if len(moved) == 0 {
		return
	}
	slices.SortFunc(moved, func(a, b *objState) int { return a.key.Compare(b.key) })
	for _, st := range moved {
		if s.ids.get(st.key) == st {
			s.ids.del(st.key)
		}
	}
	for _, st := range moved {
		st.key = st.m.KeyOf(st.snap)
		s.ids.put(st.key, st)
	}
}

// heldByObj returns the state of p in the identity map, found by its key,
// or when its key was changed since it was loaded or flushed, by the
// object (through the index's reverse map, built on first use; only for an
// object with a key, since a new object whose key the database is to
// generate cannot be a held one).
func (s *Session) heldByObj(m *tableMeta, p field.Ptr) *objState {
	if st := s.ids.get(m.KeyOf(p)); st != nil {
		if st.obj == p {
			return st
		}
	}
	if m.KeyUnset(p) || s.ids.len() == 0 {
		return nil
	}
	return s.ids.findObj(p)
}
