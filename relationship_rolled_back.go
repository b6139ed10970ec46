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
)

// rolledBackIn reports whether r has fields [Session.flushedBefore] knows.
func (s *Session) rolledBackIn(r *relationship) bool {
	if s.rel == nil {
		return false
	}
	cs := s.rel.snaps[r]
	return cs != nil && len(cs.rolledBack) > 0
}

// flushedBefore reports whether the field of obj held val at the last
// flush of a transaction that a failed flush then rolled back: a change
// made before that flush, which a change made since overrides.
func (s *Session) flushedBefore(r *relationship, obj, val field.Ptr) bool {
	if s.rel == nil {
		return false
	}
	cs := s.rel.snaps[r]
	return cs != nil && slices.Contains(cs.rolledBack[obj], val)
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
		if since[c.q] || back != nil && back.removedSince(u.s, c.q, c.obj) {
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
