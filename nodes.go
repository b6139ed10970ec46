package quarry

import "github.com/quarry-orm/quarry/internal/schema"

// colRef is a column of a FROM source.
type colRef struct {
	src  *source
	info *schema.Column
}

func (c *colRef) render(b *builder) {
	if c.src.err != nil {
		b.Fail(c.src.err)
	}
	if b.bareColumns {
		b.Ident(c.info.Name)
		return
	}
	src := c.src
	if a, ok := b.adapt[src.identity()]; ok {
		src = a
	}
	b.Ident(b.sourceName(src.identity()))
	b.WriteChar('.')
	if src.sub != nil {
		b.Ident(src.sub.outputNameOf(b, c.info))
		return
	}
	b.Ident(c.info.Name)
}

func (c *colRef) sources(fn func(*source)) { fn(c.src.identity()) }

// subColRef is a column of a subquery found by the expression that
// produced it (a label, a function) rather than by a mapped column.
type subColRef struct {
	src   *source
	inner node
}

func (c *subColRef) render(b *builder) {
	b.Ident(b.sourceName(c.src))
	b.WriteChar('.')
	b.Ident(c.src.sub.outputNameOfNode(b, c.inner))
}

func (c *subColRef) sources(fn func(*source)) { fn(c.src) }

type valueNode struct{ v any }

func (v *valueNode) render(b *builder)   { b.BindFrom(v, v.v) }
func (*valueNode) sources(func(*source)) {}

// errNode stands where a builder met an argument it cannot use, so that
// the statement fails when it is rendered (builders never panic). It keeps
// the error itself, not its text, so that errors.Is finds the sentinel.
type errNode struct{ err error }

func (e errNode) render(b *builder)   { b.Fail(e.err) }
func (errNode) sources(func(*source)) {}

type binaryNode struct {
	left  node
	op    string
	right node
}

func (n *binaryNode) render(b *builder) {
	renderOperand(b, n.left)
	b.Write(n.op)
	renderOperand(b, n.right)
}

func (n *binaryNode) sources(fn func(*source)) {
	n.left.sources(fn)
	n.right.sources(fn)
}

// renderOperand parenthesizes boolean combinations used as operands.
func renderOperand(b *builder, n node) {
	switch n.(type) {
	case *boolNode, *binaryNode, *notNode:
		b.WriteChar('(')
		n.render(b)
		b.WriteChar(')')
	default:
		n.render(b)
	}
}

type postfixNode struct {
	inner node
	op    string
}

func (n *postfixNode) render(b *builder)        { renderOperand(b, n.inner); b.Write(n.op) }
func (n *postfixNode) sources(fn func(*source)) { n.inner.sources(fn) }

type inNode struct {
	left  node
	items []node
	sub   *selectCore
	not   bool
}

func (n *inNode) render(b *builder) {
	if n.sub == nil && len(n.items) == 0 {
		// An empty IN is false and an empty NOT IN true, whatever the
		// left side is, including NULL.
		if n.not {
			b.Write("1 = 1")
		} else {
			b.Write("1 != 1")
		}
		return
	}
	renderOperand(b, n.left)
	if n.not {
		b.Write(" NOT IN (")
	} else {
		b.Write(" IN (")
	}
	if n.sub != nil {
		n.sub.renderNested(b, true)
	} else {
		for i, it := range n.items {
			if i > 0 {
				b.Write(", ")
			}
			it.render(b)
		}
	}
	b.WriteChar(')')
}

func (n *inNode) sources(fn func(*source)) { n.left.sources(fn) }

type betweenNode struct{ inner, lo, hi node }

func (n *betweenNode) render(b *builder) {
	renderOperand(b, n.inner)
	b.Write(" BETWEEN ")
	n.lo.render(b)
	b.Write(" AND ")
	n.hi.render(b)
}

func (n *betweenNode) sources(fn func(*source)) { n.inner.sources(fn) }

type ilikeNode struct {
	left, right node
	not         bool
}

func (n *ilikeNode) render(b *builder) {
	op := " LIKE "
	if n.not {
		op = " NOT LIKE "
	}
	if b.Caps.NativeILike {
		renderOperand(b, n.left)
		if n.not {
			b.Write(" NOT ILIKE ")
		} else {
			b.Write(" ILIKE ")
		}
		n.right.render(b)
		return
	}
	b.Write("lower(")
	n.left.render(b)
	b.Write(")")
	b.Write(op)
	b.Write("lower(")
	n.right.render(b)
	b.Write(")")
}

func (n *ilikeNode) sources(fn func(*source)) { n.left.sources(fn) }

type matchNode struct{ left, right node }

func (n *matchNode) render(b *builder) {
	if b.Caps.MatchPrefix == "" {
		b.Fail(&unsupportedError{what: "full-text Match", dialect: b.D.Name()})
		return
	}
	b.Write(b.Caps.MatchLeftPrefix)
	renderOperand(b, n.left)
	b.Write(b.Caps.MatchLeftSuffix)
	b.Write(b.Caps.MatchPrefix)
	n.right.render(b)
	b.Write(b.Caps.MatchSuffix)
}

func (n *matchNode) sources(fn func(*source)) { n.left.sources(fn) }

type boolNode struct {
	op    string
	items []node
}

func (n *boolNode) render(b *builder) {
	switch len(n.items) {
	case 0:
		if n.op == " AND " {
			b.Write("1 = 1")
		} else {
			b.Write("1 != 1")
		}
		return
	case 1:
		n.items[0].render(b)
		return
	}
	for i, it := range n.items {
		if i > 0 {
			b.Write(n.op)
		}
		if inner, ok := it.(*boolNode); ok && inner.op != n.op && len(inner.items) > 1 {
			b.WriteChar('(')
			it.render(b)
			b.WriteChar(')')
			continue
		}
		it.render(b)
	}
}

func (n *boolNode) sources(fn func(*source)) {
	for _, it := range n.items {
		it.sources(fn)
	}
}

type notNode struct{ inner node }

func (n *notNode) render(b *builder) {
	b.Write("NOT (")
	n.inner.render(b)
	b.WriteChar(')')
}

func (n *notNode) sources(fn func(*source)) { n.inner.sources(fn) }

type labelNode struct {
	inner node
	name  string
}

// render outside a SELECT list refers to the expression itself; the
// SELECT list renders "inner AS name" through selectItem.
func (n *labelNode) render(b *builder)        { n.inner.render(b) }
func (n *labelNode) sources(fn func(*source)) { n.inner.sources(fn) }

type orderTerm struct {
	n     node
	dir   string
	nulls string // " NULLS FIRST", " NULLS LAST" or ""
}

func (o orderTerm) orderNode() node { return o }
func (o orderTerm) render(b *builder) {
	o.n.render(b)
	b.Write(o.dir)
	b.Write(o.nulls)
}
func (o orderTerm) sources(fn func(*source)) { o.n.sources(fn) }

// unsupportedError says which feature a dialect lacks.
type unsupportedError struct{ what, dialect string }

func (e *unsupportedError) Error() string {
	return "quarry: " + e.what + " is not supported by the " + e.dialect + " dialect"
}

func (e *unsupportedError) Unwrap() error { return ErrUnsupported }
