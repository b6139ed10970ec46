package quarry

// scalarSubNode is a SELECT used as a value: (SELECT ...).
type scalarSubNode struct{ core statementNode }

func (n *scalarSubNode) render(b *builder) {
	b.WriteChar('(')
	n.core.renderStmt(b, true, true)
	b.WriteChar(')')
}

func (*scalarSubNode) sources(func(*source)) {}

// existsNode is EXISTS (SELECT ...), correlated with the enclosing query.
type existsNode struct{ core statementNode }

func (n *existsNode) render(b *builder) {
	b.Write("EXISTS (")
	n.core.renderStmt(b, true, true)
	b.WriteChar(')')
}

func (*existsNode) sources(func(*source)) {}

// rawNode is fixed SQL text written by quarry itself (never user input).
type rawNode string

func (r rawNode) render(b *builder)   { b.Write(string(r)) }
func (rawNode) sources(func(*source)) {}

// Exists renders EXISTS (stmt). Inside a query, stmt's FROM items that the
// enclosing query also has are correlated (left out of the subquery).
func Exists(stmt Statement) Expr[bool] {
	return wrap[bool](&existsNode{core: stmtNodeOf(stmt)})
}

// ExistsWhere renders EXISTS (SELECT * FROM ... WHERE conds), with the FROM
// items taken from the conditions, less those correlated with the
// enclosing query (SQLAlchemy's exists().where(...)).
func ExistsWhere(conds ...Condition) Expr[bool] {
	c := &selectCore{items: []node{rawNode("*")}, where: nodesOf(conds)}
	return wrap[bool](&existsNode{core: c})
}
