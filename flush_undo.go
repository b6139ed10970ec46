package quarry

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// The flush's own changes to the program's objects, and how to take them
// back. The relationship passes null or copy foreign keys, back-populate
// fields, and decide deletes and expunges; when the flush fails, the
// Session undoes them in reverse order before it rebases, so the objects
// are exactly as the program left them and the next flush decides again.
// Foreign keys copied into pending objects, and their many-to-one fields
// set from the collection that holds them, are not recorded: every flush
// sets them again from the same collections.

// touched is a persistent object whose columns the flush changed, with
// its columns as they were before.
type touched struct {
	m    *tableMeta
	orig field.Ptr
}

// remember records column c of obj before the flush changes it. For a
// pending object the value is kept in its state, to be put back when its
// INSERT is undone (a failed flush, Rollback): a flush that runs again
// sets the foreign keys of the children still in a collection, and one no
// longer in any must not keep a key copied from a row that was rolled
// back.
func (u *unitOfWork) remember(m *tableMeta, c *schema.Column, obj field.Ptr) {
	if st := u.s.pendingBy[obj]; st != nil {
		st.rememberPending(c)
		return
	}
	if u.touched == nil {
		u.touched = map[field.Ptr]touched{}
	}
	t, ok := u.touched[obj]
	if !ok {
		t = touched{m: m, orig: m.Snapshot(obj)}
		u.touched[obj] = t
	}
	u.undo = append(u.undo, func() { c.Clone(c.Ptr(obj), c.Ptr(t.orig)) })
}

// rememberPending records column c of a pending object before a flush
// sets it, unless an earlier flush of the transaction did.
func (st *objState) rememberPending(c *schema.Column) {
	if slices.Contains(st.filled, c) || st.synced != nil && slices.Contains(st.synced.cols, c) {
		return
	}
	if st.m.IsZero(c, st.obj) {
		st.filled = append(st.filled, c) // zeroed again by undoInsert
		return
	}
	ps := st.pendingSync()
	if ps.orig == nil {
		ps.orig = st.m.Snapshot(st.obj)
	} else {
		c.Clone(c.Ptr(ps.orig), c.Ptr(st.obj))
	}
	ps.cols = append(ps.cols, c)
}

// pendingSync returns the record of what flushes set on a pending
// object, making it on first use.
func (st *objState) pendingSync() *pendingSync {
	if st.synced == nil {
		st.synced = &pendingSync{}
		st.synced.refs = st.synced.one[:0]
	}
	return st.synced
}

// setColumn sets column c of obj to its value in src (an object of the
// same table), remembering the old value.
func (u *unitOfWork) setColumn(m *tableMeta, c *schema.Column, obj, src field.Ptr) {
	u.remember(m, c, obj)
	c.Clone(c.Ptr(obj), c.Ptr(src))
}

// setRef sets the many-to-one field of r in obj.
func (u *unitOfWork) setRef(r *relationship, obj, val field.Ptr) {
	old := r.Get(obj)
	r.Set(obj, val)
	if st := u.s.pendingBy[obj]; st != nil {
		// Kept for the INSERT's undo: after a rolled-back flush, a field
		// the flush set must not read as the program's assignment.
		ps := st.pendingSync()
		for i := range ps.refs {
			if ps.refs[i].r == r {
				ps.refs[i].set = val
				return
			}
		}
		ps.refs = append(ps.refs, pendingRef{r: r, old: old, set: val})
		return
	}
	u.undo = append(u.undo, func() { r.Set(obj, old) })
}

// removeMember takes val out of the field of r in obj.
func (u *unitOfWork) removeMember(r *relationship, obj, val field.Ptr) {
	old, wasNil := r.saveField(obj)
	if r.removeMember(obj, val) {
		u.undo = append(u.undo, func() { r.putField(obj, old, wasNil) })
	}
}

// addMember puts val in the field of r in obj.
func (u *unitOfWork) addMember(r *relationship, obj, val field.Ptr) {
	old, wasNil := r.saveField(obj)
	r.addMember(obj, val)
	u.undo = append(u.undo, func() { r.putField(obj, old, wasNil) })
}

// saveField copies the field of r in obj, and whether it is a nil
// collection.
func (r *relationship) saveField(obj field.Ptr) ([]field.Ptr, bool) {
	if r.Scalar {
		return slices.Clone(r.members(obj)), false
	}
	items := r.Items(obj)
	return slices.Clone(items), r.IsNil(obj)
}

func (r *relationship) putField(obj field.Ptr, v []field.Ptr, wasNil bool) {
	if wasNil {
		r.setMembers(obj, nil)
		return
	}
	if !r.Scalar && v == nil {
		v = []field.Ptr{}
	}
	r.setMembers(obj, v)
}

// deleteDerived marks obj for deletion because a cascade or the
// delete-orphan rule says so; a pending obj is expunged instead.
func (u *unitOfWork) deleteDerived(t *table, obj field.Ptr) {
	s := u.s
	st := s.stateOf(s.meta(t), obj)
	if st == nil {
		return
	}
	switch st.status {
	case statusPending:
		u.expungeDerived(st)
	case statusPersistent:
		st.status = statusDeleted
		s.deleted = append(s.deleted, st)
		u.undo = append(u.undo, func() {
			if st.status == statusDeleted {
				st.status = statusPersistent
			}
		})
	}
}

// expungeDerived removes a pending orphan from the Session.
func (u *unitOfWork) expungeDerived(st *objState) {
	s := u.s
	s.detach(st)
	u.undo = append(u.undo, func() {
		if st.status == statusDetached {
			st.status = statusPending
			s.pendingBy[st.obj] = st
			s.pending = append(s.pending, st)
		}
	})
}

// undoChanges takes back the flush's changes to objects, newest first.
func (u *unitOfWork) undoChanges() {
	for i := len(u.undo) - 1; i >= 0; i-- {
		u.undo[i]()
	}
	u.undo = nil
	slices.SortStableFunc(u.s.pending, func(a, b *objState) int { return a.seq - b.seq })
}
