package quarry

import (
	"time"

	"github.com/quarry-orm/quarry/internal/schema"

	"github.com/google/uuid"
	"github.com/quarry-orm/quarry/dialect"
)

// Array operators over array columns ([]string, []int64, ...): native
// arrays on PostgreSQL, JSON text on SQLite, with the same results.

// ArrayElem is the element types of the array columns the array operators
// take. Times match by instant, whatever their zone: PostgreSQL compares
// timestamptz values, and on SQLite quarry writes the elements of a time
// array in UTC (a row written before in another zone reads back but is
// not matched).
type ArrayElem interface {
	string | int64 | int32 | float64 | bool | uuid.UUID | time.Time
}

// ArrayContains is true where the array holds every one of vals
// (PostgreSQL's arr @> $1; on SQLite, over json_each).
func ArrayContains[E ArrayElem](arr Expression[[]E], vals ...E) Expr[bool] {
	return Expr[bool]{n: &arrayOpNode{arr: nodeOf(arr), vals: schema.Array[E](vals), contains: true}}
}

// ArrayOverlaps is true where the array holds at least one of vals
// (PostgreSQL's arr && $1).
func ArrayOverlaps[E ArrayElem](arr Expression[[]E], vals ...E) Expr[bool] {
	return Expr[bool]{n: &arrayOpNode{arr: nodeOf(arr), vals: schema.Array[E](vals)}}
}

// ArrayHas is true where the array holds v: ArrayOverlaps of v alone
// (PostgreSQL's v = ANY(arr)).
func ArrayHas[E ArrayElem](arr Expression[[]E], v E) Expr[bool] {
	return ArrayOverlaps(arr, v)
}

// arrayOpNode is arr @> vals (contains) or arr && vals.
type arrayOpNode struct {
	arr      node
	vals     any // array[E]: bound natively on PostgreSQL, as JSON text on SQLite
	contains bool
}

func (n *arrayOpNode) render(b *builder) {
	if c, ok := unlabel(n.arr).(*colRef); ok && c.info.Kind != dialect.KindArray {
		b.Failf("array operator of %s, which is not an array column", c.info)
		return
	}
	if b.Caps.NativeJSON {
		n.renderNative(b)
		return
	}
	// SQLite stores the array as JSON text; json_each reads its elements,
	// and the values are bound as a JSON array too.
	if n.contains {
		b.Write("NOT EXISTS (SELECT 1 FROM json_each(")
		b.Bind(n.vals)
		b.Write(") AS q WHERE q.value NOT IN (SELECT a.value FROM json_each(")
		n.arr.render(b)
		b.Write(") AS a))")
		return
	}
	b.Write("EXISTS (SELECT 1 FROM json_each(")
	n.arr.render(b)
	b.Write(") AS a WHERE a.value IN (SELECT q.value FROM json_each(")
	b.Bind(n.vals)
	b.Write(") AS q))")
}

// renderNative renders the PostgreSQL operators, casting the bound array
// to the column's own array type, so that uuid[] and varchar(n)[]
// compare with what is bound.
func (n *arrayOpNode) renderNative(b *builder) {
	renderOperand(b, n.arr)
	if n.contains {
		b.Write(" @> ")
	} else {
		b.Write(" && ")
	}
	if c, ok := unlabel(n.arr).(*colRef); ok {
		b.Write("CAST(")
		b.Bind(n.vals)
		b.Write(" AS ")
		b.Write(c.info.TypeName(b.D))
		b.WriteChar(')')
		return
	}
	b.Bind(n.vals)
}

func (n *arrayOpNode) sources(fn func(*source)) { n.arr.sources(fn) }
