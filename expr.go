package quarry

import (
	"database/sql/driver"
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// node is an untyped SQL expression tree node. The typed API ([Expr],
// [Column]) wraps nodes; rendering and FROM inference work on nodes.
type node interface {
	render(b *builder)
	// sources reports the FROM items the expression refers to directly
	// (not through a nested subquery), for the implicit FROM list.
	sources(fn func(*source))
}

// Expression is any SQL expression whose value has the Go type T: a
// [Column], the result of an operator or function, a scalar subquery.
// Operators take Expression[T] so that only like-typed expressions meet.
type Expression[T any] interface {
	exprNode() node
	typ(*T)
}

// Condition is a boolean SQL expression, as taken by Where, Having and
// join ON clauses.
type Condition = Expression[bool]

// Orderable is an ORDER BY term: an expression, or one with [Expr.Asc] or
// [Expr.Desc] applied, or a [TextClause] fragment.
type Orderable interface {
	orderNode() node
}

// Expr is a typed SQL expression. Every operator method returns a new
// Expr; none changes the receiver.
type Expr[T any] struct {
	n node
}

func (e Expr[T]) exprNode() node {
	if e.n == nil {
		return errNode{err: errZeroExpr}
	}
	return e.n
}

func (Expr[T]) typ(*T)                {}
func (Expr[T]) selectable(*T)         {}
func (e Expr[T]) orderNode() node     { return e.exprNode() }
func (e Expr[T]) selectNodes() []node { return []node{e.exprNode()} }

func wrap[T any](n node) Expr[T] { return Expr[T]{n: n} }

func (e Expr[T]) cmp(op string, v T) Expr[bool] {
	if l := e.exprNode(); ordering(op) && isDecimal(l) {
		return wrap[bool](&binaryNode{left: numeric(l), op: op, right: &numericNode{inner: valueOf(v)}})
	}
	return wrap[bool](&binaryNode{left: e.exprNode(), op: op, right: valueOf(v)})
}

func (e Expr[T]) cmpExpr(op string, o Expression[T]) Expr[bool] {
	if l, r := e.exprNode(), nodeOf(o); ordering(op) && (isDecimal(l) || isDecimal(r)) {
		return wrap[bool](&binaryNode{left: &numericNode{inner: l}, op: op, right: &numericNode{inner: r}})
	}
	return wrap[bool](&binaryNode{left: e.exprNode(), op: op, right: nodeOf(o)})
}

// Eq renders e = v; a nil pointer or invalid sql.Null renders e IS NULL.
func (e Expr[T]) Eq(v T) Expr[bool] {
	if isNull(v) {
		return e.IsNull()
	}
	return e.cmp(" = ", v)
}

// Ne renders e != v; a nil pointer or invalid sql.Null renders e IS NOT
// NULL.
func (e Expr[T]) Ne(v T) Expr[bool] {
	if isNull(v) {
		return e.IsNotNull()
	}
	return e.cmp(" != ", v)
}

// Lt renders e < v.
func (e Expr[T]) Lt(v T) Expr[bool] { return e.cmp(" < ", v) }

// Le renders e <= v.
func (e Expr[T]) Le(v T) Expr[bool] { return e.cmp(" <= ", v) }

// Gt renders e > v.
func (e Expr[T]) Gt(v T) Expr[bool] { return e.cmp(" > ", v) }

// Ge renders e >= v.
func (e Expr[T]) Ge(v T) Expr[bool] { return e.cmp(" >= ", v) }

// EqExpr renders e = o for another expression of the same type. Use
// [Deref] to compare a nullable column with a non-nullable one.
func (e Expr[T]) EqExpr(o Expression[T]) Expr[bool] { return e.cmpExpr(" = ", o) }

// NeExpr renders e != o.
func (e Expr[T]) NeExpr(o Expression[T]) Expr[bool] { return e.cmpExpr(" != ", o) }

// LtExpr renders e < o.
func (e Expr[T]) LtExpr(o Expression[T]) Expr[bool] { return e.cmpExpr(" < ", o) }

// LeExpr renders e <= o.
func (e Expr[T]) LeExpr(o Expression[T]) Expr[bool] { return e.cmpExpr(" <= ", o) }

// GtExpr renders e > o.
func (e Expr[T]) GtExpr(o Expression[T]) Expr[bool] { return e.cmpExpr(" > ", o) }

// GeExpr renders e >= o.
func (e Expr[T]) GeExpr(o Expression[T]) Expr[bool] { return e.cmpExpr(" >= ", o) }

// IsNull renders e IS NULL.
func (e Expr[T]) IsNull() Expr[bool] {
	return wrap[bool](&postfixNode{inner: e.exprNode(), op: " IS NULL"})
}

// IsNotNull renders e IS NOT NULL.
func (e Expr[T]) IsNotNull() Expr[bool] {
	return wrap[bool](&postfixNode{inner: e.exprNode(), op: " IS NOT NULL"})
}

// In renders e IN (v1, v2, ...). An empty list renders a condition that is
// always false, never an invalid or dropped clause. A nil among vs (of a
// pointer or sql.Null type) matches the NULL rows: e IN (...) OR e IS NULL.
func (e Expr[T]) In(vs ...T) Expr[bool] { return e.in(false, vs) }

// NotIn renders e NOT IN (...). An empty list renders a condition that is
// always true. A nil among vs excludes the NULL rows too (e IS NOT NULL),
// where SQL's NOT IN with a NULL would match no row at all.
func (e Expr[T]) NotIn(vs ...T) Expr[bool] { return e.in(true, vs) }

// in renders IN or NOT IN. A nil value in vs stands for NULL, which IN
// never matches (x IN (NULL) is NULL, not true): it becomes an IS NULL
// beside the list, so In(nil, v) matches the NULL rows and NotIn(nil, v)
// the rows that are neither NULL nor v.
func (e Expr[T]) in(not bool, vs []T) Expr[bool] {
	items := make([]node, 0, len(vs))
	null := false
	for _, v := range vs {
		if isNull(v) {
			null = true
			continue
		}
		items = append(items, valueOf(v))
	}
	list := &inNode{left: e.exprNode(), items: items, not: not}
	if !null {
		return wrap[bool](list)
	}
	op, join := " IS NULL", " OR "
	if not {
		op, join = " IS NOT NULL", " AND "
	}
	nullTest := &postfixNode{inner: e.exprNode(), op: op}
	if len(items) == 0 {
		return wrap[bool](nullTest)
	}
	return wrap[bool](&boolNode{op: join, items: []node{list, nullTest}})
}

// InSelect renders e IN (subquery) for a one-column SELECT of T.
func (e Expr[T]) InSelect(q *Query[T]) Expr[bool] {
	return wrap[bool](&inNode{left: e.exprNode(), sub: q.orFailed().core, not: false})
}

// NotInSelect renders e NOT IN (subquery).
func (e Expr[T]) NotInSelect(q *Query[T]) Expr[bool] {
	return wrap[bool](&inNode{left: e.exprNode(), sub: q.orFailed().core, not: true})
}

// Between renders e BETWEEN lo AND hi.
func (e Expr[T]) Between(lo, hi T) Expr[bool] {
	if n := e.exprNode(); isDecimal(n) {
		return wrap[bool](&betweenNode{inner: numeric(n), lo: &numericNode{inner: valueOf(lo)}, hi: &numericNode{inner: valueOf(hi)}})
	}
	return wrap[bool](&betweenNode{inner: e.exprNode(), lo: valueOf(lo), hi: valueOf(hi)})
}

// Asc orders by e ascending.
func (e Expr[T]) Asc() Ordering { return Ordering{orderTerm{n: e.exprNode(), dir: " ASC"}} }

// Desc orders by e descending.
func (e Expr[T]) Desc() Ordering { return Ordering{orderTerm{n: e.exprNode(), dir: " DESC"}} }

// Ordering is one term of an ORDER BY: an expression with its direction,
// made by Asc or Desc, and where its NULLs sort. Without NullsFirst or
// NullsLast the database decides (PostgreSQL sorts NULLs as larger than
// every value, SQLite as smaller), so say it where it matters.
type Ordering struct{ t orderTerm }

func (o Ordering) orderNode() node { return o.t }

// NullsFirst sorts NULLs before every value: ORDER BY x ASC NULLS FIRST.
func (o Ordering) NullsFirst() Ordering {
	o.t.nulls = " NULLS FIRST"
	return o
}

// NullsLast sorts NULLs after every value: ORDER BY x DESC NULLS LAST.
func (o Ordering) NullsLast() Ordering {
	o.t.nulls = " NULLS LAST"
	return o
}

// Label names the expression in a SELECT list (expr AS name) and in the
// columns of a subquery built from it.
func (e Expr[T]) Label(name string) Expr[T] {
	return wrap[T](&labelNode{inner: e.exprNode(), name: name})
}

// Deref views an expression of a nullable type *T as one of T, so that a
// nullable foreign key can be compared with the key it references:
// Users.ID.EqExpr(quarry.Deref(Addresses.UserID)). The SQL is unchanged.
func Deref[T any](e Expression[*T]) Expr[T] { return wrap[T](nodeOf(e)) }

// Nullable views an expression of T as one of *T, for comparisons with
// nullable columns and for reading a column from the optional side of an
// outer join. The SQL is unchanged.
func Nullable[T any](e Expression[T]) Expr[*T] { return wrap[*T](nodeOf(e)) }

// Value is a bound parameter of type T, for the rare place where a value
// must stand as an expression (a function argument, a SELECT item).
func Value[T any](v T) Expr[T] { return wrap[T](valueOf(v)) }

// isNull reports whether v is a nil pointer or a driver.Valuer whose value
// is NULL, without reflecting on the value.
func isNull[T any](v T) bool {
	if reflect.TypeFor[T]().Kind() == reflect.Pointer {
		return field.PtrOf(v) == nil
	}
	if dv, ok := any(v).(driver.Valuer); ok {
		x, err := dv.Value()
		return err == nil && x == nil
	}
	return false
}

func valueOf[T any](v T) node { return &valueNode{v: schema.Bindable(v)} }

// And joins conditions with AND. With no conditions it is true.
func And(conds ...Condition) Expr[bool] {
	return wrap[bool](&boolNode{op: " AND ", items: nodesOf(conds)})
}

// Or joins conditions with OR. With no conditions it is false.
func Or(conds ...Condition) Expr[bool] {
	return wrap[bool](&boolNode{op: " OR ", items: nodesOf(conds)})
}

// Not negates a condition: NOT (cond).
func Not(cond Condition) Expr[bool] {
	return wrap[bool](&notNode{inner: nodeOf(cond)})
}

func nodesOf[T any](es []Expression[T]) []node {
	ns := make([]node, len(es))
	for i, e := range es {
		ns[i] = nodeOf(e)
	}
	return ns
}

// nodeOf returns the node of e, or an error node when e is nil, so that a
// nil argument to a builder is an error at render time, not a panic.
func nodeOf(e Grouping) node {
	if e == nil {
		return errNode{err: errNilExpr}
	}
	return e.exprNode()
}

// EqValue renders e = v for a nullable expression and a plain value, so
// that comparing a nullable column with a literal needs no pointer:
// quarry.EqValue(Users.Nickname, "ed") is Users.Nickname.Eq(&s) without s.
func EqValue[T any](e Expression[*T], v T) Expr[bool] {
	return wrap[bool](&binaryNode{left: nodeOf(e), op: " = ", right: valueOf(v)})
}

// NeValue renders e != v for a nullable expression and a plain value.
// Like SQL's !=, it does not match the NULL rows.
func NeValue[T any](e Expression[*T], v T) Expr[bool] {
	return wrap[bool](&binaryNode{left: nodeOf(e), op: " != ", right: valueOf(v)})
}
