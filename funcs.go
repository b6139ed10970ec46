package quarry

import (
	"cmp"
	"fmt"
	"time"

	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// funcNode is a SQL function call.
type funcNode struct {
	name string
	args []node
	star bool // count(*)
}

func (f *funcNode) render(b *builder) {
	b.Write(f.name)
	b.WriteChar('(')
	if f.star {
		b.WriteChar('*')
	}
	for i, a := range f.args {
		if i > 0 {
			b.Write(", ")
		}
		a.render(b)
	}
	b.WriteChar(')')
}

func (f *funcNode) sources(fn func(*source)) {
	for _, a := range f.args {
		a.sources(fn)
	}
}

// Number is the constraint of the numeric aggregate functions.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// CountAll renders count(*). Use it with SelectFrom when no column names
// the table: Select(CountAll()).SelectFrom(Users).
func CountAll() Expr[int64] {
	return wrap[int64](&funcNode{name: "count", star: true})
}

// Count renders count(e): the number of rows where e is not NULL. It takes
// exactly one expression (count(a, b) is not SQL); see [CountAll] for
// count(*) and [CountDistinct].
func Count(e Grouping) Expr[int64] {
	return wrap[int64](&funcNode{name: "count", args: []node{nodeOf(e)}})
}

// CountDistinct renders count(DISTINCT e).
func CountDistinct(e Grouping) Expr[int64] {
	return wrap[int64](&funcNode{name: "count", args: []node{&prefixNode{op: "DISTINCT ", inner: nodeOf(e)}}})
}

// Ordered is the constraint of [Min] and [Max]: the types SQL orders the
// same way Go does. A nullable column (*T) is not Ordered: use [MinNull]
// and [MaxNull], whose result is *T rather than **T.
type Ordered interface {
	cmp.Ordered | time.Time
}

// Sum renders sum(e). It is NULL over no rows, hence *T. For a nullable
// column use [SumNull].
func Sum[T Number](e Expression[T]) Expr[*T] { return call[*T]("sum", nodeOf(e)) }

// SumNull renders sum(e) of a nullable column: NULLs are skipped, and the
// result is *T (NULL over no rows or only NULLs). Go cannot give one
// function both shapes (a type parameter cannot be a union term), hence
// the second name.
func SumNull[T Number](e Expression[*T]) Expr[*T] { return call[*T]("sum", nodeOf(e)) }

// Min renders min(e). It is NULL over no rows, hence *T.
func Min[T Ordered](e Expression[T]) Expr[*T] { return call[*T]("min", nodeOf(e)) }

// MinNull renders min(e) of a nullable column, as *T.
func MinNull[T Ordered](e Expression[*T]) Expr[*T] { return call[*T]("min", nodeOf(e)) }

// Max renders max(e). It is NULL over no rows, hence *T.
func Max[T Ordered](e Expression[T]) Expr[*T] { return call[*T]("max", nodeOf(e)) }

// MaxNull renders max(e) of a nullable column, as *T.
func MaxNull[T Ordered](e Expression[*T]) Expr[*T] { return call[*T]("max", nodeOf(e)) }

// Avg renders avg(e) as a nullable float.
func Avg[T Number](e Expression[T]) Expr[*float64] { return call[*float64]("avg", nodeOf(e)) }

// AvgNull renders avg(e) of a nullable column as a nullable float.
func AvgNull[T Number](e Expression[*T]) Expr[*float64] { return call[*float64]("avg", nodeOf(e)) }

// Lower renders lower(e).
func Lower[T ~string | ~*string](e Expression[T]) Expr[T] { return call[T]("lower", nodeOf(e)) }

// Upper renders upper(e).
func Upper[T ~string | ~*string](e Expression[T]) Expr[T] { return call[T]("upper", nodeOf(e)) }

// Coalesce renders coalesce(e, fallback...): the first non-NULL argument.
// The result is T, not nullable, when the last argument is a value.
func Coalesce[T any](e Expression[*T], fallback T) Expr[T] {
	return call[T]("coalesce", nodeOf(e), valueOf(fallback))
}

// Func calls the SQL function name with the arguments and types the result
// as T: Func[string]("concat", Users.Name, Users.Fullname). The name must
// be a plain identifier (letters, digits, underscores, dots); anything
// else is an error at render time.
func Func[T any](name string, args ...Grouping) Expr[T] {
	if !validFuncName(name) {
		return wrap[T](errNode{err: fmt.Errorf("%w: invalid SQL function name %q", ErrInvalidIdentifier, name)})
	}
	return wrap[T](&funcNode{name: name, args: exprNodes(args)})
}

func call[T any](name string, args ...node) Expr[T] {
	return wrap[T](&funcNode{name: name, args: args})
}

func exprNodes(es []Grouping) []node {
	ns := make([]node, len(es))
	for i, e := range es {
		ns[i] = nodeOf(e)
	}
	return ns
}

func validFuncName(s string) bool {
	if s == "" || !sqlgen.IsNameStart(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !sqlgen.IsNameChar(s[i]) && s[i] != '.' {
			return false
		}
	}
	return true
}

type prefixNode struct {
	op    string
	inner node
}

func (n *prefixNode) render(b *builder)        { b.Write(n.op); n.inner.render(b) }
func (n *prefixNode) sources(fn func(*source)) { n.inner.sources(fn) }

// TupleExpr is a row of two expressions, for multi-column IN.
type TupleExpr[A, B any] struct{ a, b node }

// Tuple builds (a, b) for [TupleExpr.In].
func Tuple[A, B any](a Expression[A], b Expression[B]) TupleExpr[A, B] {
	return TupleExpr[A, B]{a: nodeOf(a), b: nodeOf(b)}
}

// In is true when (a, b) equals one of the rows. It renders as
// ((a = ? AND b = ?) OR ...), which means the same as the row-value
// (a, b) IN (...) and runs everywhere: SQLite takes row values on the
// right of IN only from a subquery, and PostgreSQL cannot type the
// parameters of a VALUES list. An empty list is false.
func (t TupleExpr[A, B]) In(rows ...Row2[A, B]) Expr[bool] {
	return wrap[bool](&tupleInNode{t: t.nodes(), rows: tupleRows(rows)})
}

// NotIn is NOT of [TupleExpr.In]. An empty list is true.
func (t TupleExpr[A, B]) NotIn(rows ...Row2[A, B]) Expr[bool] {
	return wrap[bool](&tupleInNode{t: t.nodes(), rows: tupleRows(rows), not: true})
}

func (t TupleExpr[A, B]) nodes() []node {
	if t.a == nil || t.b == nil {
		// A zero TupleExpr, not made by Tuple.
		return []node{errNode{err: errZeroExpr}, errNode{err: errZeroExpr}}
	}
	return []node{t.a, t.b}
}

func tupleRows[A, B any](rows []Row2[A, B]) [][]node {
	out := make([][]node, len(rows))
	for i, r := range rows {
		out[i] = []node{valueOf(r.V1), valueOf(r.V2)}
	}
	return out
}

type tupleInNode struct {
	t    []node
	rows [][]node
	not  bool
}

func (n *tupleInNode) render(b *builder) {
	if len(n.rows) == 0 {
		if n.not {
			b.Write("1 = 1")
		} else {
			b.Write("1 != 1")
		}
		return
	}
	if n.not {
		b.Write("NOT ")
	}
	b.WriteChar('(')
	for i, r := range n.rows {
		if i > 0 {
			b.Write(" OR ")
		}
		b.WriteChar('(')
		for j, v := range r {
			if j > 0 {
				b.Write(" AND ")
			}
			renderOperand(b, n.t[j])
			b.Write(" = ")
			v.render(b)
		}
		b.WriteChar(')')
	}
	b.WriteChar(')')
}

func (n *tupleInNode) sources(fn func(*source)) {
	for _, x := range n.t {
		x.sources(fn)
	}
}
