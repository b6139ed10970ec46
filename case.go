package quarry

// CASE WHEN cond THEN v ... ELSE v END, typed: every branch and the ELSE
// have the one type T, or the program does not compile.

// WhenClause is one WHEN cond THEN value branch of a [Case], made by
// [When] or [WhenExpr].
type WhenClause[T any] struct {
	cond, val node
}

// When is the branch WHEN cond THEN v, with v bound as a parameter.
func When[T any](cond Condition, v T) WhenClause[T] {
	return WhenClause[T]{cond: nodeOf(cond), val: valueOf(v)}
}

// WhenExpr is the branch WHEN cond THEN e for an expression e.
func WhenExpr[T any](cond Condition, e Expression[T]) WhenClause[T] {
	return WhenClause[T]{cond: nodeOf(cond), val: nodeOf(e)}
}

// CaseExpr is a CASE expression without its ELSE yet: finish it with
// [CaseExpr.Else], [CaseExpr.ElseExpr], or [CaseExpr.End] for no ELSE.
type CaseExpr[T any] struct {
	whens []WhenClause[T]
}

// Case starts CASE WHEN ... THEN ... END from its branches, tried in
// order:
//
//	quarry.Case(quarry.When(Users.Visits.Gt(100), "gold"), quarry.When(Users.Visits.Gt(10), "silver")).Else("bronze")
//
// Branches of different types do not compile. With no branch it is an
// error when rendered. On PostgreSQL a CASE whose branches are all bound
// values has no type the database can infer and is read as text: give
// one branch a [Cast] (or a column) when T is not a string.
func Case[T any](whens ...WhenClause[T]) CaseExpr[T] {
	return CaseExpr[T]{whens: whens}
}

// Else finishes the CASE with ELSE v.
func (c CaseExpr[T]) Else(v T) Expr[T] {
	return wrap[T](&caseNode{whens: c.nodes(), els: valueOf(v)})
}

// ElseExpr finishes the CASE with ELSE e.
func (c CaseExpr[T]) ElseExpr(e Expression[T]) Expr[T] {
	return wrap[T](&caseNode{whens: c.nodes(), els: nodeOf(e)})
}

// End finishes the CASE without ELSE: where no branch matches it is NULL,
// hence *T.
func (c CaseExpr[T]) End() Expr[*T] {
	return wrap[*T](&caseNode{whens: c.nodes()})
}

func (c CaseExpr[T]) nodes() [][2]node {
	out := make([][2]node, len(c.whens))
	for i, w := range c.whens {
		if w.cond == nil {
			// A zero WhenClause, not made by When.
			out[i] = [2]node{errNode{err: errZeroExpr}, errNode{err: errZeroExpr}}
			continue
		}
		out[i] = [2]node{w.cond, w.val}
	}
	return out
}

// caseNode is CASE WHEN ... THEN ... [ELSE ...] END.
type caseNode struct {
	whens [][2]node
	els   node
}

func (n *caseNode) render(b *builder) {
	if len(n.whens) == 0 {
		b.Fail(invalidArg("Case without a When"))
		return
	}
	b.Write("CASE")
	for _, w := range n.whens {
		b.Write(" WHEN ")
		w[0].render(b)
		b.Write(" THEN ")
		w[1].render(b)
	}
	if n.els != nil {
		b.Write(" ELSE ")
		n.els.render(b)
	}
	b.Write(" END")
}

func (n *caseNode) sources(fn func(*source)) {
	for _, w := range n.whens {
		w[0].sources(fn)
		w[1].sources(fn)
	}
	if n.els != nil {
		n.els.sources(fn)
	}
}
