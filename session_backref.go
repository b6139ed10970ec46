package quarry

// Back-references set by Add. When Add brings the members of a
// one-to-many (or one-to-one) collection in through the save-update
// cascade, the members' many-to-one field mirroring it (back=) is set to
// the owner at once, where it is nil, as SQLAlchemy's backref does when
// the collection is assigned: after s.Add(jack), jack.Addresses[1].User
// is jack. A value the program set is never overwritten.
//
// The value is quarry's, not the program's: the flush must not read it as
// a statement. So the Session records each one (the object, the field and
// the value) until a flush settles it. At the start of a flush, a field
// that still holds the recorded value but whose object has left the
// owner's collection since (the program replaced or edited the
// collection) is cleared first, so the collection decides; a field the
// program changed keeps the program's value. Once a flush succeeds, each
// record that still holds becomes part of what that flush set on the
// pending object (objState.synced), undone with it by Rollback or the
// next failed flush; before that, Rollback and a savepoint's Rollback
// clear the fields of the objects they remove from the Session.
//
// The other direction (a many-to-one set before Add appending the object
// to the parent's loaded collection) is left to the flush: the
// collection is the program's slice, and appending to it at Add could
// write into a backing array the program shares with other slices.

import (
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// derivedRef is a many-to-one field r of st's object that Add set to val.
type derivedRef struct {
	st  *objState
	r   *relationship
	val field.Ptr
}

// deriveBackRefs sets the back-references of the members of p's
// collection r that Add just cascaded into the Session.
func (s *Session) deriveBackRefs(r *relationship, p field.Ptr) {
	b := r.back
	if s.flushing || r.Dir != schema.DirOneToMany || b == nil || b.Dir != schema.DirManyToOne {
		return
	}
	cm := s.meta(r.target)
	for _, c := range r.members(p) {
		if c == nil || b.Get(c) != nil {
			continue
		}
		st := s.stateOf(cm, c)
		if st == nil || !live(st.status) {
			continue
		}
		b.Set(c, p)
		s.derived = append(s.derived, derivedRef{st: st, r: b, val: p})
	}
}

// reconcileDerived clears the back-references Add set whose object has
// left the owner's collection since, before the relationship passes read
// the many-to-one fields (the undo of a failed flush puts them back).
func (u *unitOfWork) reconcileDerived() {
	s := u.s
	keep := s.derived[:0]
	for _, d := range s.derived {
		if !live(d.st.status) || d.r.Get(d.st.obj) != d.val {
			continue // gone, or the program set the field since
		}
		keep = append(keep, d)
		coll := d.r.back
		if live(u.status(coll.owner, d.val)) && coll.fieldLoaded(s, d.val) && containsPtr(coll.members(d.val), d.st.obj) {
			continue // the collection still says so
		}
		u.setRef(d.r, d.st.obj, nil)
	}
	clear(s.derived[len(keep):])
	s.derived = keep
}

// settleDerived hands the records still holding over to the objects'
// flush records after a successful flush: from now on the value is what
// the flush would have set, and is undone as such.
func (u *unitOfWork) settleDerived() {
	s := u.s
	for _, d := range s.derived {
		st := d.st
		if d.r.Get(st.obj) != d.val || !(st.inserted || st.status == statusPending) {
			continue
		}
		ps := st.syncRecord()
		found := false
		for i := range ps.refs {
			if ps.refs[i].r == d.r {
				ps.refs[i].old, found = nil, true
			}
		}
		if !found {
			ps.refs = append(ps.refs, pendingRef{r: d.r, old: nil, set: d.val})
		}
	}
	clear(s.derived)
	s.derived = s.derived[:0]
}

// undoDerived clears the back-references Add set on objects that leave
// the Session (leaving(st) says which), where they still hold, and
// forgets every record.
func (s *Session) undoDerived(leaving func(st *objState) bool) {
	for _, d := range s.derived {
		if leaving(d.st) && d.r.Get(d.st.obj) == d.val {
			d.r.Set(d.st.obj, nil)
		}
	}
	s.derived = nil
}
