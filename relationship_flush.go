package quarry

// Relationships in the unit of work: *relationship implements the flush
// extension interfaces of flush.go.
//
// What a flush does for relationships, in the order of flush.go's steps:
//
//   - Cascades (cascadeSave, cascadeDelete): save-update brings the related
//     objects of a pending or persistent object into the Session; delete
//     marks them for deletion with it.
//   - prepareFlush runs once per flush for every relationship of the
//     Session (the first relation called does the whole pass, so that the
//     order between relationships is fixed, not that of the tables):
//     1. many-to-one fields changed since the row was loaded or flushed
//     (obj.User points at another parent than obj's foreign key does)
//     are back-populated: the new parent's collection, when loaded, gains
//     obj and the old parent's loses it;
//     2. one-to-many collections are compared with their snapshot (the
//     collection as last loaded or flushed by this Session): new members
//     get their back field set to the parent; members removed and not
//     moved to another parent are deleted (delete-orphan) or get their
//     foreign key set to NULL;
//     3. the children of deleted parents are deleted (delete cascade) or
//     get their foreign key set to NULL. Children are those in the
//     parent's collection, those the Session holds whose foreign key names
//     the parent, and, when the collection was never loaded, those in
//     the database, which are loaded first (one SELECT per relationship,
//     as SQLAlchemy loads the collection), so that the UPDATEs name each
//     row: UPDATE addresses SET user_id = NULL WHERE addresses.id = ?.
//     This repeats until no new parent is deleted (cascades chain);
//     4. many-to-many collections are back-populated: when p.Keywords
//     gains (loses) k and k.Posts is loaded, k.Posts gains (loses) p.
//   - beforeWrite sets foreign keys from the parents' keys just before the
//     child table is written (FK sync): child.fk = parent.ref for the
//     members of a one-to-many collection, obj.fk = obj.User.ref for a
//     many-to-one field. Parents' tables are written first, so keys the
//     database generated are known.
//   - afterSaves writes association rows: the rows of deleted owners go
//     (DELETE FROM post_keywords WHERE post_id = ?), then the rows removed
//     from and added to many-to-many collections since their snapshot.
//     A row changed through both sides of a back-populated pair is written
//     once.
//   - afterFlush takes new snapshots of the collections of persistent
//     owners; afterCommit keeps them as the committed ones and
//     afterRollback (also after a failed flush) restores those, exactly as
//     the Session does for columns. A savepoint keeps a copy of them and
//     restores it when rolled back.
//
// A collection field that is nil has not been loaded: it is left alone (no
// orphans, no FK sync). A persistent owner whose loaded collection has no
// snapshot (set by the program without Load) is taken as additions only:
// its members are linked, nothing is unlinked; for a many-to-many, rows
// already in the database are not inserted again.
//
// Many-to-one fields have snapshots too (the one object loaded, or
// none). A nil field whose snapshot held an object was cleared by the
// program: the object leaves that parent's loaded collection, or is
// deleted as an orphan of a delete-orphan collection, or gets a NULL
// foreign key (an error naming the field when the key cannot be NULL). A
// nil field without one was never loaded and is left alone.
//
// Rows of a self-referential table are ordered among themselves by
// flush_self.go. Not handled: relationships whose referenced columns are
// not the target's primary key, when the old parent of a moved object must
// be found.

import (
	"database/sql"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"unsafe"
)

var (
	_ flushDepender = (*relationship)(nil)
	_ flushCascader = (*relationship)(nil)
	_ flushPreparer = (*relationship)(nil)
	_ flushWriter   = (*relationship)(nil)
	_ flushSaver    = (*relationship)(nil)
	_ flushFinisher = (*relationship)(nil)
	_ txObserver    = (*relationship)(nil)
)

// relState is the relationships' per-Session state: the collection
// snapshots, and the bookkeeping of the flush under way.
type relState struct {
	snaps map[*relationship]*collSnaps

	// The flush under way: each pass runs once per unitOfWork.
	u                         *unitOfWork
	prepared, saved, finished bool
	// rows are the association rows written by this flush, so a change
	// seen from both sides of a many-to-many is written once.
	rows map[string]bool
}

// collSnaps are the snapshots of one collection relationship: the members
// of each owner's collection as last loaded or flushed (cur) and as of the
// last commit (committed). Slices are never modified in place.
type collSnaps struct {
	cur, committed map[unsafe.Pointer][]unsafe.Pointer
}

func (s *Session) relState() *relState {
	if s.rel == nil {
		s.rel = &relState{snaps: map[*relationship]*collSnaps{}}
	}
	return s.rel
}

// relState returns the Session's state with the per-flush part reset
// for u.
func (u *unitOfWork) relState() *relState {
	st := u.s.relState()
	if st.u != u {
		st.u, st.prepared, st.saved, st.finished, st.rows = u, false, false, false, nil
	}
	return st
}

func (st *relState) snapsOf(r *relationship) *collSnaps {
	cs := st.snaps[r]
	if cs == nil {
		cs = &collSnaps{cur: map[unsafe.Pointer][]unsafe.Pointer{}, committed: map[unsafe.Pointer][]unsafe.Pointer{}}
		st.snaps[r] = cs
	}
	return cs
}

// collSnapshot returns the last loaded or flushed members of obj's
// collection.
func (s *Session) collSnapshot(r *relationship, obj unsafe.Pointer) ([]unsafe.Pointer, bool) {
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

// loadedIn records the collections just loaded through a Session, by
// Load or an eager loader, as their snapshots.
func (r *relationship) loadedIn(s *Session, parents []unsafe.Pointer) {
	if r.scalar {
		if r.dir == manyToOne {
			cs := s.relState().snapsOf(r)
			for _, p := range parents {
				cs.loaded(p, r.related(p))
			}
		}
		return
	}
	cs := s.relState().snapsOf(r)
	for _, p := range parents {
		cs.loaded(p, slices.Clone(r.items(p)))
	}
	if b := r.back; r.dir == oneToMany && b != nil && b.scalar {
		// The load set the children's many-to-one fields too.
		bs := s.relState().snapsOf(b)
		for _, p := range parents {
			for _, c := range r.items(p) {
				bs.loaded(c, []unsafe.Pointer{p})
			}
		}
	}
}

// loaded records what was just loaded into the field of p: a collection's
// members, or the one object of a many-to-one field (none when nil).
func (cs *collSnaps) loaded(p unsafe.Pointer, v []unsafe.Pointer) {
	if v == nil {
		v = []unsafe.Pointer{}
	}
	cs.cur[p] = v
	if _, ok := cs.committed[p]; !ok {
		// As for columns: a row first read in this transaction is its
		// committed state as far as the Session knows.
		cs.committed[p] = v
	}
}

// flushDeps orders the tables of a one-to-many or many-to-one pair even
// when the foreign key is not declared on the column.
func (r *relationship) flushDeps() []tableDep {
	if len(r.pairs) == 0 || r.dir == manyToMany {
		return nil
	}
	ref, fk := r.pairs[0].ref.table, r.pairs[0].fk.table
	return []tableDep{{parent: ref, child: fk}}
}

// cascadeSave brings the related objects into the Session.
func (r *relationship) cascadeSave(obj unsafe.Pointer, add func(t *table, obj unsafe.Pointer)) {
	if !r.cascade.has(cascadeSaveUpdate) || r.target == nil {
		return
	}
	if r.scalar {
		if p := r.get(obj); p != nil {
			add(r.target, p)
		}
		return
	}
	for _, p := range r.items(obj) {
		if p != nil {
			add(r.target, p)
		}
	}
}

// cascadeDelete marks the related objects for deletion with obj. Children
// not loaded are found at flush (prepareFlush).
func (r *relationship) cascadeDelete(obj unsafe.Pointer, del func(t *table, obj unsafe.Pointer)) {
	if !r.cascade.has(cascadeDelete) || r.target == nil {
		return
	}
	for _, p := range r.related(obj) {
		if p != nil {
			del(r.target, p)
		}
	}
}

// sessionRels lists the relationships of the tables the Session holds,
// in table-name order.
func sessionRels(s *Session) []*relationship {
	var out []*relationship
	for _, m := range s.metasSorted() {
		for _, rel := range m.rels {
			if r, ok := rel.(*relationship); ok && r.target != nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// live reports whether an object is pending or persistent (not deleted)
// in the Session.
func live(st objStatus) bool { return st == statusPending || st == statusPersistent }

// prepareFlush runs the relationship pass of the flush, once (see the top
// of this file).
func (r *relationship) prepareFlush(u *unitOfWork) error {
	st := u.relState()
	if st.prepared {
		return nil
	}
	st.prepared = true
	rels := sessionRels(u.s)
	for _, rel := range rels {
		if rel.dir == manyToOne && rel.scalar {
			if err := rel.prepareScalar(u); err != nil {
				return err
			}
		}
	}
	for _, rel := range rels {
		if rel.dir == oneToMany && !rel.scalar {
			rel.prepareOrphans(u)
		}
	}
	if err := prepareDeletes(u); err != nil {
		return err
	}
	for _, rel := range rels {
		if rel.dir == manyToMany {
			rel.backPopulateM2M(u)
		}
	}
	return nil
}

// scalarChanged reports whether obj's many-to-one field points elsewhere
// than obj's foreign key did when last loaded or flushed.
func (r *relationship) scalarChanged(u *unitOfWork, obj, target unsafe.Pointer) bool {
	st := u.s.stateOf(u.s.meta(r.owner), obj)
	if st == nil || st.snap == nil || st.status == statusPending {
		return true
	}
	return !sameKey(r.ownerCols(), st.snap, r.targetCols(), target)
}

// prepareScalar back-populates many-to-one fields changed since last
// loaded or flushed (phase 1).
func (r *relationship) prepareScalar(u *unitOfWork) error {
	back := r.back
	if back != nil && back.scalar {
		back = nil
	}
	var changed, cleared [][2]unsafe.Pointer
	u.each(r.owner, func(obj unsafe.Pointer, status objStatus) {
		if !live(status) {
			return
		}
		q := r.get(obj)
		switch {
		case q == nil:
			if old := r.loadedRef(u.s, obj); old != nil && status == statusPersistent {
				cleared = append(cleared, [2]unsafe.Pointer{obj, old})
			}
		case back != nil && r.scalarChanged(u, obj, q):
			changed = append(changed, [2]unsafe.Pointer{obj, q})
		}
	})
	for _, c := range cleared {
		if err := r.unlinkRef(u, c[0], c[1]); err != nil {
			return err
		}
	}
	if back == nil {
		return nil
	}
	for _, c := range changed {
		obj, q := c[0], c[1]
		if back.loaded(q) && !slices.Contains(back.items(q), obj) {
			back.add(q, obj)
		}
		if st := u.s.stateOf(u.s.meta(r.owner), obj); st != nil && st.snap != nil {
			if old := findByKey(u.s, r.target, r.targetCols(), r.ownerCols(), st.snap); old != nil && old != q && back.loaded(old) {
				back.remove(old, obj)
			}
		}
	}
	return nil
}

// loadedRef returns the object obj's many-to-one field held when it was
// last loaded or flushed, or nil: a nil field is an unlink only when it
// held an object then (otherwise it was never loaded).
func (r *relationship) loadedRef(s *Session, obj unsafe.Pointer) unsafe.Pointer {
	if snap, ok := s.collSnapshot(r, obj); ok && len(snap) == 1 {
		return snap[0]
	}
	return nil
}

// unlinkRef writes obj's many-to-one field set to nil since it held old: obj
// leaves old's loaded collection, where the collection's own rules
// (delete-orphan, or a NULL foreign key) take over; otherwise an orphan
// of a delete-orphan collection is deleted and any other object gets a
// NULL foreign key. A foreign key the program set itself is left as it
// is.
func (r *relationship) unlinkRef(u *unitOfWork, obj, old unsafe.Pointer) error {
	m := u.s.meta(r.owner)
	st := u.s.stateOf(m, obj)
	if st == nil || st.snap == nil {
		return nil
	}
	fks := r.ownerCols()
	for _, c := range fks {
		if !c.equal(c.ptr(obj), c.ptr(st.snap)) {
			return nil
		}
	}
	if b := r.back; b != nil && !b.scalar {
		if b.loaded(old) && b.remove(old, obj) {
			return nil
		}
		if b.cascade.has(cascadeDeleteOrphan) {
			u.delete(r.owner, obj)
			return nil
		}
	}
	for _, c := range fks {
		if !c.nullable {
			return fmt.Errorf("quarry: %v.%s of %v was set to nil, but %s cannot be NULL: delete the object or point it at another %v",
				r.owner.goType, r.field, keyValues(m, obj), c, r.target.goType)
		}
	}
	for _, c := range fks {
		m.setZero(c, obj)
	}
	return nil
}

// findByKey finds the object of table t in the Session whose columns cols
// equal the columns from of obj; only when cols are t's primary key.
func findByKey(s *Session, t *table, cols, from []*columnInfo, obj unsafe.Pointer) unsafe.Pointer {
	if len(cols) != len(t.pk) {
		return nil
	}
	vals := make([]any, len(cols))
	for i, c := range t.pk {
		j := slices.Index(cols, c)
		if j < 0 {
			return nil
		}
		v, ok := from[j].key(from[j].ptr(obj))
		if !ok {
			return nil
		}
		vals[i] = v
	}
	k, err := s.meta(t).keyOfArgs(vals)
	if err != nil {
		return nil
	}
	if st := s.ids.get(k); st != nil {
		return st.obj
	}
	return nil
}

// owners maps each member of a loaded collection of a live owner to that
// owner.
func (r *relationship) owners(u *unitOfWork) map[unsafe.Pointer]unsafe.Pointer {
	out := map[unsafe.Pointer]unsafe.Pointer{}
	u.each(r.owner, func(p unsafe.Pointer, status objStatus) {
		if live(status) && r.loaded(p) {
			for _, c := range r.items(p) {
				out[c] = p
			}
		}
	})
	return out
}

// prepareOrphans compares one-to-many collections with their snapshots
// (phase 2).
func (r *relationship) prepareOrphans(u *unitOfWork) {
	owner := r.owners(u)
	type removal struct{ p, c unsafe.Pointer }
	var removed []removal
	u.each(r.owner, func(p unsafe.Pointer, status objStatus) {
		if !live(status) || !r.loaded(p) {
			return
		}
		items := r.items(p)
		snap, ok := u.s.collSnapshot(r, p)
		for _, c := range items {
			if c != nil && (!ok || !slices.Contains(snap, c)) && r.back != nil && r.back.scalar {
				r.back.set(c, p)
			}
		}
		for _, c := range snap {
			if !slices.Contains(items, c) {
				removed = append(removed, removal{p, c})
			}
		}
	})
	cm := u.s.meta(r.target)
	for _, rm := range removed {
		p, c := rm.p, rm.c
		if !live(u.status(r.target, c)) || owner[c] != nil {
			continue // gone already, or moved to another parent
		}
		if b := r.back; b != nil && b.scalar {
			if q := b.get(c); q != nil && q != p && b.scalarChanged(u, c, q) {
				continue // moved through its many-to-one field
			}
		}
		if r.cascade.has(cascadeDeleteOrphan) {
			u.delete(r.target, c)
			continue
		}
		r.unlink(cm, p, c)
	}
}

// unlink sets the foreign key of child c to NULL if it still names p, and
// clears its back field.
func (r *relationship) unlink(cm *tableMeta, p, c unsafe.Pointer) {
	if sameKey(r.targetCols(), c, r.ownerCols(), p) {
		for _, col := range r.targetCols() {
			cm.setZero(col, c)
		}
	}
	if b := r.back; b != nil && b.scalar && b.get(c) == p {
		b.set(c, nil)
	}
}

// prepareDeletes deletes or unlinks the children of deleted parents
// (phase 3), until no new parent is deleted.
func prepareDeletes(u *unitOfWork) error {
	done := map[*relationship]map[unsafe.Pointer]bool{}
	for {
		progress := false
		for _, r := range sessionRels(u.s) {
			if r.dir != oneToMany {
				continue
			}
			if done[r] == nil {
				done[r] = map[unsafe.Pointer]bool{}
			}
			n, err := r.prepareDeleted(u, done[r])
			if err != nil {
				return err
			}
			progress = progress || n > 0
		}
		if !progress {
			return nil
		}
	}
}

// prepareDeleted handles the deleted owners not yet done; it returns how
// many it handled.
func (r *relationship) prepareDeleted(u *unitOfWork, done map[unsafe.Pointer]bool) (int, error) {
	var parents, unloaded []unsafe.Pointer
	u.each(r.owner, func(p unsafe.Pointer, status objStatus) {
		if status == statusDeleted && !done[p] {
			done[p] = true
			parents = append(parents, p)
			if !r.loaded(p) {
				unloaded = append(unloaded, p)
			}
		}
	})
	if len(parents) == 0 {
		return 0, nil
	}
	if len(unloaded) > 0 {
		if err := r.loadChildren(u, unloaded); err != nil {
			return 0, err
		}
	}
	// The children the Session holds, by the parent their key names.
	byKey := map[any][]unsafe.Pointer{}
	u.each(r.target, func(c unsafe.Pointer, status objStatus) {
		if live(status) {
			if k, ok := rowKey(r.targetCols(), c); ok {
				byKey[k] = append(byKey[k], c)
			}
		}
	})
	owner := r.owners(u)
	cm := u.s.meta(r.target)
	slices.SortFunc(parents, func(a, b unsafe.Pointer) int {
		return u.s.meta(r.owner).keyOf(a).compare(u.s.meta(r.owner).keyOf(b))
	})
	for _, p := range parents {
		var kids []unsafe.Pointer
		if r.loaded(p) {
			kids = append(kids, r.items(p)...)
		}
		if k, ok := rowKey(r.ownerCols(), p); ok {
			kids = append(kids, byKey[k]...)
		}
		seen := map[unsafe.Pointer]bool{}
		for _, c := range kids {
			if c == nil || seen[c] || !live(u.status(r.target, c)) {
				continue
			}
			seen[c] = true
			if o := owner[c]; o != nil && o != p {
				continue // moved to a live parent
			}
			if r.cascade.has(cascadeDelete) {
				u.delete(r.target, c)
				continue
			}
			r.unlink(cm, p, c)
		}
	}
	return len(parents), nil
}

// loadChildren loads the children of parents whose collection was never
// loaded into the Session (without autoflush: this is the flush), so that
// they can be deleted or unlinked one by one.
func (r *relationship) loadChildren(u *unitOfWork, parents []unsafe.Pointer) error {
	var keys []any
	seen := map[any]bool{}
	for _, p := range parents {
		if k, ok := rowKey(r.ownerCols(), p); ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	per := keysPerStatement(u.s.db.dialect, len(r.ownerCols()), 0)
	for start := 0; start < len(keys); start += per {
		core, _ := r.loadCore(r.target.base, keys[start:min(start+per, len(keys))])
		res, err := execute(u.ctx, noFlush{u.s}, core, func() rowReader[unsafe.Pointer] { return &tableReader{t: r.target} })
		if err != nil {
			return fmt.Errorf("quarry: loading %s of deleted rows: %w", r, err)
		}
		if _, err := res.All(); err != nil {
			return fmt.Errorf("quarry: loading %s of deleted rows: %w", r, err)
		}
	}
	return nil
}

// backPopulateM2M mirrors many-to-many changes into the loaded back
// collections (phase 4).
func (r *relationship) backPopulateM2M(u *unitOfWork) {
	back := r.back
	if back == nil || back.scalar {
		return
	}
	u.each(r.owner, func(p unsafe.Pointer, status objStatus) {
		if !live(status) || !r.loaded(p) {
			return
		}
		items := r.items(p)
		snap, ok := u.s.collSnapshot(r, p)
		for _, k := range items {
			if k != nil && (!ok || !slices.Contains(snap, k)) && back.loaded(k) && !slices.Contains(back.items(k), p) {
				back.add(k, p)
			}
		}
		for _, k := range snap {
			if !slices.Contains(items, k) && back.loaded(k) {
				back.remove(k, p)
			}
		}
	})
}

// beforeWrite sets the foreign keys of the rows of t from their parents'
// keys, just before t is written.
func (r *relationship) beforeWrite(u *unitOfWork, t *table) error {
	switch {
	case r.dir == oneToMany && t == r.target:
		u.each(r.owner, func(p unsafe.Pointer, status objStatus) {
			if !live(status) || !r.loaded(p) || !keyKnown(u, r.owner, p) {
				return
			}
			for _, c := range r.items(p) {
				if c != nil && live(u.status(r.target, c)) {
					copyKey(r.targetCols(), c, r.ownerCols(), p)
				}
			}
		})
	case r.dir == manyToOne && t == r.owner:
		u.each(r.owner, func(c unsafe.Pointer, status objStatus) {
			if !live(status) {
				return
			}
			if q := r.get(c); q != nil && keyKnown(u, r.target, q) {
				copyKey(r.ownerCols(), c, r.targetCols(), q)
			}
		})
	}
	return nil
}

// keyKnown reports whether obj's key may be copied: not a pending object
// whose key the database has yet to generate.
func keyKnown(u *unitOfWork, t *table, obj unsafe.Pointer) bool {
	m := u.s.meta(t)
	return m.auto == nil || !m.isZero(m.auto, obj)
}

// sameKey reports whether columns a of objA equal columns b of objB (NULL
// equals nothing).
func sameKey(a []*columnInfo, objA unsafe.Pointer, b []*columnInfo, objB unsafe.Pointer) bool {
	for i := range a {
		va, oka := a[i].key(a[i].ptr(objA))
		vb, okb := b[i].key(b[i].ptr(objB))
		if !oka || !okb || va != vb {
			return false
		}
	}
	return true
}

// copyKey sets columns dst of objD from columns src of objS, when they
// differ.
func copyKey(dst []*columnInfo, objD unsafe.Pointer, src []*columnInfo, objS unsafe.Pointer) {
	for i, d := range dst {
		s := src[i]
		if d.goType == s.goType {
			if !d.equal(d.ptr(objD), s.ptr(objS)) {
				d.clone(d.ptr(objD), s.ptr(objS))
			}
			continue
		}
		v, ok := s.key(s.ptr(objS))
		if cur, curOK := d.key(d.ptr(objD)); ok && curOK && cur == v {
			continue
		}
		if !ok {
			continue // a NULL key is never copied
		}
		assignKey(d, d.ptr(objD), v)
	}
}

// assignKey stores a normalised key value (int64, string, ...) into a
// foreign-key field of another Go type than the referenced column (such
// as *int64 for int64). Common types are handled without reflection.
func assignKey(c *columnInfo, field unsafe.Pointer, v any) {
	switch d := c.dest(field).(type) {
	case *int64:
		*d = v.(int64)
		return
	case **int64:
		n := v.(int64)
		*d = &n
		return
	case *int:
		*d = int(v.(int64))
		return
	case **int:
		n := int(v.(int64))
		*d = &n
		return
	case *int32:
		*d = int32(v.(int64))
		return
	case **int32:
		n := int32(v.(int64))
		*d = &n
		return
	case *string:
		*d = v.(string)
		return
	case **string:
		s := v.(string)
		*d = &s
		return
	case *sql.Null[int64]:
		*d = sql.Null[int64]{V: v.(int64), Valid: true}
		return
	case *sql.Null[string]:
		*d = sql.Null[string]{V: v.(string), Valid: true}
		return
	case sql.Scanner:
		if d.Scan(v) == nil {
			return
		}
	}
	// Uncommon key types: convert with reflection.
	dv := reflect.NewAt(c.goType, field).Elem()
	sv := reflect.ValueOf(v)
	if dv.Kind() == reflect.Pointer {
		e := reflect.New(dv.Type().Elem())
		e.Elem().Set(sv.Convert(e.Elem().Type()))
		dv.Set(e)
		return
	}
	dv.Set(sv.Convert(dv.Type()))
}

// syncTargets caches which tables are the children of a one-to-many
// relationship, whose rows a flush may change through FK sync.
var syncTargets sync.Map // *table -> bool

// fkSyncTarget reports whether FK sync may change rows of t, so that its
// clean persistent rows are checked when written.
func fkSyncTarget(t *table) bool {
	if v, ok := syncTargets.Load(t); ok {
		return v.(bool)
	}
	if configure() != nil {
		return true
	}
	registry.Lock()
	found := false
	for _, r := range relationships {
		if r.dir == oneToMany && r.target == t {
			found = true
			break
		}
	}
	registry.Unlock()
	syncTargets.Store(t, found)
	return found
}

// afterFlush takes new snapshots of the collections of the Session's
// persistent owners.
func (r *relationship) afterFlush(u *unitOfWork) {
	st := u.relState()
	if st.finished {
		return
	}
	st.finished = true
	for _, rel := range sessionRels(u.s) {
		switch {
		case !rel.scalar:
			rel.snapshotAll(u, st.snapsOf(rel))
		case rel.dir == manyToOne:
			rel.snapshotRefs(u, st.snapsOf(rel))
		}
	}
}

// afterCommit keeps the snapshots as the committed ones.
func (r *relationship) afterCommit(s *Session) {
	if s.rel == nil || s.rel.snaps[r] == nil {
		return
	}
	cs := s.rel.snaps[r]
	cs.committed = make(map[unsafe.Pointer][]unsafe.Pointer, len(cs.cur))
	for p, v := range cs.cur {
		if st := s.stateOf(s.meta(r.owner), p); st != nil && st.status == statusPersistent {
			cs.committed[p] = v
		}
	}
	cs.cur = maps.Clone(cs.committed)
}

// afterRollback restores the committed snapshots: the database holds the
// committed collections again.
func (r *relationship) afterRollback(s *Session) {
	if s.rel == nil || s.rel.snaps[r] == nil {
		return
	}
	cs := s.rel.snaps[r]
	cs.cur = maps.Clone(cs.committed)
}

// savedCollections are the collection snapshots as a savepoint began.
type savedCollections map[*relationship]map[unsafe.Pointer][]unsafe.Pointer

// saveCollections copies the current collection snapshots (their slices
// are never modified in place, so the maps are all there is to copy).
func (s *Session) saveCollections() savedCollections {
	if s.rel == nil {
		return nil
	}
	saved := make(savedCollections, len(s.rel.snaps))
	for r, cs := range s.rel.snaps {
		saved[r] = maps.Clone(cs.cur)
	}
	return saved
}

// restoreCollections puts back the snapshots of a savepoint rolled back:
// the database holds those collections again. Snapshots taken since
// without one to go back to are dropped, so their collections count as
// additions only (see the top of this file).
func (s *Session) restoreCollections(saved savedCollections) {
	if s.rel == nil {
		return
	}
	for r, cs := range s.rel.snaps {
		if cur, ok := saved[r]; ok {
			cs.cur = maps.Clone(cur)
		} else {
			cs.cur = map[unsafe.Pointer][]unsafe.Pointer{}
		}
	}
}

// snapshotRefs records the many-to-one fields of the persistent owners:
// those set, and those emptied since their snapshot.
func (r *relationship) snapshotRefs(u *unitOfWork, cs *collSnaps) {
	u.each(r.owner, func(p unsafe.Pointer, status objStatus) {
		if status != statusPersistent {
			return
		}
		q := r.get(p)
		old, ok := cs.cur[p]
		switch {
		case q != nil && (len(old) != 1 || old[0] != q):
			cs.cur[p] = []unsafe.Pointer{q}
		case q == nil && ok && len(old) > 0:
			cs.cur[p] = []unsafe.Pointer{}
		}
	})
	dropDetached(u, r, cs)
}

// snapshotAll records the loaded collections of the persistent owners.
func (r *relationship) snapshotAll(u *unitOfWork, cs *collSnaps) {
	u.each(r.owner, func(p unsafe.Pointer, status objStatus) {
		if status != statusPersistent || !r.loaded(p) {
			return
		}
		items := r.items(p)
		if old, ok := cs.cur[p]; !ok || !slices.Equal(old, items) {
			cs.cur[p] = slices.Clone(items)
		}
	})
	dropDetached(u, r, cs)
}

// dropDetached forgets the snapshots of owners deleted or expunged.
func dropDetached(u *unitOfWork, r *relationship, cs *collSnaps) {
	for p := range cs.cur {
		if u.status(r.owner, p) == statusDetached {
			delete(cs.cur, p)
		}
	}
}
