package quarry

import (
	"maps"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Statement loaders: Joined adds a LEFT OUTER JOIN to an anonymous alias
// of the related table, ContainsEager reads a join the program wrote
// (its target found by the plan, loader.go). Both add the related columns to the SELECT list
// and read them with eagerReader, which wraps the statement's reader.

// transform builds the statement of the plan from the original one.
func (p *eagerPlan) transform(rootSrc *source, nodes []*loadNode) {
	c := p.orig
	out := c.clone()
	out.opts = nil
	parentSrc := rootSrc
	if (c.limit != nil || c.offset != nil) && joinedCollection(nodes) && !hasContains(nodes) {
		// LIMIT counts rows, and a joined collection multiplies them: the
		// statement becomes a subquery and the join goes outside it, as
		// SQLAlchemy does. The outer ORDER BY repeats the statement's own,
		// read from the subquery.
		inner := c.clone()
		inner.opts = nil
		sq := newSubquery(inner, "")
		ent := &source{table: p.root, anonymous: true, sub: sq.src.sub, over: sq.src}
		// The root's columns as the statement selects them (all, or
		// those its column options load).
		items := make([]node, len(c.items))
		for i, n := range c.items {
			items[i] = &colRef{src: ent, info: n.(*colRef).info}
		}
		m := map[*source]*source{rootSrc.identity(): ent}
		var order []node
		for _, o := range c.orderBy {
			order = append(order, &adaptNode{inner: o, m: m})
		}
		out = &selectCore{items: items, explicit: []*source{sq.src}, orderBy: order, params: c.params, run: c.run}
		parentSrc = ent
	}
	var pre []node
	p.addReads(out, &pre, nodes, parentSrc, -1, nil)
	if len(pre) > 0 {
		out.items = append(pre, out.items...)
		p.nPre = len(pre)
	}
	p.core = out
}

func joinedCollection(nodes []*loadNode) bool {
	for _, n := range nodes {
		if n.kind == kindJoined && !n.ref.rel.Scalar || joinedCollection(n.sub) {
			return true
		}
	}
	return false
}

func hasContains(nodes []*loadNode) bool {
	for _, n := range nodes {
		if n.kind == kindContains || hasContains(n.sub) {
			return true
		}
	}
	return false
}

// addReads adds the joins, columns and reads of the statement loaders in
// nodes, whose owner's columns are read from parentSrc.
func (p *eagerPlan) addReads(out *selectCore, pre *[]node, nodes []*loadNode, parentSrc *source, parentIdx int, path []*relationship) {
	for _, n := range nodes {
		rel := n.ref.rel
		var target *source
		switch n.kind {
		case kindJoined:
			target = n.ref.target
			if target == nil {
				target = &source{table: rel.target, anonymous: true}
			}
			// Criteria given with And name the related table itself: they
			// are rendered against the alias.
			m := map[*source]*source{rel.target.base: target}
			var sec *source
			if rel.Dir == schema.DirManyToMany {
				// One alias of the association table for the join and
				// the ORDER BY terms on its columns.
				sec = &source{table: rel.secondary, anonymous: true}
			}
			ref := n.ref.with(func(r *relRef) {
				r.parent, r.target, r.sec = parentSrc, target, sec
				extra := make([]node, len(r.extra))
				for i, e := range r.extra {
					extra[i] = &adaptNode{inner: e, m: m}
				}
				r.extra = extra
			})
			out.joins = append(out.joins, &joinSpec{target: target, left: parentSrc, outer: true, rel: ref})
			out.items = append(out.items, columnsOf(target)...)
			out.orderBy = append(out.orderBy, rel.orderNodes(target, sec)...)
		case kindContains:
			target = n.alias
			if target == nil {
				target = n.ref.targetSource()
			}
			*pre = append(*pre, columnsOf(target)...)
		}
		if !rel.Scalar {
			p.unique = true
		}
		sl := &stmtLoad{rel: rel, src: target, parent: parentIdx, pre: n.kind == kindContains,
			path: append(slices.Clip(path), rel)}
		idx := len(p.reads)
		p.reads = append(p.reads, sl)
		var stmtSub []*loadNode
		for _, s := range subNodes(n, path) {
			if s.kind == kindJoined || s.kind == kindContains {
				stmtSub = append(stmtSub, s)
			} else {
				sl.sub = append(sl.sub, s)
			}
		}
		p.addReads(out, pre, stmtSub, target, idx, sl.path)
	}
}

// loadColumnsOf is columnsOf for the columns ls loads.
func loadColumnsOf(src *source, ls *loadSet) []node {
	cols := ls.columnsOf(src.table)
	out := make([]node, len(cols))
	for i, col := range cols {
		out[i] = &colRef{src: src, info: col}
	}
	return out
}

func columnsOf(src *source) []node {
	out := make([]node, len(src.table.Columns))
	for i, col := range src.table.Columns {
		out[i] = &colRef{src: src, info: col}
	}
	return out
}

// adaptNode renders inner with the columns of some sources read from
// others: criteria written against a table, rendered against its alias.
type adaptNode struct {
	inner node
	m     map[*source]*source
}

func (a *adaptNode) render(b *builder) {
	prev := b.adapt
	b.adapt = mergedAdapt(prev, a.m)
	a.inner.render(b)
	b.adapt = prev
}

// mergedAdapt returns the re-pointings of prev with those of m on top, for
// rendering a node nested in another that re-points sources.
func mergedAdapt(prev, m map[*source]*source) map[*source]*source {
	merged := make(map[*source]*source, len(prev)+len(m))
	maps.Copy(merged, prev)
	maps.Copy(merged, m)
	return merged
}

func (a *adaptNode) sources(fn func(*source)) {
	a.inner.sources(func(s *source) {
		if t, ok := a.m[s]; ok {
			s = t.identity()
		}
		fn(s)
	})
}

func (a *adaptNode) orderNode() node { return a }

// eagerReads is the state of the statement loaders while one result is
// read.
type eagerReads struct {
	plan  *eagerPlan
	rows  []*optionalRow
	objs  []field.Ptr // this row's object of each read
	local *localIDs
	// started says, per read and parent, whether the field is being
	// filled (false: kept, see keepLoaded).
	started []map[field.Ptr]bool
	// lastParent and lastFill remember, per read, the parent of the
	// previous row and its entry in started: a joined collection
	// repeats its parent on consecutive rows.
	lastParent []field.Ptr
	lastFill   []bool
	// pairs de-duplicates the members of a many-to-many read, and of a
	// ContainsEager read, whose join is the program's and may put one
	// child under several parents. A child of a Joined read of any other
	// relationship has one parent (the relationship references a key),
	// so kidSeen does it.
	pairs []map[[2]field.Ptr]struct{}
	kids  [][]field.Ptr
	// kidSeen is built from kids the first time a read meets an object
	// it may have read before: until then every child was new to the
	// identity map, so none can be in kids twice.
	kidSeen []map[field.Ptr]struct{}
	// rootMeta reads the key of the row's root, for skipping the merge
	// of a root repeated on consecutive rows (eagerReader.finish); nil
	// when AfterLoad hooks may change what a merge returns, and when the
	// plan does not de-duplicate its roots (no joined collection): then a
	// root the statement's own joins repeat is returned once per row.
	rootMeta *tableMeta
}

func newEagerReads(p *eagerPlan, local *localIDs) *eagerReads {
	n := len(p.reads)
	rd := &eagerReads{plan: p, rows: make([]*optionalRow, n), objs: make([]field.Ptr, n), local: local,
		started: make([]map[field.Ptr]bool, n), pairs: make([]map[[2]field.Ptr]struct{}, n),
		lastParent: make([]field.Ptr, n), lastFill: make([]bool, n),
		kids: make([][]field.Ptr, n), kidSeen: make([]map[field.Ptr]struct{}, n)}
	hooks := p.root.hooks.afterLoad != nil
	for i, sl := range p.reads {
		rd.rows[i] = newOptionalRow(sl.src.table, nil)
		rd.started[i] = map[field.Ptr]bool{}
		if sl.rel.Dir == schema.DirManyToMany || sl.pre {
			rd.pairs[i] = map[[2]field.Ptr]struct{}{}
		}
		hooks = hooks || sl.rel.target.hooks.afterLoad != nil
	}
	if !hooks && p.unique {
		rd.rootMeta = metaOf(p.root)
	}
	return rd
}

// children are the distinct objects read for read i.
func (rd *eagerReads) children(i int) []field.Ptr { return rd.kids[i] }

// filledParents lists the parents whose field of read i the statement
// filled (not those whose loaded field keepLoaded left alone).
func (rd *eagerReads) filledParents(i int) []field.Ptr {
	var out []field.Ptr
	for p, fill := range rd.started[i] {
		if fill {
			out = append(out, p)
		}
	}
	return out
}

// eagerReader reads the statement's item, then the related objects of
// each statement loader, and attaches them.
type eagerReader[T any] struct {
	inner rowReader[T]
	rd    *eagerReads
	// last is the root of the previous row and lastKey its key.
	last    T
	lastKey identKey
	hasLast bool
}

// scannedRoot is implemented by the reader of the root entity: the
// object the row was just scanned into, before it is merged (nil when
// read through holders).
type scannedRoot interface{ scanned() field.Ptr }

func (r *entityReader[E]) scanned() field.Ptr {
	if r.opt != nil {
		return nil
	}
	return field.Of(r.obj)
}

func (r *eagerReader[T]) prepare(dst []any) []any {
	p := r.rd.plan
	for i, sl := range p.reads {
		if sl.pre {
			dst = r.rd.rows[i].prepare(dst)
		}
	}
	dst = r.inner.prepare(dst)
	for i, sl := range p.reads {
		if !sl.pre {
			dst = r.rd.rows[i].prepare(dst)
		}
	}
	return dst
}

func (r *eagerReader[T]) markOptional(oc *optCtx) {
	oc.pos += r.rd.plan.nPre
	markReader(r.inner, oc)
}

func (*eagerReader[T]) unique() bool { return true }

func (r *eagerReader[T]) finish(rc *readCtx) (T, error) {
	rd := r.rd
	if rc.ids == nil && rd.local != nil {
		// Outside a Session the root merges into the load's own identity
		// map, so that a parent repeated on many rows is one object (and
		// runs AfterLoad once).
		rc.ids = rd.local
		defer func() { rc.ids = nil }()
	}
	// A root repeated on consecutive rows (a joined collection's rows)
	// is the object the previous row merged: the same database row read
	// again in the same statement, so merging it again would change
	// nothing. The Result skips the row as a repeat.
	var v T
	var key identKey
	sr, keyed := r.inner.(scannedRoot)
	var scanned field.Ptr
	if keyed && rd.rootMeta != nil {
		scanned = sr.scanned()
	}
	if scanned != nil {
		key = rd.rootMeta.KeyOf(scanned)
	}
	if scanned != nil && r.hasLast && key == r.lastKey {
		v = r.last
		rc.repeat = true
	} else {
		var err error
		v, err = r.inner.finish(rc)
		if err != nil {
			return v, err
		}
		if r.last, r.lastKey, r.hasLast = v, key, scanned != nil; !r.hasLast {
			var zero T
			r.last = zero
		}
	}
	ids := rc.ids
	// T is *E: the statement selects one entity.
	root := field.PtrOf(v)
	for i, sl := range rd.plan.reads {
		parent := root
		if sl.parent >= 0 {
			parent = rd.objs[sl.parent]
		}
		var obj field.Ptr
		isNew := false
		if row := rd.rows[i]; !row.missing() {
			obj = sl.rel.target.Alloc.New()
			row.fill(obj)
			got, _ := ids.merge(sl.rel.target, obj, 0)
			if isNew = got == obj; isNew {
				rc.afterLoad(sl.rel.target, obj)
			}
			obj = got
		}
		rd.objs[i] = obj
		if parent != nil {
			rd.attach(i, sl.rel, parent, obj, isNew, ids)
		}
	}
	return v, nil
}

// attach stores obj (nil for no related row) into the field of parent;
// isNew says obj is the object just scanned, new to the identity map.
func (rd *eagerReads) attach(i int, rel *relationship, parent, obj field.Ptr, isNew bool, ids identityMap) {
	var fill bool
	if parent == rd.lastParent[i] {
		fill = rd.lastFill[i]
	} else {
		var ok bool
		fill, ok = rd.started[i][parent]
		if !ok {
			fill = !keepLoaded(ids, rel, parent)
			rd.started[i][parent] = fill
			if fill {
				if rel.Scalar {
					rel.Set(parent, nil)
				} else {
					rel.SetItems(parent, []field.Ptr{})
				}
			}
		}
		rd.lastParent[i], rd.lastFill[i] = parent, fill
	}
	if obj == nil {
		return
	}
	seen := rd.kidSeen[i]
	if seen == nil && !isNew {
		seen = make(map[field.Ptr]struct{}, len(rd.kids[i]))
		for _, k := range rd.kids[i] {
			seen[k] = struct{}{}
		}
		rd.kidSeen[i] = seen
	}
	dupKid := false
	if seen != nil {
		_, dupKid = seen[obj]
		if !dupKid {
			seen[obj] = struct{}{}
		}
	}
	if !dupKid {
		rd.kids[i] = append(rd.kids[i], obj)
	}
	if !fill {
		return
	}
	s, overwrite := runSession(ids)
	if overwrite {
		s = nil // PopulateExisting: back-references are overwritten too
	}
	if rel.Scalar {
		rel.Set(parent, obj)
		if rel.back != nil && rel.back.Scalar {
			setBack(s, rel.back, obj, parent)
		}
		return
	}
	pairs := rd.pairs[i]
	if pairs != nil {
		k := [2]field.Ptr{parent, obj}
		if _, dup := pairs[k]; dup {
			return
		}
		pairs[k] = struct{}{}
	} else if dupKid {
		return // one parent: the child is in its collection already
	}
	rel.Add(parent, obj)
	// The program's own ON clause (pairs kept) may pair a child with a
	// parent its foreign key does not name: the child's many-to-one field
	// follows its foreign key, as a load of that field would.
	if rel.Dir == schema.DirOneToMany && rel.back != nil && rel.back.Scalar && (pairs == nil || refersTo(rel, parent, obj)) {
		setBack(s, rel.back, obj, parent)
	}
}

// refersTo reports whether the foreign key of child, on the many side of
// the one-to-many rel, holds the key of parent.
func refersTo(rel *relationship, parent, child field.Ptr) bool {
	for _, p := range rel.Pairs {
		want, ok := p.Ref.Key(p.Ref.Ptr(parent))
		got, set := p.FK.Key(p.FK.Ptr(child))
		if !ok || !set || got != want {
			return false
		}
	}
	return true
}
