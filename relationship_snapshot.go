package quarry

// Snapshots of relationship fields: what each collection and many-to-one
// field of a Session's objects held when last loaded or flushed (cur) and
// as of the last commit (committed), the base of the relationship flush
// as column snapshots are the base of UPDATEs.
//
// A collection field that is nil has not been loaded and a flush leaves it
// alone. A loaded collection without a snapshot (set by the program
// without a load) counts as additions only. A many-to-one field (or a
// one-to-one field whose key is on the other side) that is nil counts as
// cleared only when its snapshot held an object; otherwise it was never
// loaded.
//
// Rollback puts every field back to its committed snapshot, and a
// savepoint's rollback to the snapshot of when it began; a field whose
// snapshot is unknown, or whose snapshot names an object that is no longer
// in the Session, is reset to "not loaded" (nil), since the Session cannot
// tell what the database holds for it.

import (
	"maps"
	"reflect"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// relState is the relationships' per-Session state: the field snapshots,
// and the tables that hold relationship keys (foreign-key columns,
// association rows) written by a flush of the current transaction.
type relState struct {
	snaps   map[*relationship]*collSnaps
	written map[*table]bool
}

// wrote records that the flush of the current transaction wrote rows of t.
func (st *relState) wrote(t *table) {
	if st.written == nil {
		st.written = map[*table]bool{}
	}
	st.written[t] = true
}

// keyTable is the table whose rows hold the links of r: the association
// table of a many-to-many, otherwise the table of the foreign key.
func (r *relationship) keyTable() *table {
	if r.Dir == schema.DirManyToMany {
		return r.secondary
	}
	if len(r.Pairs) == 0 {
		return nil
	}
	return r.tableOf(r.Pairs[0].FK.Table)
}

// collSnaps are the snapshots of one relationship: the members of each
// owner's field as last loaded or flushed (cur) and as of the last commit
// (committed). Slices are never modified in place. After a commit or a
// rollback the two maps are one (shared) until cur is next written.
//
// rolledBack holds, after a failed flush rolled the transaction back, what
// the fields held at the last flush that had succeeded in it, where that
// differs from the committed content: changes the program made before
// that flush. The next flush writes them again, since the database no
// longer holds them, but a change made since yields to none of them (see
// [Session.flushedBefore]).
//
// superseded holds, for many-to-one fields whose flushed value the rebase
// put back to the program's, what the flush had set instead: the flush
// had found a newer link from the other side (see
// [relationship.yieldRolledBack]).
type collSnaps struct {
	cur, committed map[field.Ptr][]field.Ptr
	rolledBack     map[field.Ptr][]field.Ptr
	superseded     map[field.Ptr]field.Ptr
	shared         bool
}

// writable makes cur a map of its own before it is written.
func (cs *collSnaps) writable() map[field.Ptr][]field.Ptr {
	if cs.shared {
		cs.cur, cs.shared = maps.Clone(cs.cur), false
	}
	return cs.cur
}

func (s *Session) relState() *relState {
	if s.rel == nil {
		s.rel = &relState{snaps: map[*relationship]*collSnaps{}}
	}
	return s.rel
}

func (st *relState) snapsOf(r *relationship) *collSnaps {
	cs := st.snaps[r]
	if cs == nil {
		cs = &collSnaps{cur: map[field.Ptr][]field.Ptr{}, committed: map[field.Ptr][]field.Ptr{}}
		st.snaps[r] = cs
	}
	return cs
}

// collSnapshot returns the last loaded or flushed members of obj's field.
func (s *Session) collSnapshot(r *relationship, obj field.Ptr) ([]field.Ptr, bool) {
	if s.rel == nil {
		return nil, false
	}
	cs := s.rel.snaps[r]
	if cs == nil {
		return nil, false
	}
	v, ok := cs.cur[obj]
	return v, ok
}

// loadedIn records the fields just loaded through a Session, by Load or
// an eager loader, as their snapshots.
//
// A field loaded for the first time in a transaction is also taken as its
// committed content, as a row first read is, unless a flush of this
// transaction wrote the table that holds its links: the load then shows
// the flushed, uncommitted links (a child moved to this parent, say), and
// Rollback must not restore them; its committed content stays unknown.
func (r *relationship) loadedIn(s *Session, parents []field.Ptr) {
	rs := s.relState()
	committed := rs.written == nil || !rs.written[r.keyTable()]
	if r.Dir == schema.DirManyToMany || r.Dir == schema.DirOneToMany || r.Dir == schema.DirManyToOne {
		cs := rs.snapsOf(r)
		for _, p := range parents {
			cs.loaded(p, r.members(p), committed)
		}
	}
	if b := r.back; r.Dir == schema.DirOneToMany && b != nil && b.Dir == schema.DirManyToOne {
		// The load set the children's many-to-one fields too.
		bs := rs.snapsOf(b)
		for _, p := range parents {
			for _, c := range r.members(p) {
				bs.loaded(c, []field.Ptr{p}, committed)
			}
		}
	}
}

// loaded records what was just loaded into the field of p, and as its
// committed content too when that is not known yet and committed says the
// load shows it.
func (cs *collSnaps) loaded(p field.Ptr, v []field.Ptr, committed bool) {
	v = slices.Clone(v)
	if v == nil {
		v = []field.Ptr{}
	}
	cs.writable()[p] = v
	if _, ok := cs.committed[p]; !ok && committed {
		// As for columns: a row first read in this transaction is its
		// committed state as far as the Session knows.
		cs.committed[p] = v
	}
}

// snapshotFields takes new snapshots of the relationship fields of the
// Session's persistent owners after a flush.
func (u *unitOfWork) snapshotFields() {
	st := u.s.relState()
	none := []field.Ptr{}
	for _, r := range u.rels {
		cs := st.snapsOf(r)
		cs.rolledBack, cs.superseded = nil, nil // this flush wrote them again
		// The one-object snapshots of scalar fields share a slab; each
		// is capped at its length, so nothing appends into another.
		var slab []field.Ptr
		u.each(r.owner, func(p field.Ptr, status objStatus) {
			if status != statusPersistent {
				return
			}
			items := r.members(p)
			old, ok := cs.cur[p]
			switch {
			case len(items) > 0 || r.fieldLoaded(u.s, p):
				if ok && slices.Equal(old, items) {
					return
				}
				switch {
				case len(items) == 0:
					cs.writable()[p] = none
				case r.Scalar:
					if len(slab) == 0 {
						slab = make([]field.Ptr, 256)
					}
					slab[0] = items[0]
					cs.writable()[p] = slab[:1:1]
					slab = slab[1:]
				default:
					cs.writable()[p] = slices.Clone(items)
				}
			case ok && len(old) > 0:
				cs.writable()[p] = none
			}
		})
		for p := range cs.cur {
			if u.s.stateOfAny(r.owner, p) == nil {
				delete(cs.writable(), p)
			}
		}
	}
}

// commitFields keeps the snapshots of persistent owners as the committed
// ones.
func (s *Session) commitFields() {
	if s.rel == nil {
		return
	}
	for r, cs := range s.rel.snaps {
		for p := range cs.cur {
			if st := s.stateOfAny(r.owner, p); st == nil || st.status != statusPersistent {
				delete(cs.cur, p)
			}
		}
		cs.committed, cs.shared, cs.rolledBack, cs.superseded = cs.cur, true, nil, nil
	}
	s.rel.written = nil
}

// rebaseFields makes the committed snapshots current again after the
// transaction was rolled back under a Session that keeps its changes (a
// failed flush): the fields are left as the program set them, to be
// compared with what the database holds again.
func (s *Session) rebaseFields() {
	if s.rel == nil {
		return
	}
	for _, cs := range s.rel.snaps {
		for p, v := range cs.cur {
			if c, ok := cs.committed[p]; ok && slices.Equal(c, v) {
				continue
			}
			if cs.rolledBack == nil {
				cs.rolledBack = map[field.Ptr][]field.Ptr{}
			}
			cs.rolledBack[p] = v
		}
		cs.cur, cs.shared = cs.committed, true
	}
	s.rel.written = nil
}

// savedFields are the field snapshots as a savepoint began.
type savedFields map[*relationship]map[field.Ptr][]field.Ptr

// saveFields copies the current snapshots (their slices are never
// modified in place, so the maps are all there is to copy).
func (s *Session) saveFields() savedFields {
	if s.rel == nil {
		return nil
	}
	saved := make(savedFields, len(s.rel.snaps))
	for r, cs := range s.rel.snaps {
		saved[r] = maps.Clone(cs.cur)
	}
	return saved
}

// sameMap reports whether a and b are one map.
func sameMap(a, b map[field.Ptr][]field.Ptr) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// committedFields returns the committed snapshots, for Rollback.
func (s *Session) committedFields() savedFields {
	if s.rel == nil {
		return nil
	}
	saved := make(savedFields, len(s.rel.snaps))
	for r, cs := range s.rel.snaps {
		saved[r] = cs.committed
	}
	return saved
}

// restoreFields puts every relationship field of the Session's attached
// objects back to the snapshot in saved (the committed one for Rollback,
// a savepoint's for its rollback), and makes those snapshots current. A
// field with no snapshot there, or one naming an object no longer in the
// Session, becomes "not loaded".
func (s *Session) restoreFields(saved savedFields) {
	for _, m := range s.metasSorted() {
		for _, r := range m.t.relations {
			if r.target == nil {
				continue
			}
			var cs *collSnaps
			if s.rel != nil {
				cs = s.rel.snaps[r]
			}
			from := saved[r]
			for _, st := range s.attached(m) {
				r.restoreField(s, cs, st.obj, from)
			}
			if cs != nil {
				if from == nil {
					from = map[field.Ptr][]field.Ptr{}
				}
				for p := range from {
					if st := s.stateOfAny(r.owner, p); st == nil || st.status < statusPersistent || st.status > statusDeleted {
						delete(from, p)
					}
				}
				// Rollback's from is the committed map itself; a
				// savepoint's is a copy of its own.
				cs.cur, cs.shared = from, sameMap(from, cs.committed)
				if cs.shared {
					cs.rolledBack, cs.superseded = nil, nil // Rollback undoes those changes too
				}
			}
		}
	}
}

// restoreField sets the field of owner p back to its snapshot in from.
func (r *relationship) restoreField(s *Session, cs *collSnaps, p field.Ptr, from map[field.Ptr][]field.Ptr) {
	v, ok := from[p]
	if ok {
		for _, c := range v {
			if st := s.stateOfAny(r.target, c); st == nil || st.status < statusPersistent || st.status > statusDeleted {
				ok = false // an object the Session no longer holds
				break
			}
		}
	}
	if !ok {
		if r.fieldLoaded(s, p) {
			r.setMembers(p, nil)
		}
		delete(from, p)
		if cs != nil {
			delete(cs.committed, p)
		}
		return
	}
	if !slices.Equal(r.members(p), v) || (!r.Scalar && !r.fieldLoaded(s, p)) {
		r.setMembers(p, v)
	}
}

// relModified reports whether a persistent object's relationship fields
// differ from their snapshots: the relationship changes a flush would
// write.
func (s *Session) relModified(st *objState) bool {
	for _, r := range st.m.t.relations {
		if r.target != nil && r.Lazy != schema.LoadDynamic && s.fieldChanged(r, st.obj) {
			return true
		}
	}
	return false
}

// fieldChanged reports whether the relationship field of obj holds an
// unflushed change: it differs from its snapshot, or it was set by the
// program without a load (a loaded collection without a snapshot, a
// many-to-one field pointing elsewhere than the object's foreign key). A
// nil collection is "not loaded", never a change.
func (s *Session) fieldChanged(r *relationship, obj field.Ptr) bool {
	snap, ok := s.collSnapshot(r, obj)
	if ok {
		return !slices.Equal(r.members(obj), snap)
	}
	if r.Dir != schema.DirManyToOne {
		return !r.Scalar && r.loaded(obj) || r.Scalar && r.Get(obj) != nil
	}
	q := r.Get(obj)
	if q == nil {
		return false
	}
	if st := s.stateOf(s.meta(r.owner), obj); st != nil && st.snap != nil {
		return !sameKey(r.ownerCols(), st.snap, r.targetCols(), q)
	}
	return true
}

// members returns the objects the field of obj holds: a collection's
// items, or the one object of a scalar field (none when nil). The slice
// aliases the field: it must be neither modified nor kept.
func (r *relationship) members(obj field.Ptr) []field.Ptr {
	if r.Scalar {
		if r.Get(obj) == nil {
			return nil
		}
		return field.OneAt(field.At(obj, r.Offset))
	}
	return r.Items(obj)
}

// setMembers replaces the field of obj; nil makes a collection "not
// loaded" and a scalar field nil.
func (r *relationship) setMembers(obj field.Ptr, v []field.Ptr) {
	if r.Scalar {
		var p field.Ptr
		if len(v) > 0 {
			p = v[0]
		}
		r.Set(obj, p)
		return
	}
	if v == nil {
		r.SetNil(obj)
		return
	}
	r.SetItems(obj, v)
}

// fieldLoaded reports whether the field of obj holds what the database
// holds for it (possibly nothing) rather than "not loaded": a non-nil
// collection, a non-nil scalar field, or a scalar field emptied since its
// snapshot held an object.
func (r *relationship) fieldLoaded(s *Session, obj field.Ptr) bool {
	if !r.Scalar {
		return !r.IsNil(obj)
	}
	if r.Get(obj) != nil {
		return true
	}
	_, ok := s.collSnapshot(r, obj)
	return ok
}

// removeMember takes val out of the field of obj, reporting whether it
// was there.
func (r *relationship) removeMember(obj, val field.Ptr) bool {
	if r.Scalar {
		if r.Get(obj) == val {
			r.Set(obj, nil)
			return true
		}
		return false
	}
	return r.remove(obj, val)
}

// addMember puts val in the field of obj (replacing a scalar's object).
func (r *relationship) addMember(obj, val field.Ptr) {
	if r.Scalar {
		r.Set(obj, val)
		return
	}
	if !slices.Contains(r.Items(obj), val) {
		r.Add(obj, val)
	}
}
