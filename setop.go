package quarry

import (
	"slices"
	"sync/atomic"
)

// Compound is an immutable set operation over SELECT statements whose
// rows read as T: UNION, UNION ALL, EXCEPT, INTERSECT (SQLAlchemy's
// CompoundSelect). Order, limit and offset apply to the whole; run it
// directly, load entities from it with FromStatement, or make it a
// subquery and map an entity onto it with [Aliased] and [FromSubquery].
//
//	u := quarry.UnionAll(quarry.Select(Users).Where(Users.ID.Lt(2)), quarry.Select(Users).Where(Users.ID.Eq(3))).OrderBy(Users.ID)
//	users, err := quarry.Select(Users).FromStatement(u).All(ctx, db)
type Compound[T any] struct {
	node *compoundNode
	read func() rowReader[T]
}

// compoundNode is the untyped part of a Compound.
type compoundNode struct {
	op      string
	members []*selectCore
	orderBy []node
	limit   *int64
	offset  *int64
	// unique de-duplicates the rows read (Unique); it changes no SQL.
	unique bool

	cache atomic.Pointer[rendered]
	// keys caches how Unique compares the rows (unique.go).
	keys atomic.Uint32
}

func newCompound[T any](op string, first *Query[T], rest []*Query[T]) *Compound[T] {
	first = first.orFailed()
	n := &compoundNode{op: op, members: []*selectCore{first.core}}
	for _, q := range rest {
		n.members = append(n.members, q.orFailed().core)
	}
	return &Compound[T]{node: n, read: first.read}
}

// orFailed returns c, or for a nil or zero Compound one whose error says
// so, as [Query] does.
func (c *Compound[T]) orFailed() *Compound[T] {
	if c != nil && c.node != nil && len(c.node.members) > 0 && c.read != nil {
		return c
	}
	err := invalidArg("nil *Compound")
	if c != nil {
		err = invalidArg("zero Compound: build one with Union, UnionAll, Except or Intersect")
	}
	return &Compound[T]{node: &compoundNode{members: []*selectCore{failedStmt(err)}}, read: func() rowReader[T] { return &valueReader[T]{} }}
}

// Union combines the rows of the statements without duplicates: q1 UNION q2 ...
func Union[T any](first *Query[T], rest ...*Query[T]) *Compound[T] {
	return newCompound("UNION", first, rest)
}

// UnionAll combines the rows of the statements, duplicates included.
func UnionAll[T any](first *Query[T], rest ...*Query[T]) *Compound[T] {
	return newCompound("UNION ALL", first, rest)
}

// Except returns the rows of the first statement that the others do not
// return.
func Except[T any](first *Query[T], rest ...*Query[T]) *Compound[T] {
	return newCompound("EXCEPT", first, rest)
}

// Intersect returns the rows that every statement returns.
func Intersect[T any](first *Query[T], rest ...*Query[T]) *Compound[T] {
	return newCompound("INTERSECT", first, rest)
}

func (c *Compound[T]) with(f func(n *compoundNode)) *Compound[T] {
	c = c.orFailed()
	o := c.node
	n := &compoundNode{op: o.op, members: slices.Clip(o.members), orderBy: slices.Clip(o.orderBy), limit: o.limit, offset: o.offset, unique: o.unique}
	f(n)
	return &Compound[T]{node: n, read: c.read}
}

// OrderBy orders the whole result. Columns render unqualified, by the name
// the first statement gives them (ORDER BY id), as SQL requires.
func (c *Compound[T]) OrderBy(terms ...Orderable) *Compound[T] {
	return c.with(func(n *compoundNode) {
		for _, t := range terms {
			if t == nil {
				n.orderBy = append(n.orderBy, errNode{err: errNilOrder})
				continue
			}
			n.orderBy = append(n.orderBy, t.orderNode())
		}
	})
}

// Limit sets LIMIT n on the whole result.
func (c *Compound[T]) Limit(n int64) *Compound[T] {
	return c.with(func(x *compoundNode) { x.limit = &n })
}

// Offset sets OFFSET n on the whole result.
func (c *Compound[T]) Offset(n int64) *Compound[T] {
	return c.with(func(x *compoundNode) { x.offset = &n })
}

// Unique de-duplicates the rows read, as [Query.Unique] does: entities
// by identity, other rows by value, the first of each kept in order. A
// UNION returns distinct rows already; Unique is for UNION ALL.
func (c *Compound[T]) Unique() *Compound[T] {
	return c.with(func(x *compoundNode) { x.unique = true })
}

// Subquery makes the compound an anonymous derived table, to map an
// entity onto with [Aliased] and [FromSubquery] or to refer to with [Ref].
func (c *Compound[T]) Subquery() *Subquery { return newSubquery(c.orFailed().node, "") }

// NamedSubquery is [Compound.Subquery] with an explicit alias name.
func (c *Compound[T]) NamedSubquery(name string) *Subquery {
	return newSubquery(c.orFailed().node, name)
}

// String renders the statement for the default dialect, like
// [Query.String].
func (c *Compound[T]) String() string { return stringOf(c.orFailed().node) }

func (c *Compound[T]) statementNode() statementNode { return c.orFailed().node }

func (n *compoundNode) selectItems() []node { return n.members[0].selectItems() }

// renderStmt renders the members joined by the operator. A member with
// its own ORDER BY, LIMIT or OFFSET is wrapped as SELECT * FROM (...),
// the one form both SQLite and PostgreSQL accept inside a compound.
func (n *compoundNode) renderStmt(b *builder, nested, correlate bool) {
	for i, m := range n.members {
		if i > 0 {
			b.Write(" " + n.op + " ")
		}
		if len(m.orderBy) > 0 || m.limit != nil || m.offset != nil {
			b.Write("SELECT * FROM (")
			m.renderStmt(b, true, correlate)
			b.Write(") AS ")
			b.Ident(b.sourceName(&source{sub: &subquery{core: m}, anonymous: true}))
			continue
		}
		m.renderStmt(b, nested, correlate)
	}
	if b.Err != nil {
		return
	}
	if len(n.orderBy) > 0 {
		names := outputNames(n.selectItems())
		b.Write(" ORDER BY ")
		for i, o := range n.orderBy {
			if i > 0 {
				b.Write(", ")
			}
			n.renderOrder(b, o, names)
		}
	}
	renderLimit(b, n.limit, n.offset)
}

// renderOrder renders one ORDER BY term of the compound: a selected
// column or label by its output name.
func (n *compoundNode) renderOrder(b *builder, o node, names []string) {
	if e, ok := o.(errNode); ok {
		b.Fail(e.err)
		return
	}
	dir := ""
	if t, ok := o.(orderTerm); ok {
		o, dir = t.n, t.dir+t.nulls
	}
	items := n.selectItems()
	for i, it := range items {
		if names[i] != "" && (it == o || unlabel(it) == unlabel(o) || sameColumn(it, o)) {
			b.Ident(names[i])
			b.Write(dir)
			return
		}
	}
	if l, ok := o.(*labelNode); ok {
		b.Ident(l.name)
		b.Write(dir)
		return
	}
	b.Failf("the ORDER BY of a UNION must name a column the statements select")
}
