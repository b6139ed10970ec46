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
//
// What the flushes of the transaction that succeeded set on objects is
// recorded too (objState.synced): when a later flush fails and the
// Session is rebased on the last commit, it is put back with the rows.

// touched is a persistent object whose columns the flush changed: its
// state, the columns changed and their values before.
type touched struct {
	m    *tableMeta
	st   *objState
	orig field.Ptr
	cols []*schema.Column
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
		u.touched = map[field.Ptr]*touched{}
	}
	t := u.touched[obj]
	if t == nil {
		t = &touched{m: m, st: u.s.stateOf(m, obj), orig: m.Snapshot(obj)}
		u.touched[obj] = t
	}
	if !slices.Contains(t.cols, c) {
		t.cols = append(t.cols, c)
	}
	u.undo = append(u.undo, func() { c.Clone(c.Ptr(obj), c.Ptr(t.orig)) })
}

// settleTouched adds what the flush, which succeeded, set on persistent
// objects to their records of the transaction (objState.synced), so that
// a failed flush later in the transaction, which rebases the Session on
// the last commit, puts those columns back too: they are the flush's, not
// the program's, and would otherwise read as assignments of the program
// against the committed state. Each object is settled on its own, so the
// order of the map does not matter.
func (u *unitOfWork) settleTouched() {
	for _, t := range u.touched {
		if t.st != nil {
			t.st.rememberFlushed(t.cols, t.orig)
		}
	}
}

// rememberFlushed records columns cols of a persistent object, which a
// flush set, with their values before in orig, unless an earlier flush of
// the transaction did; and what the flush set, to be checked against when
// they are put back.
func (st *objState) rememberFlushed(cols []*schema.Column, orig field.Ptr) {
	ps := st.syncRecord()
	for _, c := range cols {
		if slices.Contains(st.filled, c) {
			continue // zeroed again with the INSERT
		}
		if !slices.Contains(ps.cols, c) {
			if ps.orig == nil {
				ps.orig = st.m.Snapshot(orig)
			} else {
				c.Clone(c.Ptr(ps.orig), c.Ptr(orig))
			}
			ps.cols = append(ps.cols, c)
			ps.checked = append(ps.checked, c)
		}
		if !slices.Contains(ps.checked, c) {
			continue
		}
		if ps.set == nil {
			ps.set = st.m.Snapshot(st.obj)
		} else {
			c.Clone(c.Ptr(ps.set), c.Ptr(st.obj))
		}
	}
}

// undoSync puts back what flushes of the transaction set on the object
// (see flushSync), in the relationship snapshots of rs too, and forgets
// the record.
func (st *objState) undoSync(rs *relState) {
	ps := st.synced
	if ps == nil {
		return
	}
	for _, c := range ps.cols {
		if slices.Contains(ps.checked, c) && !c.Equal(c.Ptr(st.obj), c.Ptr(ps.set)) {
			continue // assigned by the program since
		}
		c.Clone(c.Ptr(st.obj), c.Ptr(ps.orig))
	}
	for i := len(ps.refs) - 1; i >= 0; i-- {
		if ref := ps.refs[i]; ref.r.Get(st.obj) == ref.set {
			ref.r.Set(st.obj, ref.old)
			rs.unflushRef(ref.r, st.obj, ref.old, ref.set)
		}
	}
	st.synced = nil
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
	ps := st.syncRecord()
	if ps.orig == nil {
		ps.orig = st.m.Snapshot(st.obj)
	} else {
		c.Clone(c.Ptr(ps.orig), c.Ptr(st.obj))
	}
	ps.cols = append(ps.cols, c)
}

// syncRecord returns the record of what flushes set on the
// object, making it on first use.
func (st *objState) syncRecord() *flushSync {
	if st.synced == nil {
		st.synced = &flushSync{}
		st.synced.refs = st.synced.one[:0]
	}
	return st.synced
}

// clone copies the record for a savepoint, whose rollback puts the copy
// back: the flushes inside the savepoint change the record in place, and
// what they set is undone with them.
func (ps *flushSync) clone(m *tableMeta) *flushSync {
	if ps == nil {
		return nil
	}
	c := &flushSync{cols: slices.Clone(ps.cols), checked: slices.Clone(ps.checked)}
	if ps.orig != nil {
		c.orig = m.Snapshot(ps.orig)
	}
	if ps.set != nil {
		c.set = m.Snapshot(ps.set)
	}
	c.refs = append(c.one[:0], ps.refs...)
	return c
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
		ps := st.syncRecord()
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
