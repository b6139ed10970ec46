package quarry

import (
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// SubqueryLoad at run time: the related rows of every parent the
// statement returned, selected by joining the related table to the
// statement itself, re-run as a subquery of the parents' keys:
//
//	SELECT addresses.id, ..., anon_1.id FROM (SELECT users.id FROM users
//	WHERE ...) AS anon_1 JOIN addresses ON anon_1.id = addresses.user_id
//	ORDER BY anon_1.id, addresses.id
//
// Below the statement's own entity (a SubqueryLoad nested in another
// loader) there is no statement to re-run: the load runs as SelectIn.

func (lc *loadCtx) subqueryLoad(n *loadNode, parents []field.Ptr) error {
	orig := lc.orig
	var rootSrc *source
	if orig != nil && len(orig.items) > 0 {
		if cr, ok := orig.items[0].(*colRef); ok && cr.src.table == n.ref.rel.owner {
			rootSrc = cr.src
		}
	}
	if rootSrc == nil || orig.from != nil {
		return lc.selectIn(n, parents)
	}
	rel := n.ref.rel
	ownerCols := rel.ownerCols()
	inner := orig.clone()
	inner.opts = nil
	inner.items = nil
	for _, col := range ownerCols {
		inner.items = append(inner.items, &colRef{src: rootSrc, info: col})
	}
	if inner.limit == nil && inner.offset == nil {
		inner.orderBy = nil
	}
	sq := newSubquery(inner, "")
	ent := &source{table: rel.owner, anonymous: true, sub: sq.src.sub, over: sq.src}
	target := n.ref.targetSource()
	ls, err := n.targetLoad()
	if err != nil {
		return err
	}
	core := &selectCore{items: loadColumnsOf(target, ls), explicit: []*source{sq.src}, params: orig.params}
	for _, col := range ownerCols {
		k := &colRef{src: ent, info: col}
		core.items = append(core.items, k)
		core.orderBy = append(core.orderBy, k)
	}
	switch rel.Dir {
	case schema.DirOneToMany:
		core.joins = []*joinSpec{{target: target, left: ent, on: []node{pairsOn(rel.Pairs, ent, target)}}}
	case schema.DirManyToOne:
		core.joins = []*joinSpec{{target: target, left: ent, on: []node{pairsOn(rel.Pairs, target, ent)}}}
	case schema.DirManyToMany:
		sec := rel.secondary.base
		core.joins = []*joinSpec{
			{target: sec, left: ent, on: []node{pairsOn(rel.SecOwner, ent, sec)}},
			{target: target, left: sec, on: []node{pairsOn(rel.SecTarget, target, sec)}},
		}
	}
	core.where = criteria(n.ref, target)
	core.orderBy = append(core.orderBy, rel.orderNodes(target, rel.secondaryBase())...)
	rows, err := lc.readRelRows(rel, core, len(ownerCols), ls)
	if err != nil {
		return wrapErr(err, "loading %s", rel)
	}
	children := map[any][]field.Ptr{}
	for _, row := range rows {
		if k, ok := extraKey(row.keys); ok {
			children[k] = append(children[k], row.obj)
		}
	}
	fill := make([]field.Ptr, 0, len(parents))
	for _, p := range parents {
		if !lc.force && keepLoaded(lc.ids, rel, p) {
			continue
		}
		var kids []field.Ptr
		if k, ok := rowKey(ownerCols, p); ok {
			kids = children[k]
		}
		if !rel.Scalar {
			kids = uniquePtrs(kids)
		}
		rel.assign(lc.sess, p, kids)
		fill = append(fill, p)
	}
	lc.filled(rel, fill)
	return nil
}

// uniquePtrs drops repeated objects, keeping the first of each.
func uniquePtrs(ps []field.Ptr) []field.Ptr {
	if len(ps) < 2 {
		return ps
	}
	seen := make(map[field.Ptr]struct{}, len(ps))
	out := ps[:0:0]
	for _, p := range ps {
		if _, dup := seen[p]; !dup {
			seen[p] = struct{}{}
			out = append(out, p)
		}
	}
	return out
}
