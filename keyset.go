package quarry

// Keyset (seek) pagination: the next page is the rows after the last one
// read, in the statement's order, found through the index instead of
// counted past with OFFSET.

// KeyPart is one ordering key of a keyset page with the value of the last
// row read, made by [Key] or [KeyDesc].
type KeyPart struct {
	col, val node
	desc     bool
}

// Key is an ascending ordering key e with the last row's value.
func Key[T any](e Expression[T], last T) KeyPart {
	return KeyPart{col: nodeOf(e), val: valueOf(last)}
}

// KeyDesc is a descending ordering key e with the last row's value.
func KeyDesc[T any](e Expression[T], last T) KeyPart {
	return KeyPart{col: nodeOf(e), val: valueOf(last), desc: true}
}

// After is the condition that a row comes after the last one in the
// order of the keys: for keys of one direction the row-value comparison
// (a, b) > (?, ?) (or <, descending), which SQLite and PostgreSQL both
// evaluate and index; for mixed directions its expansion a > ? OR (a = ?
// AND b < ?). End the keys with a unique one (the primary key) so that
// rows equal on the others are neither skipped nor repeated, and use
// NOT NULL keys: a NULL compares as neither before nor after. With no
// keys After is an error when rendered.
func After(keys ...KeyPart) Expr[bool] {
	return wrap[bool](&afterNode{keys: keys})
}

// Seek orders the statement by the keys and keeps the rows after the
// last row read (the values in the keys), the next page of a keyset
// pagination; add Limit for the page size:
//
//	page2 := quarry.Select(Users).Seek(quarry.Key(Users.Name, last.Name), quarry.Key(Users.ID, last.ID)).Limit(20)
//
// The first page is the same statement with OrderBy in place of Seek.
// The keys' ORDER BY terms come after any the statement already has.
func (q *Query[T]) Seek(keys ...KeyPart) *Query[T] {
	return q.with(func(c *selectCore) {
		c.where = append(c.where, &afterNode{keys: keys})
		for _, k := range keys {
			dir := " ASC"
			if k.desc {
				dir = " DESC"
			}
			c.orderBy = append(c.orderBy, orderTerm{n: k.colNode(), dir: dir})
		}
	})
}

func (k KeyPart) colNode() node {
	if k.col == nil {
		return errNode{err: invalidArg("zero KeyPart: use Key or KeyDesc")}
	}
	return k.col
}

type afterNode struct{ keys []KeyPart }

func (n *afterNode) render(b *builder) {
	if len(n.keys) == 0 {
		b.Fail(invalidArg("After or Seek without keys"))
		return
	}
	mixed := false
	for _, k := range n.keys {
		if k.col == nil || k.val == nil {
			b.Fail(invalidArg("zero KeyPart: use Key or KeyDesc"))
			return
		}
		mixed = mixed || k.desc != n.keys[0].desc
	}
	if mixed {
		n.renderExpanded(b)
		return
	}
	op := " > "
	if n.keys[0].desc {
		op = " < "
	}
	if len(n.keys) == 1 {
		col, val := n.keys[0].orderSides()
		renderOperand(b, col)
		b.Write(op)
		val.render(b)
		return
	}
	b.WriteChar('(')
	for i, k := range n.keys {
		if i > 0 {
			b.Write(", ")
		}
		col, _ := k.orderSides()
		col.render(b)
	}
	b.Write(")")
	b.Write(op)
	b.WriteChar('(')
	for i, k := range n.keys {
		if i > 0 {
			b.Write(", ")
		}
		_, val := k.orderSides()
		val.render(b)
	}
	b.WriteChar(')')
}

// orderSides returns the key's column and value as an order comparison
// renders them: a decimal column and its value cast where the dialect
// compares decimals as text (decimal_order.go).
func (k KeyPart) orderSides() (col, val node) {
	col = k.colNode()
	if isDecimal(col) {
		return numeric(col), &numericNode{inner: k.val}
	}
	return col, k.val
}

// renderExpanded writes (k1 > v1 OR (k1 = v1 AND k2 < v2) OR ...), each
// comparison in its key's direction.
func (n *afterNode) renderExpanded(b *builder) {
	b.WriteChar('(')
	for i, k := range n.keys {
		if i > 0 {
			b.Write(" OR ")
		}
		if i > 0 {
			b.WriteChar('(')
		}
		for _, eq := range n.keys[:i] {
			renderOperand(b, eq.colNode())
			b.Write(" = ")
			eq.val.render(b)
			b.Write(" AND ")
		}
		col, val := k.orderSides()
		renderOperand(b, col)
		if k.desc {
			b.Write(" < ")
		} else {
			b.Write(" > ")
		}
		val.render(b)
		if i > 0 {
			b.WriteChar(')')
		}
	}
	b.WriteChar(')')
}

func (n *afterNode) sources(fn func(*source)) {
	for _, k := range n.keys {
		k.colNode().sources(fn)
	}
}
