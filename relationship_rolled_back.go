package quarry

// After a failed flush rolled its transaction back, the relationship
// snapshots are the committed ones again, and every link the transaction's
// flushes wrote is a change to write once more. Those links were set
// before the changes the program made since, which win where the two
// disagree: a child taken by two parents goes to the one that took it
// since, as it would have without the failure.

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// snapsIn returns the snapshots of r, nil when the Session has none.
func (s *Session) snapsIn(r *relationship) *collSnaps {
	if s.rel == nil {
		return nil
	}
	return s.rel.snaps[r]
}

// rolledBackIn reports whether r has fields [Session.flushedBefore] knows.
func (s *Session) rolledBackIn(r *relationship) bool {
	cs := s.snapsIn(r)
	return cs != nil && len(cs.rolledBack) > 0
}

// flushedBefore reports whether the field of obj held val at the last
// flush of a transaction that a failed flush then rolled back: a change
// made before that flush, which a change made since overrides.
func (s *Session) flushedBefore(r *relationship, obj, val field.Ptr) bool {
	return slices.Contains(s.rolledBackOf(r, obj), val)
}

// newer reports whether the field of a (relationship ra) was set to va
// after the field of b (rb) was set to vb, as far as a failed flush lets
// the Session tell: b's value was flushed before that flush's rollback and
// a's was not. Two changes made alike, both since the last flush, are in
// no order the Session knows.
func newer(s *Session, ra *relationship, a, va field.Ptr, rb *relationship, b, vb field.Ptr) bool {
	return s.flushedBefore(rb, b, vb) && !s.flushedBefore(ra, a, va)
}

// yieldRolledBack clears, among the changes of r (a many-to-one), the
// fields pointed at a parent before the rolled-back flush that the program
// has overridden since: by taking that parent's child out of its field,
// or, where the parent holds one object, by pointing another child at it.
func (r *relationship) yieldRolledBack(u *unitOfWork, changes []refChange) {
	back := r.back
	var since map[field.Ptr]bool // parents of one child pointed at since
	if back != nil && back.Scalar {
		since = map[field.Ptr]bool{}
		for _, c := range changes {
			if c.q != nil && !u.s.flushedBefore(r, c.obj, c.q) {
				since[c.q] = true
			}
		}
	}
	for i, c := range changes {
		if c.q == nil || !u.s.flushedBefore(r, c.obj, c.q) {
			continue
		}
		w := u.s.supersededBy(r, c.obj)
		if since[c.q] || back != nil && back.removedSince(u.s, c.q, c.obj) || w != nil && w != c.q {
			u.setRef(r, c.obj, nil)
			changes[i].q = nil
		}
	}
}

// removedSince reports whether the field of p held c at the last flush
// before a rollback and the program has taken c out of it since.
func (r *relationship) removedSince(s *Session, p, c field.Ptr) bool {
	return s.flushedBefore(r, p, c) && (r.Scalar || r.fieldLoaded(s, p)) && !slices.Contains(r.members(p), c)
}

// yieldRolledBackM2M settles, before the two sides of the many-to-many r
// are merged, each pair that one side has changed since the rolled-back
// flush and the other has not: the side left as it was then takes the
// other side's membership, so that a link dropped (or made) since from
// one side is not made (or dropped) again from the other.
func (r *relationship) yieldRolledBackM2M(u *unitOfWork) {
	back := r.back
	if back == nil || back.Scalar {
		return
	}
	r.eachLoadedOwner(u, func(p field.Ptr) {
		items := slices.Clone(r.Items(p))
		snap, _ := u.s.collSnapshot(r, p)
		cands := slices.Concat(items, snap, u.s.rolledBackOf(r, p))
		for i, k := range cands {
			if k == nil || slices.Contains(cands[:i], k) || !back.loaded(k) {
				continue
			}
			in := slices.Contains(items, k)
			was, known := u.s.heldAtRolledBack(r, p, k)
			backIn := slices.Contains(back.Items(k), p)
			backWas, backKnown := u.s.heldAtRolledBack(back, k, p)
			if !known || !backKnown || in != was || backIn == backWas || in == backIn {
				continue
			}
			if backIn {
				u.addMember(r, p, k)
			} else {
				u.removeMember(r, p, k)
			}
		}
	})
}

// rolledBackOf returns what the field of obj held at the last flush before
// a rollback, when that differs from its committed content.
func (s *Session) rolledBackOf(r *relationship, obj field.Ptr) []field.Ptr {
	if cs := s.snapsIn(r); cs != nil {
		return cs.rolledBack[obj]
	}
	return nil
}

// heldAtRolledBack reports whether the field of obj held val at the last
// flush before a rollback (its committed content, where the two agree),
// and whether the Session knows.
func (s *Session) heldAtRolledBack(r *relationship, obj, val field.Ptr) (held, known bool) {
	cs := s.snapsIn(r)
	if cs == nil {
		return false, false
	}
	if v, ok := cs.rolledBack[obj]; ok {
		return slices.Contains(v, val), true
	}
	v, ok := cs.committed[obj]
	return slices.Contains(v, val), ok
}

// heldByOrphanRuleBefore returns the objects that collections under
// delete-orphan held at the last flush before a rollback. Pending again
// since, such an object is an orphan once no parent holds it, added
// explicitly or not: without the failure, losing its parent would have
// deleted its row.
func (u *unitOfWork) heldByOrphanRuleBefore() map[field.Ptr]bool {
	var held map[field.Ptr]bool
	for _, r := range u.rels {
		if r.Dir != schema.DirOneToMany || !r.Cascade.Has(schema.CascadeDeleteOrphan) || !u.s.rolledBackIn(r) {
			continue
		}
		if held == nil {
			held = map[field.Ptr]bool{}
		}
		for _, v := range u.s.snapsIn(r).rolledBack {
			for _, c := range v {
				held[c] = true
			}
		}
	}
	return held
}

// unflushRef makes the snapshot of obj's many-to-one field r say val,
// the program's value, after undoing set, the value a flush derived for
// it from the other side: a rebase must not read the flush's value as the
// program's, nor its undoing as the program clearing the field. set is
// remembered as the link that superseded val (see supersededBy).
func (rs *relState) unflushRef(r *relationship, obj, val, set field.Ptr) {
	if rs == nil || rs.snaps[r] == nil {
		return
	}
	cs := rs.snaps[r]
	if _, ok := cs.cur[obj]; !ok {
		return
	}
	v := []field.Ptr{}
	if val != nil {
		v = []field.Ptr{val}
	}
	cs.writable()[obj] = v
	if val != nil && set != nil {
		if cs.superseded == nil {
			cs.superseded = map[field.Ptr]field.Ptr{}
		}
		cs.superseded[obj] = set
	}
}

// supersededBy returns the parent a flush before the rollback linked obj
// to instead of the value of obj's many-to-one field r, while that parent
// still holds obj: the field's value is older than that link, and yields.
func (s *Session) supersededBy(r *relationship, obj field.Ptr) field.Ptr {
	cs := s.snapsIn(r)
	if cs == nil || r.back == nil {
		return nil
	}
	w := cs.superseded[obj]
	if w == nil || !slices.Contains(r.back.members(w), obj) {
		return nil
	}
	return w
}
