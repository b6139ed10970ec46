package quarry

import (
	"context"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Loading a relationship after the fact, explicitly: no field access ever
// runs a query. Load fills the fields of many parents with one query per
// chunk of keys (WHERE fk IN (...), chunked under the dialect's parameter
// limit); Query returns the related rows as a statement to refine.

// Load fills the Addresses-style collection field of each parent with its
// related rows, in the relationship's order, with one query (more only
// when the parents' keys exceed the database's parameter limit). A parent
// with no related rows gets an empty, non-nil slice. When the
// relationship back-populates a scalar field (Address.User), that field of
// every loaded child is set to its parent.
//
// Through a Session, Load never overwrites an unflushed change: a parent
// whose field differs from what the Session last loaded or flushed into
// it (an append, a removal, a collection set by the program), and a
// child whose back-populated field was changed, keep what the program
// set. [Session.Refresh] discards such changes.
//
//	err := Users.Addresses.Load(ctx, db, jack, wendy)
func (m Many[P, C]) Load(ctx context.Context, ex Executor, parents ...*P) error {
	return loadChecked(ctx, ex, m.ref, ptrsOf(parents))
}

// Load fills the scalar field of each row with its related object, or
// nil: Addresses.User.Load(ctx, db, addrs...). Through a Session, a field
// the program set or cleared since it was last loaded or flushed is left
// as it is (see [Many.Load]).
func (m One[P, C]) Load(ctx context.Context, ex Executor, parents ...*P) error {
	return loadChecked(ctx, ex, m.ref, ptrsOf(parents))
}

// Load is [Many.Load] for a many-to-many relationship (through the
// association table).
func (m ManyToMany[P, C]) Load(ctx context.Context, ex Executor, parents ...*P) error {
	return loadChecked(ctx, ex, m.ref, ptrsOf(parents))
}

// Query returns the related rows of parent as a statement that can be
// refined further (SQLAlchemy's lazy="dynamic"): WHERE ? = posts.user_id,
// in the relationship's order.
//
//	posts, err := Users.Posts.Query(wendy).Where(Posts.Keywords.Any(Keywords.Keyword.Eq("firstpost"))).All(ctx, db)
func (m Many[P, C]) Query(parent *P) *Query[*C] { return queryRelation[P, C](m.ref, parent) }

// Query is [Many.Query] for a many-to-many relationship.
func (m ManyToMany[P, C]) Query(parent *P) *Query[*C] { return queryRelation[P, C](m.ref, parent) }

// Query returns the related object of parent as a statement.
func (m One[P, C]) Query(parent *P) *Query[*C] { return queryRelation[P, C](m.ref, parent) }

// loadChecked is loadRelation after the raise check (loader_raise.go).
func loadChecked(ctx context.Context, ex Executor, r *relRef, parents []field.Ptr) error {
	if err := checkExecutor(ex); err != nil {
		return err
	}
	if skip, err := checkRaise(ex, r, parents); skip || err != nil {
		return err
	}
	return loadRelation(ctx, ex, r, parents)
}

func queryRelation[P, C any](r *relRef, parent *P) *Query[*C] {
	if n, ok := resolvedRel(r); !ok {
		return &Query[*C]{core: &selectCore{err: n.(errNode).err}, read: Entity[C]{}.newReader}
	}
	target := Entity[C]{src: r.targetSource()}
	q := Select[*C](target)
	if parent == nil {
		return q.with(func(c *selectCore) { c.fail(invalidArg("%s.Query(nil)", r.rel)) })
	}
	cond := r.withParent(field.Of(parent), target.src)
	return q.with(func(c *selectCore) {
		c.where = append(c.where, cond)
		c.orderBy = append(c.orderBy, r.rel.orderNodes(target.src, r.rel.secondaryBase())...)
	})
}

// orderNodes are the ORDER BY terms of the relationship's order option,
// on the target's columns read from target and, for a many-to-many, the
// association table's read from sec (the alias the statement joins it
// as).
func (r *relationship) orderNodes(target, sec *source) []node {
	out := make([]node, len(r.OrderBy))
	for i, o := range r.OrderBy {
		src := target
		if o.Secondary {
			src = sec
		}
		var n node = &colRef{src: src, info: o.Col}
		if o.Desc {
			n = orderTerm{n: n, dir: " DESC"}
		}
		out[i] = n
	}
	return out
}

func ptrsOf[P any](ps []*P) []field.Ptr {
	out := make([]field.Ptr, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, field.Of(p))
		}
	}
	return out
}

// compositeKey is the key of a row over several columns.
type compositeKey [schema.MaxKeyColumns]any

// rowKey reads the key of obj over cols: the value itself for one column,
// a compositeKey for more; false when any part is NULL.
func rowKey(cols []*schema.Column, obj field.Ptr) (any, bool) {
	if len(cols) == 1 {
		return cols[0].Key(cols[0].Ptr(obj))
	}
	var k compositeKey
	for i, c := range cols {
		v, ok := c.Key(c.Ptr(obj))
		if !ok {
			return nil, false
		}
		k[i] = v
	}
	return k, true
}

// heldConn lends one acquired connection to several statements, so that
// a chunked load runs in one Session flush and on one connection.
type heldConn struct{ c *execConn }

func (h heldConn) acquire(context.Context, bool) (*execConn, error) {
	cp := *h.c
	cp.release = nil
	return &cp, nil
}

// childKey is the parent key a loaded row belongs under: the extra key
// columns read with it (a many-to-many's association table), or else its
// own foreign-key columns.
func childKey(extra []any, childCols []*schema.Column, obj field.Ptr) (any, bool) {
	if extra != nil {
		return extraKey(extra)
	}
	return rowKey(childCols, obj)
}

// loadRelation is an explicit Load of r for parents: the chunked
// SELECT ... WHERE key IN (...) of SelectIn, filling every parent's field
// except, in a Session, one holding an unflushed change.
func loadRelation(ctx context.Context, ex Executor, r *relRef, parents []field.Ptr) error {
	if n, ok := resolvedRel(r); !ok {
		return n.(errNode).err
	}
	if len(parents) == 0 {
		return nil
	}
	s, _ := ex.(*Session)
	fill := parents[:0:0]
	for _, p := range parents {
		if !keepChanged(s, r.rel, p) {
			fill = append(fill, p)
		}
	}
	if len(fill) == 0 {
		return nil
	}
	ls, err := r.rel.targetLoad(nil)
	if err != nil {
		return err
	}
	conn, err := acquire(ctx, ex, false)
	if err != nil {
		return err
	}
	defer conn.done()
	lc := &loadCtx{ctx: ctx, held: heldConn{c: conn}, sess: s, lazy: true}
	if s != nil {
		lc.ids = s
	}
	return lc.fillFrom(r, fill, nil, ls)
}

// refreshRelations reloads, for Refresh, the relationship fields of obj
// that are loaded: collections that are not nil, scalar fields that are
// set, and many-to-one fields the program cleared since they were loaded.
// Each runs as a SelectIn over obj alone, overwriting the field whatever
// it holds (a refresh discards the unflushed changes) and recording it as
// loaded.
func (s *Session) refreshRelations(ctx context.Context, m *tableMeta, obj field.Ptr) error {
	var nodes []*loadNode
	for _, rel := range m.t.relations {
		if rel.target == nil || rel.base == nil || !rel.fieldLoaded(s, obj) {
			continue // never loaded
		}
		nodes = append(nodes, &loadNode{kind: kindSelectIn, ref: rel.base})
	}
	if len(nodes) == 0 {
		return nil
	}
	conn, err := s.conn(ctx, false, false)
	if err != nil {
		return err
	}
	defer conn.done()
	cp := *conn
	cp.release = nil
	lc := &loadCtx{ctx: ctx, held: heldConn{c: &cp}, ids: s, sess: s, force: true}
	for _, n := range nodes {
		if err := lc.selectIn(n, []field.Ptr{obj}); err != nil {
			return err
		}
	}
	return nil
}

// extraKey builds a key from values scanned into any (driver values).
func extraKey(vals []any) (any, bool) {
	if len(vals) == 1 {
		return schema.NormalizeKey(vals[0])
	}
	var k compositeKey
	for i, v := range vals {
		n, ok := schema.NormalizeKey(v)
		if !ok {
			return nil, false
		}
		k[i] = n
	}
	return k, true
}

// assign stores the loaded objects into the field of parent and sets the
// back-populating scalar field of each child (see setBack: in the Session
// s, nil outside one, a child's unflushed change of that field stands).
func (rel *relationship) assign(s *Session, parent field.Ptr, kids []field.Ptr) {
	if rel.Scalar {
		var one field.Ptr
		if len(kids) > 0 {
			one = kids[0]
		}
		rel.Set(parent, one)
		if one != nil && rel.back != nil && rel.back.Scalar {
			setBack(s, rel.back, one, parent)
		}
		return
	}
	if kids == nil {
		kids = []field.Ptr{}
	}
	rel.SetItems(parent, kids)
	if rel.Dir == schema.DirOneToMany && rel.back != nil && rel.back.Scalar {
		for _, k := range kids {
			setBack(s, rel.back, k, parent)
		}
	}
}

// loadCore is the SELECT of the related rows for a chunk of owner keys.
// For one key it renders "? = col" as SQLAlchemy's lazy load does; for
// more, "col IN (...)". A many-to-many also selects the association's
// owner columns (the extra items) to tell the parents apart.
func (rel *relationship) loadCore(target *source, keys []any) (*selectCore, int) {
	return rel.loadCoreCols(target, keys, nil)
}

// loadCoreCols is loadCore reading the target columns of ls (nil for
// all).
func (rel *relationship) loadCoreCols(target *source, keys []any, ls *loadSet) (*selectCore, int) {
	c := &selectCore{}
	for _, col := range ls.columnsOf(rel.target) {
		c.items = append(c.items, &colRef{src: target, info: col})
	}
	var filter []*colRef
	extra := 0
	switch rel.Dir {
	case schema.DirOneToMany:
		for _, p := range rel.Pairs {
			filter = append(filter, &colRef{src: target, info: p.FK})
		}
	case schema.DirManyToOne:
		for _, p := range rel.Pairs {
			filter = append(filter, &colRef{src: target, info: p.Ref})
		}
	case schema.DirManyToMany:
		sec := rel.secondary.base
		for _, p := range rel.SecOwner {
			ref := &colRef{src: sec, info: p.FK}
			filter = append(filter, ref)
			c.items = append(c.items, ref)
			extra++
		}
		c.explicit = []*source{sec}
		c.joins = []*joinSpec{{target: target, left: sec, on: pairConds(rel.SecTarget, target, sec)}}
	}
	c.where = []node{keyFilter(filter, keys)}
	c.orderBy = rel.orderNodes(target, rel.secondaryBase())
	return c, extra
}

// keyFilter renders the condition selecting the rows whose cols match one
// of keys.
func keyFilter(cols []*colRef, keys []any) node {
	part := func(k any, i int) any {
		if ck, ok := k.(compositeKey); ok {
			return ck[i]
		}
		return k
	}
	if len(keys) == 1 {
		items := make([]node, len(cols))
		for i, c := range cols {
			items[i] = &binaryNode{left: &valueNode{v: part(keys[0], i)}, op: " = ", right: c}
		}
		return and(items)
	}
	if len(cols) == 1 {
		items := make([]node, len(keys))
		for i, k := range keys {
			items[i] = &valueNode{v: k}
		}
		return &inNode{left: cols[0], items: items}
	}
	ors := make([]node, len(keys))
	for j, k := range keys {
		items := make([]node, len(cols))
		for i, c := range cols {
			items[i] = &binaryNode{left: c, op: " = ", right: &valueNode{v: part(k, i)}}
		}
		ors[j] = &boolNode{op: " AND ", items: items}
	}
	return &boolNode{op: " OR ", items: ors}
}
