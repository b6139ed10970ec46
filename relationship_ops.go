package quarry

import (
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Relationship operators for WHERE clauses: EXISTS forms (Any, Has),
// comparisons with an object (Eq, Ne, Contains, WithParent) and IS NULL.
// They render as SQLAlchemy renders them, "referenced = referencing":
//
//	Users.Addresses.Any(cond)   EXISTS (SELECT 1 FROM address WHERE user_account.id = address.user_id AND cond)
//	Addresses.User.Eq(u)        ? = address.user_id
//	Addresses.User.Ne(u)        address.user_id != ? OR address.user_id IS NULL
//	Users.Addresses.Contains(a) user_account.id = ?
//	WithParent(u, Users.Addresses) ? = address.user_id

func (r *relRef) String() string { return r.rel.String() }

// Any is true for the parents that have at least one related row matching
// every condition (EXISTS, correlated with the parent). Combine it with
// [Not] to find parents with none.
func (m Many[P, C]) Any(conds ...Condition) Expr[bool] { return existsRel(m.ref, conds) }

// Any is [Many.Any] through the association table:
// EXISTS (SELECT 1 FROM post_keywords, keywords WHERE posts.id =
// post_keywords.post_id AND keywords.id = post_keywords.keyword_id AND ...).
func (m ManyToMany[P, C]) Any(conds ...Condition) Expr[bool] { return existsRel(m.ref, conds) }

// Has is true for the rows whose related object exists and matches every
// condition (EXISTS, correlated with the row): Addresses.User.Has(Users.Name.Eq("sandy")).
func (m One[P, C]) Has(conds ...Condition) Expr[bool] { return existsRel(m.ref, conds) }

func existsRel(r *relRef, conds []Condition) Expr[bool] {
	if r == nil {
		return wrap[bool](errNode{err: errZeroRel})
	}
	return wrap[bool](&relExistsNode{ref: r, conds: nodesOf(conds)})
}

// relExistsNode renders EXISTS (SELECT 1 FROM target ...) once the
// mappings are configured, so it may be built before every table is.
type relExistsNode struct {
	ref   *relRef
	conds []node
}

func (n *relExistsNode) render(b *builder) {
	if err := n.ref.resolve(); err != nil {
		b.Fail(err)
		return
	}
	(&existsNode{core: n.ref.existsCore(n.conds)}).render(b)
}

// sources reports the parent, so that the enclosing statement has it in
// its FROM list for the subquery to correlate with.
func (n *relExistsNode) sources(fn func(*source)) { fn(n.ref.parent.identity()) }

// existsCore is the SELECT 1 of an EXISTS along the relationship. Its FROM
// list is explicit (the target, and the association table), so a target
// that the enclosing statement also has is not correlated away; the
// parent is correlated.
func (r *relRef) existsCore(conds []node) *selectCore {
	rel := r.rel
	parent := r.parent
	target := r.targetSource()
	if r.target == nil && target.identity() == parent.identity() {
		// Self-referential: the related rows are another copy of the table.
		target = &source{table: rel.target, anonymous: true}
	}
	c := &selectCore{items: []node{rawNode("1")}}
	switch rel.Dir {
	case schema.DirManyToMany:
		sec := rel.secondary.base
		c.explicit = []*source{sec, target}
		c.where = append(c.where, pairConds(rel.SecOwner, parent, sec)...)
		c.where = append(c.where, pairConds(rel.SecTarget, target, sec)...)
	case schema.DirOneToMany:
		c.explicit = []*source{target}
		c.where = pairConds(rel.Pairs, parent, target)
	case schema.DirManyToOne:
		c.explicit = []*source{target}
		c.where = pairConds(rel.Pairs, target, parent)
	}
	c.where = append(c.where, r.extra...)
	c.where = append(c.where, conds...)
	return c
}

// pairConds returns ref = fk for each pair, as a list of conditions.
func pairConds(pairs []schema.KeyPair, refSrc, fkSrc *source) []node {
	out := make([]node, len(pairs))
	for i, p := range pairs {
		out[i] = &binaryNode{left: &colRef{src: refSrc, info: p.Ref}, op: " = ", right: &colRef{src: fkSrc, info: p.FK}}
	}
	return out
}

// resolvedRel configures the mappings for an operator that reads an
// object now; the error becomes the condition's render error.
func resolvedRel(r *relRef) (node, bool) {
	if r == nil {
		return errNode{err: errZeroRel}, false
	}
	if err := r.resolve(); err != nil {
		return errNode{err: err}, false
	}
	return nil, true
}

// keyValue is the value of a key column of obj as a bound parameter (NULL
// when it is NULL).
func keyValue(c *schema.Column, obj field.Ptr) node {
	v, ok := c.Key(c.Ptr(obj))
	if !ok {
		return &valueNode{v: nil}
	}
	return &valueNode{v: v}
}

func and(items []node) node {
	if len(items) == 1 {
		return items[0]
	}
	return &boolNode{op: " AND ", items: items}
}

// Eq is true for the rows related to obj (many-to-one: ? = address.user_id;
// one-to-one: user_account.id = ?). Eq(nil) is [One.IsNull].
func (m One[P, C]) Eq(obj *C) Expr[bool] {
	if obj == nil {
		return m.IsNull()
	}
	if n, ok := resolvedRel(m.ref); !ok {
		return wrap[bool](n)
	}
	return wrap[bool](m.ref.eqObject(field.Of(obj)))
}

// eqObject is the condition "the parent row is related to the target
// object obj", for a scalar or collection relationship.
func (r *relRef) eqObject(obj field.Ptr) node {
	rel := r.rel
	var items []node
	switch rel.Dir {
	case schema.DirManyToOne:
		for _, p := range rel.Pairs {
			items = append(items, &binaryNode{left: keyValue(p.Ref, obj), op: " = ", right: &colRef{src: r.parent, info: p.FK}})
		}
	case schema.DirOneToMany:
		for _, p := range rel.Pairs {
			items = append(items, &binaryNode{left: &colRef{src: r.parent, info: p.Ref}, op: " = ", right: keyValue(p.FK, obj)})
		}
	case schema.DirManyToMany:
		sec := rel.secondary.base
		c := &selectCore{items: []node{rawNode("1")}, explicit: []*source{sec}}
		c.where = pairConds(rel.SecOwner, r.parent, sec)
		for _, p := range rel.SecTarget {
			c.where = append(c.where, &binaryNode{left: keyValue(p.Ref, obj), op: " = ", right: &colRef{src: sec, info: p.FK}})
		}
		return &existsNode{core: c}
	}
	return and(items)
}

// Ne is true for the rows not related to obj, including those related to
// nothing: address.user_id != ? OR address.user_id IS NULL. Ne(nil) is
// [One.IsNotNull].
func (m One[P, C]) Ne(obj *C) Expr[bool] {
	if obj == nil {
		return m.IsNotNull()
	}
	if n, ok := resolvedRel(m.ref); !ok {
		return wrap[bool](n)
	}
	rel := m.ref.rel
	if rel.Dir != schema.DirManyToOne {
		return Not(wrap[bool](m.ref.eqObject(field.Of(obj))))
	}
	var ne, null []node
	for _, p := range rel.Pairs {
		col := &colRef{src: m.ref.parent, info: p.FK}
		ne = append(ne, &binaryNode{left: col, op: " != ", right: keyValue(p.Ref, field.Of(obj))})
		null = append(null, &postfixNode{inner: col, op: " IS NULL"})
	}
	return wrap[bool](&boolNode{op: " OR ", items: append(ne, null...)})
}

// IsNull is true for the rows related to nothing: address.user_id IS NULL
// for a many-to-one, NOT (EXISTS ...) for a one-to-one.
func (m One[P, C]) IsNull() Expr[bool] {
	if n, ok := resolvedRel(m.ref); !ok {
		return wrap[bool](n)
	}
	rel := m.ref.rel
	if rel.Dir != schema.DirManyToOne {
		return Not(m.Has())
	}
	items := make([]node, len(rel.Pairs))
	for i, p := range rel.Pairs {
		items[i] = &postfixNode{inner: &colRef{src: m.ref.parent, info: p.FK}, op: " IS NULL"}
	}
	return wrap[bool](and(items))
}

// IsNotNull is true for the rows related to something.
func (m One[P, C]) IsNotNull() Expr[bool] {
	if n, ok := resolvedRel(m.ref); !ok {
		return wrap[bool](n)
	}
	rel := m.ref.rel
	if rel.Dir != schema.DirManyToOne {
		return m.Has()
	}
	items := make([]node, len(rel.Pairs))
	for i, p := range rel.Pairs {
		items[i] = &postfixNode{inner: &colRef{src: m.ref.parent, info: p.FK}, op: " IS NOT NULL"}
	}
	return wrap[bool](and(items))
}

// Contains is true for the parents whose collection holds obj:
// user_account.id = ? with obj's foreign key (SQLAlchemy's contains()).
// For a many-to-many it is an EXISTS on the association table.
func (m Many[P, C]) Contains(obj *C) Expr[bool] { return containsRel(m.ref, field.Of(obj)) }

// Contains is [Many.Contains] for a many-to-many relationship.
func (m ManyToMany[P, C]) Contains(obj *C) Expr[bool] { return containsRel(m.ref, field.Of(obj)) }

func containsRel(r *relRef, obj field.Ptr) Expr[bool] {
	if n, ok := resolvedRel(r); !ok {
		return wrap[bool](n)
	}
	if obj == nil {
		return wrap[bool](errNode{err: invalidArg("Contains(nil) on %s", r.rel)})
	}
	return wrap[bool](r.eqObject(obj))
}

// WithParent is true for the rows of C related to parent along rel (the
// relationship's target, or its OfType alias): WithParent(u,
// Users.Addresses) renders ? = address.user_id. It is what [Many.Query]
// filters by.
func WithParent[P, C any](parent *P, rel Rel[P, C]) Expr[bool] {
	if rel == nil {
		return wrap[bool](errNode{err: errNilRel})
	}
	r := rel.relRef()
	if n, ok := resolvedRel(r); !ok {
		return wrap[bool](n)
	}
	if parent == nil {
		return wrap[bool](errNode{err: invalidArg("WithParent(nil, %s)", r.rel)})
	}
	return wrap[bool](r.withParent(field.Of(parent), r.targetSource()))
}

// withParent is the condition on target rows "related to the parent
// object obj".
func (r *relRef) withParent(obj field.Ptr, target *source) node {
	rel := r.rel
	var items []node
	switch rel.Dir {
	case schema.DirOneToMany:
		for _, p := range rel.Pairs {
			items = append(items, &binaryNode{left: keyValue(p.Ref, obj), op: " = ", right: &colRef{src: target, info: p.FK}})
		}
	case schema.DirManyToOne:
		for _, p := range rel.Pairs {
			items = append(items, &binaryNode{left: &colRef{src: target, info: p.Ref}, op: " = ", right: keyValue(p.FK, obj)})
		}
	case schema.DirManyToMany:
		sec := rel.secondary.base
		for _, p := range rel.SecOwner {
			items = append(items, &binaryNode{left: keyValue(p.Ref, obj), op: " = ", right: &colRef{src: sec, info: p.FK}})
		}
		items = append(items, pairConds(rel.SecTarget, target, sec)...)
	}
	return and(items)
}
