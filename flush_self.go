package quarry

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Rows of a self-referential table (a tree of nodes, say) depend on each
// other: a new child needs the generated key of its new parent before its
// INSERT, and a child goes before its parent when both are deleted. The
// flush orders such rows in levels along the table's relationships to
// itself, read from the objects' relationship fields.

// selfRelations returns the one-to-many and many-to-one relationships of
// m's table to itself, except those the post-update pass writes and the
// viewonly ones, which write nothing.
func (u *unitOfWork) selfRelations(m *tableMeta) []*relationship {
	var out []*relationship
	for _, r := range m.t.relations {
		if r.target == m.t && r.Dir != schema.DirManyToMany && !u.post[r] && !r.ViewOnly {
			out = append(out, r)
		}
	}
	return out
}

// selfLevels splits objs into levels: an object whose parents, through
// rels, are among objs comes one level after the deepest of them. The order of
// objs is kept inside each level. It returns nil when no object has its
// parent among objs, and an object of a cycle of parents when there is
// one: no order of INSERTs or DELETEs suits those.
func selfLevels(objs []*objState, rels []*relationship) ([][]*objState, field.Ptr) {
	in := make(map[field.Ptr]bool, len(objs))
	for _, st := range objs {
		in[st.obj] = true
	}
	// An object may have several parents (a tree node's parent and its
	// previous sibling): it comes after all of them.
	parent := map[field.Ptr][]field.Ptr{}
	for _, r := range rels {
		for _, st := range objs {
			switch r.Dir {
			case schema.DirManyToOne:
				if p := r.Get(st.obj); p != nil && p != st.obj && in[p] {
					parent[st.obj] = append(parent[st.obj], p)
				}
			case schema.DirOneToMany:
				for _, c := range r.Items(st.obj) {
					if c != nil && c != st.obj && in[c] {
						parent[c] = append(parent[c], st.obj)
					}
				}
			}
		}
	}
	if len(parent) == 0 {
		return nil, nil
	}
	depth := make(map[field.Ptr]int, len(objs))
	var cycle field.Ptr
	var level func(o field.Ptr) int
	level = func(o field.Ptr) int {
		if d, ok := depth[o]; ok {
			if d < 0 && cycle == nil {
				cycle = o
			}
			return max(d, 0)
		}
		depth[o] = -1 // met again inside a cycle
		d := 0
		for _, p := range parent[o] {
			d = max(d, level(p)+1)
		}
		depth[o] = d
		return d
	}
	var levels [][]*objState
	for _, st := range objs {
		d := level(st.obj)
		for len(levels) <= d {
			levels = append(levels, nil)
		}
		levels[d] = append(levels[d], st)
	}
	return levels, cycle
}

// writeSelfReferential writes the new and changed rows of a table with
// relationships to itself: its new rows level by level, parents first,
// setting foreign keys from the keys each level generated, then its
// UPDATEs, which may point existing rows at the new ones.
func (u *unitOfWork) writeSelfReferential(w *tableWork, rels []*relationship, beforeWrite func() error) error {
	levels, cycle := selfLevels(w.pending, rels)
	if cycle != nil {
		return selfCircularError(w.m, rels, cycle)
	}
	if levels == nil {
		levels = [][]*objState{w.pending}
	}
	all := w.pending
	defer func() { w.pending = all }()
	for _, level := range levels {
		if err := beforeWrite(); err != nil {
			return err
		}
		w.pending = level
		if err := u.inserts(w); err != nil {
			return err
		}
	}
	if err := beforeWrite(); err != nil {
		return err
	}
	return u.updates(w)
}

// orderSelfDeletes puts children before their parents among the rows of
// a self-referential table to delete, keeping key order inside a level.
func orderSelfDeletes(w *tableWork, rels []*relationship) error {
	levels, cycle := selfLevels(w.deletes, rels)
	if cycle != nil {
		return selfCircularError(w.m, rels, cycle)
	}
	if levels == nil {
		return nil
	}
	w.deletes = w.deletes[:0]
	for _, level := range slices.Backward(levels) {
		w.deletes = append(w.deletes, level...)
	}
	return nil
}
