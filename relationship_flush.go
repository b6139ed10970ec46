package quarry

// Relationships in the unit of work. The flush (flush.go) calls these
// passes directly, every decision made from the objects as they are at
// flush time, in a fixed order: relationships in table-name and field
// order, objects in primary-key order (pending ones in Add order), never
// in map order.
//
//  1. Save-update cascades bring the objects that live objects refer to
//     into the Session (never an object deleted in this Session).
//  2. Many-to-one fields changed since their snapshot are back-populated:
//     the new parent's loaded collection gains the object and the old
//     parent's loses it. A field set to nil unlinks the object.
//  3. Collections (one-to-many, and one-to-one with the key on the other
//     side) are compared with their snapshots. A member gained since then
//     belongs to the collection that gained it: it leaves any other
//     collection holding it, in memory too; two collections gaining the
//     same object is an error naming both owners. A member lost and not
//     gained elsewhere is an orphan: deleted under delete-orphan,
//     otherwise its foreign key is set to NULL.
//  4. Pending objects brought in by a cascade and no longer reachable from
//     any live object are pending orphans: expunged under delete-orphan,
//     inserted as they are otherwise (an error when their foreign key is
//     unset and cannot be NULL).
//  5. Delete cascades, until nothing more is deleted: the members still in
//     a deleted owner's collection follow its delete cascade or get a NULL
//     foreign key; members removed from it before the delete are orphans as
//     in 3; a many-to-one with the delete cascade deletes the object its
//     field holds at flush time. Children whose collection was never loaded
//     are loaded first (one SELECT per relationship), so that each UPDATE
//     or DELETE names its row.
//  6. Many-to-many collections are back-populated.
//
// Relationships with single_parent (relationship_orphan.go) are checked
// before pass 2 (many-to-one) and after pass 3 (many-to-many), where the
// many-to-one and many-to-many orphans of live owners are found too;
// those of deleted owners are found in pass 5.
//
// While rows are written, foreign keys are copied from parents (FK sync)
// only where the relationship changed: a pending child, a member gained
// by a collection, a many-to-one field pointed elsewhere. Association rows
// are written after every INSERT and before any DELETE
// (relationship_flush_m2m.go). After success the flushed deletes leave
// the loaded collections of the Session's objects, and new snapshots are
// taken (relationship_snapshot.go).
//
// Every change the passes make to objects (keys nulled or copied, fields
// back-populated, deletes and expunges they decide) is undone when the
// flush fails, so a failed flush leaves the objects as the program left
// them.

import (
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// flushDeps orders the tables of a one-to-many or many-to-one pair even
// when the foreign key is not declared on the column.
func (r *relationship) flushDeps() []tableDep {
	if len(r.Pairs) == 0 || r.Dir == schema.DirManyToMany {
		return nil
	}
	ref, fk := r.Pairs[0].Ref.Table, r.Pairs[0].FK.Table
	return []tableDep{{parent: ref, child: fk}}
}

// sessionRels lists the resolved relationships of the tables the Session
// holds, in table-name and field order.
func sessionRels(s *Session) []*relationship {
	var out []*relationship
	for _, m := range s.metasSorted() {
		for _, r := range m.t.relations {
			if r.target != nil && !r.ViewOnly {
				out = append(out, r)
			}
		}
	}
	return out
}

// live reports whether an object is pending or persistent (not deleted)
// in the Session.
func live(st objStatus) bool { return st == statusPending || st == statusPersistent }

// relFlush is the relationship part of one flush.
type relFlush struct {
	// gained maps, per relationship, the members gained since their
	// owner's snapshot to that owner: their foreign keys are synced.
	gained map[*relationship]map[field.Ptr]field.Ptr
	// repointed holds, per many-to-one relationship, the objects whose
	// field points elsewhere than at their last flush.
	repointed map[*relationship]map[field.Ptr]bool
	// rows are the association rows written by this flush, so a change
	// seen from both sides of a many-to-many is written once.
	rows map[string]bool
}

// prepareRelations runs passes 2 to 6 (see the top of this file).
func (u *unitOfWork) prepareRelations() error {
	u.rf = relFlush{
		gained:    map[*relationship]map[field.Ptr]field.Ptr{},
		repointed: map[*relationship]map[field.Ptr]bool{},
	}
	if len(u.s.derived) > 0 {
		u.reconcileDerived()
	}
	if err := u.checkSingleParents(); err != nil {
		return err
	}
	for _, r := range u.rels {
		if r.Dir == schema.DirManyToOne {
			if err := r.prepareRefs(u); err != nil {
				return err
			}
		}
	}
	for _, r := range u.rels {
		if r.Dir == schema.DirOneToMany {
			if err := r.prepareCollection(u); err != nil {
				return err
			}
		}
	}
	if err := u.prepareSingleParent(); err != nil {
		return err
	}
	if err := u.preparePendingOrphans(); err != nil {
		return err
	}
	if err := u.prepareDeletes(); err != nil {
		return err
	}
	for _, r := range u.rels {
		if r.Dir == schema.DirManyToMany && (u.s.rolledBackIn(r) || u.s.rolledBackIn(r.back)) {
			r.yieldRolledBackM2M(u)
		}
	}
	for _, r := range u.rels {
		if r.Dir == schema.DirManyToMany {
			r.backPopulateM2M(u)
		}
	}
	return nil
}

// refSnapshot returns the object obj's many-to-one field held at its last
// load or flush; ok is false when that is unknown.
func (r *relationship) refSnapshot(s *Session, obj field.Ptr) (field.Ptr, bool) {
	snap, ok := s.collSnapshot(r, obj)
	if !ok {
		return nil, false
	}
	if len(snap) == 1 {
		return snap[0], true
	}
	return nil, true
}

// refChanged reports whether obj's many-to-one field points at another
// object than at its last load or flush, and the object it pointed at then
// (when the Session knows it).
func (r *relationship) refChanged(u *unitOfWork, obj field.Ptr, status objStatus) (bool, field.Ptr) {
	q := r.Get(obj)
	if old, ok := r.refSnapshot(u.s, obj); ok {
		return q != old, old
	}
	if status == statusPending {
		return q != nil, nil
	}
	st := u.s.stateOf(u.s.meta(r.owner), obj)
	old := findByKey(u.s, r.target, r.targetCols(), r.ownerCols(), st.snap)
	if q == nil {
		return false, nil // never loaded
	}
	return !sameKey(r.ownerCols(), st.snap, r.targetCols(), q), old
}

// refChange is a many-to-one field of obj changed since its snapshot:
// it held old and holds q.
type refChange struct{ obj, old, q field.Ptr }

// prepareRefs handles the many-to-one fields changed since their snapshot
// (pass 2).
func (r *relationship) prepareRefs(u *unitOfWork) error {
	var changes []refChange
	u.each(r.owner, func(obj field.Ptr, status objStatus) {
		if !live(status) {
			return
		}
		if changed, old := r.refChanged(u, obj, status); changed {
			changes = append(changes, refChange{obj, old, r.Get(obj)})
		}
	})
	back := r.back
	if u.s.rolledBackIn(r) {
		r.yieldRolledBack(u, changes)
	}
	for _, c := range changes {
		if c.q == nil {
			if status := u.status(r.owner, c.obj); status == statusPersistent && c.old != nil {
				if err := r.unlinkRef(u, c.obj, c.old); err != nil {
					return err
				}
			}
			continue
		}
		set := u.rf.repointed[r]
		if set == nil {
			set = map[field.Ptr]bool{}
			u.rf.repointed[r] = set
		}
		set[c.obj] = true
		if back == nil || back.Dir != schema.DirOneToMany {
			continue
		}
		if c.old != nil && c.old != c.q && back.fieldLoaded(u.s, c.old) {
			u.removeMember(back, c.old, c.obj)
		}
		if back.fieldLoaded(u.s, c.q) || back.Scalar {
			if !slices.Contains(back.members(c.q), c.obj) {
				u.addMember(back, c.q, c.obj)
			}
		}
	}
	return nil
}

// unlinkRef writes obj's many-to-one field set to nil since it held old:
// obj leaves old's loaded collection, where the collection's own rules
// (delete-orphan, or a NULL foreign key) take over; otherwise an orphan
// of a delete-orphan collection is deleted and any other object gets a
// NULL foreign key. A foreign key the program set itself is left as it
// is.
func (r *relationship) unlinkRef(u *unitOfWork, obj, old field.Ptr) error {
	m := u.s.meta(r.owner)
	st := u.s.stateOf(m, obj)
	if st == nil || st.snap == nil {
		return nil
	}
	fks := r.ownerCols()
	for _, c := range fks {
		if !c.Equal(c.Ptr(obj), c.Ptr(st.snap)) {
			return nil
		}
	}
	if b := r.back; b != nil && b.Dir == schema.DirOneToMany {
		if b.fieldLoaded(u.s, old) && slices.Contains(b.members(old), obj) {
			u.removeMember(b, old, obj)
			return nil // pass 3 sees the loss
		}
		if b.Cascade.Has(schema.CascadeDeleteOrphan) {
			u.deleteDerived(r.owner, obj)
			return nil
		}
	}
	return u.nullKey(r.owner, fks, obj, r)
}

// nullKey sets the foreign-key columns cols of obj (a row of t) to NULL,
// or fails naming the relationship when they cannot be NULL.
func (u *unitOfWork) nullKey(t *table, cols []*schema.Column, obj field.Ptr, r *relationship) error {
	m := u.s.meta(t)
	for _, c := range cols {
		if !c.Nullable {
			return fmt.Errorf("quarry: %v.%s: %v %v loses its parent, but %s cannot be NULL: delete it (cascade delete or delete-orphan), or give it another parent",
				r.owner.GoType, r.Field, t.GoType, keyValues(m, obj), c)
		}
	}
	for _, c := range cols {
		u.setColumn(m, c, obj, m.Zero)
	}
	return nil
}

// prepareCollection compares the collections of a one-to-many (or
// one-to-one) relationship with their snapshots (pass 3).
func (r *relationship) prepareCollection(u *unitOfWork) error {
	type owned struct {
		p     field.Ptr
		items []field.Ptr
		snap  []field.Ptr
		known bool
	}
	var owners []owned
	u.each(r.owner, func(p field.Ptr, status objStatus) {
		if !live(status) || !r.fieldLoaded(u.s, p) {
			return
		}
		snap, ok := u.s.collSnapshot(r, p)
		// items stays valid: fields are replaced, never edited in place
		// below their length.
		owners = append(owners, owned{p: p, items: r.members(p), snap: snap, known: ok})
	})
	if r.Scalar {
		for i := range owners { // members of a scalar alias the field
			owners[i].items = slices.Clone(owners[i].items)
		}
	}
	back := r.back
	gained := map[field.Ptr]field.Ptr{}
	var gainOrder []field.Ptr
	for _, o := range owners {
		for _, c := range o.items {
			if c == nil || (o.known && slices.Contains(o.snap, c)) || !live(u.status(r.target, c)) {
				continue
			}
			if back != nil && back.Dir == schema.DirManyToOne && u.s.flushedBefore(r, o.p, c) && back.removedSince(u.s, c, o.p) {
				u.removeMember(r, o.p, c) // c left o.p since, from its side
				continue
			}
			prev, dup := gained[c]
			switch {
			case !dup:
				gained[c] = o.p
				gainOrder = append(gainOrder, c)
			case prev == o.p:
			case newer(u.s, r, prev, c, r, o.p, c):
			case newer(u.s, r, o.p, c, r, prev, c):
				gained[c] = o.p
			default:
				m := u.s.meta(r.owner)
				return fmt.Errorf("quarry: %s: one %v was added to the collections of two %v objects since the last flush (%v and %v): remove it from one",
					r, r.target.GoType, r.owner.GoType, keyValues(m, prev), keyValues(m, o.p))
			}
		}
	}
	for _, c := range gainOrder {
		p := gained[c]
		if back != nil && back.Dir == schema.DirManyToOne && u.rf.repointed[back][c] {
			if q := back.Get(c); q != nil && q != p && !newer(u.s, r, p, c, back, c, q) {
				if newer(u.s, back, c, q, r, p, c) {
					delete(gained, c) // c's own field was set since: it wins
					u.removeMember(r, p, c)
					continue
				}
				m := u.s.meta(r.owner)
				return fmt.Errorf("quarry: %s: a %v was added to the collection of %v %v but its %s points at %v %v: set one or the other",
					r, r.target.GoType, r.owner.GoType, keyValues(m, p), back.Field, r.owner.GoType, keyValues(m, q))
			}
		}
		if back != nil && back.Dir == schema.DirManyToOne && back.Get(c) != p {
			u.setRef(back, c, p)
		}
	}
	// A gained member moved: it leaves every other collection holding it.
	for _, o := range owners {
		for _, c := range o.items {
			if g := gained[c]; g != nil && g != o.p {
				u.removeMember(r, o.p, c)
			}
		}
	}
	u.rf.gained[r] = gained
	cm := u.s.meta(r.target)
	for _, o := range owners {
		for _, c := range o.snap {
			if slices.Contains(o.items, c) || gained[c] != nil || !live(u.status(r.target, c)) {
				continue
			}
			if back != nil && back.Dir == schema.DirManyToOne {
				if q := back.Get(c); q != nil && q != o.p {
					continue // moved through its many-to-one field
				}
			}
			if err := r.orphan(u, cm, o.p, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// orphan handles child c, removed from p's collection and not moved: it
// is deleted under delete-orphan, or loses its foreign key.
func (r *relationship) orphan(u *unitOfWork, cm *tableMeta, p, c field.Ptr) error {
	if r.Cascade.Has(schema.CascadeDeleteOrphan) {
		u.deleteDerived(r.target, c)
		return nil
	}
	return r.unlink(u, cm, p, c)
}

// unlink sets the foreign key of child c to NULL if it still names p or
// c's many-to-one field points at p, and clears that field.
func (r *relationship) unlink(u *unitOfWork, cm *tableMeta, p, c field.Ptr) error {
	b := r.back
	pointsAtP := b != nil && b.Dir == schema.DirManyToOne && b.Get(c) == p
	if pointsAtP || sameKey(r.targetCols(), c, r.ownerCols(), p) {
		if err := u.nullKey(r.target, r.targetCols(), c, r); err != nil {
			return err
		}
	}
	if pointsAtP {
		u.setRef(b, c, nil)
	}
	return nil
}

// preparePendingOrphans handles the pending objects a cascade brought in
// that no live object refers to any more (pass 4), and those a parent
// under delete-orphan held at the last flush before a rollback.
func (u *unitOfWork) preparePendingOrphans() error {
	s := u.s
	var cascaded []*objState
	heldBefore := u.heldByOrphanRuleBefore()
	for _, st := range s.livePending() {
		if st.cascaded || heldBefore[st.obj] {
			cascaded = append(cascaded, st)
		}
	}
	if len(cascaded) == 0 {
		return nil
	}
	s.markSeq++
	mark := s.markSeq
	for _, r := range u.rels {
		if !r.Cascade.Has(schema.CascadeSaveUpdate) {
			continue
		}
		u.each(r.owner, func(p field.Ptr, status objStatus) {
			if live(status) {
				for _, c := range r.members(p) {
					if st := s.pendingBy[c]; st != nil {
						st.mark = mark // reached
					}
				}
			}
		})
	}
	for _, st := range cascaded {
		if st.mark == mark || st.status != statusPending {
			continue
		}
		if u.orphanRule(st.m.t) {
			u.expungeDerived(st)
			continue
		}
		for _, r := range u.rels {
			if r.Dir != schema.DirOneToMany || r.target != st.m.t {
				continue
			}
			for _, c := range r.targetCols() {
				if !c.Nullable && st.m.IsZero(c, st.obj) {
					return fmt.Errorf("quarry: %v.%s: a new %v was removed from the collection and belongs to no %v, but %s cannot be NULL: add it to a collection, set its key, or Expunge it",
						r.owner.GoType, r.Field, st.m.t.GoType, r.owner.GoType, c)
				}
			}
		}
	}
	return nil
}

// orphanRule reports whether a relationship with delete-orphan targets t.
func (u *unitOfWork) orphanRule(t *table) bool {
	for _, r := range u.rels {
		if r.target == t && (r.Dir == schema.DirOneToMany && r.Cascade.Has(schema.CascadeDeleteOrphan) || r.sideOrphans()) {
			return true
		}
	}
	return false
}

// prepareDeletes runs the delete cascades of deleted objects (pass 5)
// until no new object is deleted.
func (u *unitOfWork) prepareDeletes() error {
	done := map[*relationship]map[field.Ptr]bool{}
	for {
		progress := false
		for _, r := range u.rels {
			if done[r] == nil {
				done[r] = map[field.Ptr]bool{}
			}
			var n int
			var err error
			switch {
			case r.Dir == schema.DirOneToMany:
				n, err = r.prepareDeleted(u, done[r])
			case r.sideOrphans():
				n = r.deletedSideOrphans(u, done[r])
			case r.Cascade.Has(schema.CascadeDelete):
				n = r.cascadeDeleted(u, done[r])
			}
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

// deletedOwners returns the deleted owners of r not yet done, marking
// them done.
func (r *relationship) deletedOwners(u *unitOfWork, done map[field.Ptr]bool) []field.Ptr {
	var out []field.Ptr
	u.each(r.owner, func(p field.Ptr, status objStatus) {
		if status == statusDeleted && !done[p] {
			done[p] = true
			out = append(out, p)
		}
	})
	return out
}

// cascadeDeleted deletes, with each deleted owner, the objects a
// many-to-one or many-to-many field with the delete cascade holds now.
func (r *relationship) cascadeDeleted(u *unitOfWork, done map[field.Ptr]bool) int {
	parents := r.deletedOwners(u, done)
	for _, p := range parents {
		for _, c := range slices.Clone(r.members(p)) {
			if c != nil {
				u.deleteDerived(r.target, c)
			}
		}
	}
	return len(parents)
}

// prepareDeleted deletes or unlinks the children of the deleted owners
// not yet done; it returns how many owners it handled.
func (r *relationship) prepareDeleted(u *unitOfWork, done map[field.Ptr]bool) (int, error) {
	parents := r.deletedOwners(u, done)
	if len(parents) == 0 {
		return 0, nil
	}
	var unloaded []field.Ptr
	for _, p := range parents {
		if !r.fieldLoaded(u.s, p) {
			unloaded = append(unloaded, p)
		}
	}
	if len(unloaded) > 0 {
		if err := r.loadChildren(u, unloaded); err != nil {
			return 0, err
		}
	}
	back := r.back
	if back != nil && back.Dir != schema.DirManyToOne {
		back = nil
	}
	// The live children the Session holds, by the parent their key
	// names, and by the parent their many-to-one field points at.
	byKey := map[any][]field.Ptr{}
	byRef := map[field.Ptr][]field.Ptr{}
	u.each(r.target, func(c field.Ptr, status objStatus) {
		if !live(status) {
			return
		}
		if k, ok := rowKey(r.targetCols(), c); ok {
			byKey[k] = append(byKey[k], c)
		}
		if back != nil {
			if q := back.Get(c); q != nil {
				byRef[q] = append(byRef[q], c)
			}
		}
	})
	holder := map[field.Ptr]field.Ptr{}
	u.each(r.owner, func(p field.Ptr, status objStatus) {
		if live(status) && r.fieldLoaded(u.s, p) {
			for _, c := range r.members(p) {
				holder[c] = p
			}
		}
	})
	cm := u.s.meta(r.target)
	for _, p := range parents {
		loaded := r.fieldLoaded(u.s, p)
		items := r.members(p)
		snap, _ := u.s.collSnapshot(r, p)
		kids := slices.Clone(items)
		if k, ok := rowKey(r.ownerCols(), p); ok {
			kids = append(kids, byKey[k]...)
		}
		kids = append(kids, byRef[p]...)
		seen := map[field.Ptr]bool{}
		for _, c := range kids {
			if c == nil || seen[c] || !live(u.status(r.target, c)) {
				continue
			}
			seen[c] = true
			inItems := slices.Contains(items, c)
			if !inItems {
				if h := holder[c]; h != nil && h != p {
					continue // moved to a live parent's collection
				}
				if back != nil {
					if q := back.Get(c); q != nil && q != p {
						continue // moved through its many-to-one field
					}
				}
				if loaded && slices.Contains(snap, c) {
					// Removed from the collection before the delete:
					// an orphan, not a member that follows the cascade.
					if err := r.orphan(u, cm, p, c); err != nil {
						return 0, err
					}
					continue
				}
			}
			if r.Cascade.Has(schema.CascadeDelete) {
				u.deleteDerived(r.target, c)
				continue
			}
			if err := r.unlink(u, cm, p, c); err != nil {
				return 0, err
			}
		}
	}
	return len(parents), nil
}

// loadChildren loads the children of parents whose collection was never
// loaded into the Session (without autoflush: this is the flush), so that
// they can be deleted or unlinked one by one.
func (r *relationship) loadChildren(u *unitOfWork, parents []field.Ptr) error {
	var keys []any
	seen := map[any]bool{}
	for _, p := range parents {
		if k, ok := rowKey(r.ownerCols(), p); ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	per := sqlgen.KeysPerStatement(u.s.db.dialect, len(r.ownerCols()), 0)
	for start := 0; start < len(keys); start += per {
		core, _ := r.loadCore(r.target.base, keys[start:min(start+per, len(keys))])
		res, err := execute(u.ctx, unfiltered{noFlush{u.s}}, core, func() rowReader[field.Ptr] { return &tableReader{t: r.target} })
		if err != nil {
			return wrapErr(err, "loading %s of deleted rows", r)
		}
		if _, err := res.All(); err != nil {
			return wrapErr(err, "loading %s of deleted rows", r)
		}
	}
	return nil
}

// syncKeys sets the foreign keys of the rows of t from their parents'
// keys, just before t is written, where the relationship changed: pending
// children, members gained by a collection, many-to-one fields pointed
// elsewhere. The foreign keys of post-update relationships are copied
// only from parents whose rows exist already; the others are copied by
// the post-update pass (flush_post_update.go).
func (u *unitOfWork) syncKeys(t *table) { u.syncRelKeys(t, false) }

// syncRelKeys is syncKeys, or with post set the post-update pass's copy
// of the keys of the post-update relationships alone.
func (u *unitOfWork) syncRelKeys(t *table, post bool) {
	for _, r := range u.rels {
		if post && !u.post[r] {
			continue
		}
		// Outside the post-update pass, a post-update key is copied only
		// from a row that exists.
		exists := func(p field.Ptr) bool { return post || !u.post[r] || u.status(r.owner, p) == statusPersistent }
		switch {
		case r.Dir == schema.DirOneToMany && t == r.target:
			gained := u.rf.gained[r]
			u.each(r.owner, func(p field.Ptr, status objStatus) {
				if !live(status) || !keyKnown(u, r.owner, p) || !exists(p) {
					return
				}
				for _, c := range r.members(p) {
					if c == nil {
						continue
					}
					cs := u.status(r.target, c)
					if cs == statusPending || cs == statusPersistent && gained[c] == p {
						u.copyKey(r.target, r.targetCols(), c, r.ownerCols(), p)
					}
				}
			})
		case r.Dir == schema.DirManyToOne && t == r.owner:
			repointed := u.rf.repointed[r]
			u.each(r.owner, func(c field.Ptr, status objStatus) {
				if status != statusPending && !(status == statusPersistent && repointed[c]) {
					return
				}
				if q := r.Get(c); q != nil && keyKnown(u, r.target, q) && (post || !u.post[r] || u.status(r.target, q) == statusPersistent) {
					u.copyKey(r.owner, r.ownerCols(), c, r.targetCols(), q)
				}
			})
		}
	}
}

// keyKnown reports whether obj's key may be copied: not a pending object
// whose key the database has yet to generate.
func keyKnown(u *unitOfWork, t *table, obj field.Ptr) bool {
	m := u.s.meta(t)
	return m.Auto == nil || !m.IsZero(m.Auto, obj)
}

// sameKey reports whether columns a of objA equal columns b of objB (NULL
// equals nothing).
func sameKey(a []*schema.Column, objA field.Ptr, b []*schema.Column, objB field.Ptr) bool {
	for i := range a {
		va, oka := a[i].Key(a[i].Ptr(objA))
		vb, okb := b[i].Key(b[i].Ptr(objB))
		if !oka || !okb || va != vb {
			return false
		}
	}
	return true
}

// findByKey finds the object of table t in the Session whose columns cols
// equal the columns from of obj; only when cols are t's primary key.
func findByKey(s *Session, t *table, cols, from []*schema.Column, obj field.Ptr) field.Ptr {
	if len(cols) != len(t.PK) || obj == nil {
		return nil
	}
	vals := make([]any, len(cols))
	for i, c := range t.PK {
		j := slices.Index(cols, c)
		if j < 0 {
			return nil
		}
		v, ok := from[j].Key(from[j].Ptr(obj))
		if !ok {
			return nil
		}
		vals[i] = v
	}
	k, err := s.meta(t).KeyOfValues(vals)
	if err != nil {
		return nil
	}
	if st := s.ids.get(k); st != nil {
		return st.obj
	}
	return nil
}

// copyKey sets columns dst of objD (a row of t) from columns src of objS,
// when they differ.
func (u *unitOfWork) copyKey(t *table, dst []*schema.Column, objD field.Ptr, src []*schema.Column, objS field.Ptr) {
	m := u.s.meta(t)
	for i, d := range dst {
		s := src[i]
		if d.GoType == s.GoType {
			if !d.Equal(d.Ptr(objD), s.Ptr(objS)) {
				u.remember(m, d, objD)
				d.Clone(d.Ptr(objD), s.Ptr(objS))
			}
			continue
		}
		v, ok := s.Key(s.Ptr(objS))
		if !ok {
			continue // a NULL key is never copied
		}
		if cur, curOK := d.Key(d.Ptr(objD)); curOK && cur == v {
			continue
		}
		u.remember(m, d, objD)
		assignKey(d, d.Ptr(objD), v)
	}
}

// assignKey stores a normalised key value (int64, string, ...) into a
// foreign-key field of another Go type than the referenced column (such
// as *int64 for int64). Common types are handled without reflection.
func assignKey(c *schema.Column, fp field.Ptr, v any) {
	switch d := c.Dest(fp).(type) {
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
	dv := field.Reflect(c.GoType, fp)
	sv := reflect.ValueOf(v)
	if dv.Kind() == reflect.Pointer {
		e := reflect.New(dv.Type().Elem())
		e.Elem().Set(sv.Convert(e.Elem().Type()))
		dv.Set(e)
		return
	}
	dv.Set(sv.Convert(dv.Type()))
}

// dropDeletedMembers takes the objects whose DELETE the flush ran out of
// the fields of the Session's live objects: the fields then show what the
// database holds, and no cascade finds the deleted objects again.
func (u *unitOfWork) dropDeletedMembers(gone map[field.Ptr]bool) {
	if len(gone) == 0 {
		return
	}
	for _, r := range u.rels {
		if r.Dir == schema.DirManyToOne {
			continue
		}
		u.each(r.owner, func(p field.Ptr, status objStatus) {
			if !live(status) {
				return
			}
			items := r.members(p)
			if !slices.ContainsFunc(items, func(c field.Ptr) bool { return gone[c] }) {
				return
			}
			r.setMembers(p, slices.DeleteFunc(slices.Clone(items), func(c field.Ptr) bool { return gone[c] }))
			if !r.Scalar && r.Items(p) == nil {
				r.SetItems(p, []field.Ptr{})
			}
		})
	}
}

// syncTargets caches which tables are the children of a one-to-many
// relationship, whose rows a flush may change through FK sync, per
// published catalog (a table mapped later may add such a relationship).
var syncTargets sync.Map // syncTarget -> bool

type syncTarget struct {
	t *table
	c *catalog
}

// fkSyncTarget reports whether FK sync may change rows of t, so that its
// clean persistent rows are checked when written.
func fkSyncTarget(t *table) bool {
	if t.md == nil || t.md.Configure() != nil {
		return true
	}
	k := syncTarget{t, t.md.catalog()}
	if v, ok := syncTargets.Load(k); ok {
		return v.(bool)
	}
	found := false
	for _, r := range k.c.rels {
		if r.Dir == schema.DirOneToMany && r.target == t {
			found = true
			break
		}
	}
	syncTargets.Store(k, found)
	return found
}
