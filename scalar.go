package quarry

import (
	"fmt"
	"reflect"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Scalar functions beside those of funcs.go: CAST, NULLIF, the greatest
// and least of several values, string concatenation and length.

// Cast renders CAST(e AS type) with the dialect's name for the Go type T
// (the type a column of T gets in CREATE TABLE; TEXT for strings):
// Cast[float64](Users.Visits), Cast[string](Users.ID). A nullable T
// (*int64) casts to the type of int64, and NULL stays NULL. A T the
// dialects have no type for is an error when the statement is rendered.
func Cast[T any](e Grouping) Expr[T] {
	g, err := schema.KindOf(reflect.TypeFor[T](), false)
	kind := g.Kind
	if err == nil && kind == dialect.KindUnknown {
		err = fmt.Errorf("no SQL type for %v", reflect.TypeFor[T]())
	}
	if err != nil {
		return wrap[T](errNode{err: fmt.Errorf("%w: Cast: %v", ErrInvalidArgument, err)})
	}
	return wrap[T](&castNode{inner: nodeOf(e), typ: dialect.ColumnType{Kind: kind, Text: true}})
}

type castNode struct {
	inner node
	typ   dialect.ColumnType
}

func (n *castNode) render(b *builder) {
	b.Write("CAST(")
	n.inner.render(b)
	b.Write(" AS ")
	b.Write(b.D.TypeName(n.typ))
	b.WriteChar(')')
}

func (n *castNode) sources(fn func(*source)) { n.inner.sources(fn) }

// NullIf renders nullif(e, v): NULL where e equals v, e elsewhere, hence
// *T.
func NullIf[T any](e Expression[T], v T) Expr[*T] {
	return call[*T]("nullif", nodeOf(e), valueOf(v))
}

// CoalesceExpr renders coalesce(e, others...): the first of the nullable
// expressions that is not NULL, still nullable. Use [Coalesce] for a
// value as the last resort.
func CoalesceExpr[T any](e Expression[*T], others ...Expression[*T]) Expr[*T] {
	return call[*T]("coalesce", append([]node{nodeOf(e)}, nodesOf(others)...)...)
}

// Greatest renders the largest of the expressions: greatest(...) on
// PostgreSQL, the scalar max(...) of several arguments on SQLite. They
// differ on NULL: PostgreSQL ignores NULL arguments, SQLite returns NULL
// if any argument is NULL; use non-nullable arguments (or [Coalesce])
// for the same answer on both.
func Greatest[T any](e Expression[T], others ...Expression[T]) Expr[T] {
	return wrap[T](&extremeNode{greatest: true, args: append([]node{nodeOf(e)}, nodesOf(others)...)})
}

// Least renders the smallest of the expressions: least(...) on
// PostgreSQL, min(...) on SQLite. NULLs as for [Greatest].
func Least[T any](e Expression[T], others ...Expression[T]) Expr[T] {
	return wrap[T](&extremeNode{args: append([]node{nodeOf(e)}, nodesOf(others)...)})
}

// extremeNode is greatest/least under the dialect's name.
type extremeNode struct {
	greatest bool
	args     []node
}

func (n *extremeNode) render(b *builder) {
	name := b.Caps.LeastFunc
	if n.greatest {
		name = b.Caps.GreatestFunc
	}
	if name == "" {
		b.Fail(&unsupportedError{what: "Greatest and Least", dialect: b.D.Name()})
		return
	}
	(&funcNode{name: name, args: n.args}).render(b)
}

func (n *extremeNode) sources(fn func(*source)) {
	for _, a := range n.args {
		a.sources(fn)
	}
}

// Concat renders the string concatenation e || o || ... of string
// expressions; a NULL operand makes the result NULL on both dialects.
// Use [Value] for a literal part: Concat(Users.Name, quarry.Value(" "),
// Users.Fullname).
func Concat[T ~string | ~*string](e Expression[T], others ...Expression[T]) Expr[T] {
	n := nodeOf(e)
	for _, o := range others {
		n = &binaryNode{left: n, op: " || ", right: nodeOf(o)}
	}
	return wrap[T](n)
}

// Length renders length(e), the number of characters of a string.
func Length[T ~string](e Expression[T]) Expr[int64] { return call[int64]("length", nodeOf(e)) }
