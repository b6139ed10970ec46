package quarry

import "github.com/quarry-orm/quarry/dialect"

// Decimals are exact text on a database without a numeric type that
// keeps them (SQLite), and text compares character by character: '10.5'
// sorts before '9'. Where such a column is compared by order or sorted,
// quarry casts both sides to the dialect's DecimalOrderCast, so the
// comparison follows the number; equality keeps comparing the exact,
// canonical text.

// numericNode renders its operand cast for an order comparison where the
// dialect asks for it, and unchanged elsewhere.
type numericNode struct{ inner node }

func (n *numericNode) render(b *builder) {
	if b.Caps.DecimalOrderCast == "" {
		renderOperand(b, n.inner)
		return
	}
	b.Write("CAST(")
	n.inner.render(b)
	b.Write(" AS ")
	b.Write(b.Caps.DecimalOrderCast)
	b.WriteChar(')')
}

func (n *numericNode) sources(fn func(*source)) { n.inner.sources(fn) }

// isDecimal reports whether n is a column of exact decimals.
func isDecimal(n node) bool {
	c, ok := n.(*colRef)
	return ok && c.info.Kind == dialect.KindDecimal
}

// numeric wraps a decimal column for an order comparison or an ORDER BY
// term.
func numeric(n node) node {
	if isDecimal(n) {
		return &numericNode{inner: n}
	}
	return n
}

// ordering reports whether op compares by order.
func ordering(op string) bool {
	switch op {
	case " < ", " <= ", " > ", " >= ":
		return true
	}
	return false
}

// renderOrderList renders the terms of an ORDER BY, decimal columns
// cast as numeric comparisons cast them.
func renderOrderList(b *builder, keyword string, list []node) {
	if len(list) == 0 {
		return
	}
	b.Write(keyword)
	for i, n := range list {
		if i > 0 {
			b.Write(", ")
		}
		if t, ok := n.(orderTerm); ok {
			numeric(t.n).render(b)
			b.Write(t.dir)
			b.Write(t.nulls)
			continue
		}
		numeric(n).render(b)
	}
}
