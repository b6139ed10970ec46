package quarry

import (
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// SelectIn at run time, and the explicit Load of relationship_load.go: the
// chunked WHERE fk IN (...) load (loadCore, assign), reading the related
// rows without knowing C statically so that a loader path of any depth
// runs from one plan, and honouring the And criteria of the option.

// relRow is one related object and, for a many-to-many, the owner key
// read from the association table.
type relRow struct {
	obj  field.Ptr
	keys []any
}

// relRowReader reads whole rows of a table plus extra key columns.
type relRowReader struct {
	t     *table
	obj   field.Ptr
	extra []any
	// ls is the columns read, nil for all (column_load.go).
	ls *loadSet
}

func (r *relRowReader) prepare(dst []any) []any {
	r.obj = r.t.Alloc.New()
	for _, c := range r.ls.columnsOf(r.t) {
		dst = append(dst, c.Dest(c.Ptr(r.obj)))
	}
	for i := range r.extra {
		dst = append(dst, &r.extra[i])
	}
	return dst
}

func (r *relRowReader) finish(rc *readCtx) (relRow, error) {
	obj := r.obj
	if rc.ids != nil {
		obj = rc.mergeCols(r.t, obj, r.ls)
	} else {
		rc.afterLoad(r.t, obj)
	}
	var keys []any
	if len(r.extra) > 0 {
		keys = make([]any, len(r.extra))
		copy(keys, r.extra)
	}
	return relRow{obj: obj, keys: keys}, nil
}

// readRelRows runs a load statement and returns its rows.
func (lc *loadCtx) readRelRows(rel *relationship, core *selectCore, nExtra int, ls *loadSet) ([]relRow, error) {
	held := lc.conn(rel)
	res, err := execute(lc.ctx, held, core, func() rowReader[relRow] {
		return &relRowReader{t: rel.target, extra: make([]any, nExtra), ls: ls}
	})
	if err != nil {
		return nil, err
	}
	rows, err := res.All()
	if err != nil || held.c.ids != nil {
		return rows, err
	}
	objs := make([]field.Ptr, len(rows))
	for i, r := range rows {
		objs[i] = r.obj
	}
	lc.read(rel, objs)
	return rows, nil
}

// selectIn loads the relationship of n for parents, leaving alone the
// fields a Session must keep (keepLoaded).
func (lc *loadCtx) selectIn(n *loadNode, parents []field.Ptr) error {
	fill := parents[:0:0]
	for _, p := range parents {
		if lc.force || !keepLoaded(lc.ids, n.ref.rel, p) {
			fill = append(fill, p)
		}
	}
	target := n.ref.targetSource()
	ls, err := n.targetLoad()
	if err != nil {
		return err
	}
	return lc.fillFrom(n.ref, fill, criteria(n.ref, target), ls)
}

// fillFrom is the one chunked key loader: it reads the related rows of
// parents with SELECT ... WHERE key IN (...), as many keys per statement
// as the parameter budget allows (leaving room for the extra criteria),
// and sets each parent's field to its rows. ls is the columns of the
// related rows read (nil for all).
func (lc *loadCtx) fillFrom(ref *relRef, parents []field.Ptr, extra []node, ls *loadSet) error {
	rel := ref.rel
	if err := lc.loadOwnerCols(rel, parents); err != nil {
		return wrapErr(err, "loading %s", rel)
	}
	ownerCols := rel.ownerCols()
	var keys []any
	byKey := map[any]bool{}
	for _, p := range parents {
		if k, ok := rowKey(ownerCols, p); ok && !byKey[k] {
			byKey[k] = true
			keys = append(keys, k)
		}
	}
	children := map[any][]field.Ptr{}
	if len(keys) > 0 {
		per := sqlgen.KeysPerStatement(lc.held.c.db.dialect, len(ownerCols), criteriaBudget)
		target := ref.targetSource()
		childCols := rel.targetCols()
		for start := 0; start < len(keys); start += per {
			chunk := keys[start:min(start+per, len(keys))]
			core, nExtra := rel.loadCoreCols(target, chunk, ls)
			if !lc.lazy {
				inList(core)
			}
			core.where = append(core.where, extra...)
			rows, err := lc.readRelRows(rel, core, nExtra, ls)
			if err != nil {
				return wrapErr(err, "loading %s", rel)
			}
			for _, row := range rows {
				if k, ok := childKey(row.keys, childCols, row.obj); ok {
					children[k] = append(children[k], row.obj)
				}
			}
		}
	}
	for _, p := range parents {
		var kids []field.Ptr
		if k, ok := rowKey(ownerCols, p); ok {
			kids = children[k]
		}
		rel.assign(lc.sess, p, kids)
	}
	lc.filled(rel, parents)
	return nil
}

// criteriaBudget is the parameters a load statement keeps for the And
// criteria of its loader option.
const criteriaBudget = 8

// inList renders the single-key filter of a load as "col IN (?)", as
// SQLAlchemy's selectinload does, rather than the lazy load's "? = col".
func inList(c *selectCore) {
	if len(c.where) != 1 {
		return
	}
	if b, ok := c.where[0].(*binaryNode); ok && b.op == " = " {
		if v, ok := b.left.(*valueNode); ok {
			c.where[0] = &inNode{left: b.right, items: []node{v}}
		}
	}
}

// criteria returns the And conditions of a loader option, rendered
// against target.
func criteria(ref *relRef, target *source) []node {
	if len(ref.extra) == 0 {
		return nil
	}
	base := ref.rel.target.base
	out := make([]node, len(ref.extra))
	for i, e := range ref.extra {
		if target == base {
			out[i] = e
		} else {
			out[i] = &adaptNode{inner: e, m: map[*source]*source{base: target}}
		}
	}
	return out
}
