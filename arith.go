package quarry

// Typed arithmetic, for UPDATE assignments such as visits = visits + 1 and
// for conditions. Go methods cannot narrow T to numbers, so these are
// functions constrained by [Number]: Add(Users.Name, "x") does not compile.

// Add renders e + v.
func Add[T Number](e Expression[T], v T) Expr[T] { return arith(e, " + ", valueOf(v)) }

// Sub renders e - v.
func Sub[T Number](e Expression[T], v T) Expr[T] { return arith(e, " - ", valueOf(v)) }

// Mul renders e * v.
func Mul[T Number](e Expression[T], v T) Expr[T] { return arith(e, " * ", valueOf(v)) }

// AddExpr renders e + o for two expressions of one numeric type.
func AddExpr[T Number](e, o Expression[T]) Expr[T] { return arith(e, " + ", nodeOf(o)) }

// SubExpr renders e - o for two expressions of one numeric type.
func SubExpr[T Number](e, o Expression[T]) Expr[T] { return arith(e, " - ", nodeOf(o)) }

func arith[T any](e Expression[T], op string, right node) Expr[T] {
	// binaryNode operands are parenthesized where they nest, so
	// Mul(Add(a, 1), 2) renders (a + ?) * ?.
	return wrap[T](&binaryNode{left: nodeOf(e), op: op, right: right})
}
