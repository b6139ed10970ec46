package quarry

// Single-parent relationships and orphans on the many side: a many-to-one
// or many-to-many with the single_parent flag, whose target belongs to
// at most one owner at a time, as SQLAlchemy's single_parent=True. Only
// with it may such a relationship carry delete-orphan (Configure refuses
// it otherwise), and then a target that loses its one parent is deleted.
//
// SQLAlchemy checks single_parent when the attribute is set; Go has no
// attribute events, so the flush checks it, from the objects as they are
// then: a target held by two live owners of the Session through the
// relationship is an error naming both, and the failed flush changes
// nothing (flush_undo.go). Owners the Session does not hold are not
// seen, as in SQLAlchemy, which knows only the parents in memory.
//
// The flush calls these passes between the relationship passes of
// relationship_flush.go:
//
//   - before pass 2, checkSingleParents: many-to-one fields as the
//     program set them.
//   - after pass 3 (collections), prepareSingleParent: many-to-many
//     collections are checked, and a target that a live owner held at its last
//     load or flush, that it holds no more, and that no live owner holds
//     now is an orphan, deleted (a pending one is expunged). A target
//     moved to another owner is not.
//   - in pass 5 (delete cascades), deletedSideOrphans: the owner itself
//     is deleted. Following SQLAlchemy's dependency processors, a
//     many-to-one deletes the target it held at its last flush and the
//     one it holds now; a many-to-many deletes the targets removed from
//     its collection before the delete (its current members follow the
//     delete cascade, and their association rows are deleted with the
//     owner either way).

import (
	"fmt"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// sideOrphans reports whether r deletes the orphans of its target on
// the many side.
func (r *relationship) sideOrphans() bool {
	return r.SingleParent && r.Cascade.Has(schema.CascadeDeleteOrphan) && (r.Dir == schema.DirManyToOne || r.Dir == schema.DirManyToMany)
}

// checkSingleParents checks the many-to-one fields of the single-parent
// relationships as the program left them (before pass 2). It must come
// before back-population: a many-to-one pointed at an object whose
// one-to-one back-reference still names its first parent would be read
// there as a move (the back-reference replaced), where SQLAlchemy sees a
// second parent; the move is made by setting the back-reference.
func (u *unitOfWork) checkSingleParents() error {
	for _, r := range u.rels {
		if r.SingleParent && r.Dir == schema.DirManyToOne {
			if err := r.checkSingleParent(u); err != nil {
				return err
			}
		}
	}
	return nil
}

// prepareSingleParent checks the many-to-many collections of every
// single-parent relationship and deletes the orphans of live owners on
// the many side (after pass 3).
func (u *unitOfWork) prepareSingleParent() error {
	for _, r := range u.rels {
		if !r.SingleParent || (r.Dir != schema.DirManyToOne && r.Dir != schema.DirManyToMany) {
			continue
		}
		if r.Dir == schema.DirManyToMany {
			if r.back != nil && r.back.Dir == schema.DirManyToMany {
				// Changes made from the other side reach this side's
				// loaded collections now, not at pass 6, so the check
				// and the orphans see them.
				r.back.backPopulateM2M(u)
			}
			if err := r.checkSingleParent(u); err != nil {
				return err
			}
		}
		if r.sideOrphans() {
			r.prepareSideOrphans(u)
		}
	}
	return nil
}

// holders maps each target held by a live owner of r to that owner (the
// first in flush order); a target held by a second owner is an error.
func (r *relationship) holders(u *unitOfWork) (map[field.Ptr]field.Ptr, error) {
	held := map[field.Ptr]field.Ptr{}
	var err error
	u.each(r.owner, func(p field.Ptr, status objStatus) {
		if err != nil || !live(status) {
			return
		}
		for _, c := range r.members(p) {
			if c == nil || !live(u.status(r.target, c)) {
				continue
			}
			if q, dup := held[c]; dup && q != p && r.SingleParent {
				err = fmt.Errorf("quarry: %s is single_parent: %s is held by %s and by %s, and may have only one parent at a time: remove it from one",
					r, u.describe(r.target, c), u.describe(r.owner, q), u.describe(r.owner, p))
				return
			} else if !dup {
				held[c] = p
			}
		}
	})
	return held, err
}

// checkSingleParent fails when a target of r has two live owners.
func (r *relationship) checkSingleParent(u *unitOfWork) error {
	_, err := r.holders(u)
	return err
}

// lost returns the targets that owner p held at its last load or flush
// and holds no more.
func (r *relationship) lost(u *unitOfWork, p field.Ptr, status objStatus) []field.Ptr {
	if r.Dir == schema.DirManyToOne {
		changed, old := r.refChanged(u, p, status)
		if changed && old != nil && old != r.Get(p) {
			return []field.Ptr{old}
		}
		return nil
	}
	if !r.loaded(p) {
		return nil
	}
	snap, _ := u.s.collSnapshot(r, p)
	var out []field.Ptr
	items := r.Items(p)
	for _, c := range snap {
		if !slices.Contains(items, c) {
			out = append(out, c)
		}
	}
	return out
}

// orphaned deletes the candidates no live owner of r holds.
func (r *relationship) orphaned(u *unitOfWork, held map[field.Ptr]field.Ptr, candidates []field.Ptr) {
	for _, c := range candidates {
		if c == nil || held[c] != nil || !live(u.status(r.target, c)) || r.heldUnloaded(u, c) {
			continue
		}
		u.deleteDerived(r.target, c)
	}
}

// heldUnloaded reports whether a live owner of a many-to-one whose field
// was never loaded refers to c by its foreign key: c still has that
// parent in the database.
func (r *relationship) heldUnloaded(u *unitOfWork, c field.Ptr) bool {
	if r.Dir != schema.DirManyToOne {
		return false
	}
	found := false
	u.each(r.owner, func(p field.Ptr, status objStatus) {
		if found || status != statusPersistent || r.Get(p) != nil {
			return
		}
		if _, known := r.refSnapshot(u.s, p); known {
			return // loaded, and cleared: not a parent
		}
		found = sameKey(r.ownerCols(), p, r.targetCols(), c)
	})
	return found
}

// prepareSideOrphans deletes the targets that live owners of r let go
// of and that no live owner holds now.
func (r *relationship) prepareSideOrphans(u *unitOfWork) {
	held, _ := r.holders(u) // checked already
	var candidates []field.Ptr
	u.each(r.owner, func(p field.Ptr, status objStatus) {
		if status == statusPersistent {
			candidates = append(candidates, r.lost(u, p, status)...)
		}
	})
	r.orphaned(u, held, candidates)
}

// deletedSideOrphans deletes, with each deleted owner of r not yet done,
// the targets it leaves without a parent (pass 5); it returns how many
// owners it handled.
func (r *relationship) deletedSideOrphans(u *unitOfWork, done map[field.Ptr]bool) int {
	parents := r.deletedOwners(u, done)
	if len(parents) == 0 {
		return 0
	}
	held, _ := r.holders(u)
	var candidates []field.Ptr
	for _, p := range parents {
		candidates = append(candidates, r.lost(u, p, statusDeleted)...)
		if r.Dir == schema.DirManyToOne {
			candidates = append(candidates, r.Get(p))
		}
	}
	r.orphaned(u, held, candidates)
	if r.Cascade.Has(schema.CascadeDelete) {
		for _, p := range parents {
			for _, c := range slices.Clone(r.members(p)) {
				if c != nil {
					u.deleteDerived(r.target, c)
				}
			}
		}
	}
	return len(parents)
}

// describe names an object of t for an error: its type and primary key,
// or "new" and its type while the database has yet to generate its key.
func (u *unitOfWork) describe(t *table, obj field.Ptr) string {
	if !keyKnown(u, t, obj) {
		return fmt.Sprintf("a new %v", t.GoType)
	}
	return fmt.Sprintf("%v %v", t.GoType, keyValues(u.s.meta(t), obj))
}
