package quarry

import (
	"context"
	"slices"
)

// DeleteStatement is an immutable DELETE of the rows of E's table that
// match its WHERE clause, built with [Delete]. Every method returns a new
// statement. It refuses to run without a WHERE clause unless
// [DeleteStatement.AllRows] says so.
type DeleteStatement[E any] struct {
	c *deleteNode
}

// deleteNode is the untyped part of a DELETE.
type deleteNode struct {
	// ctes is the WITH clause (cte.go).
	ctes  withClause
	t     *table
	where []node
	// using lists the other tables (dml_from.go).
	using []*source
	all   bool
	ret   []node
	err   error
}

// Delete starts a DELETE from src's table (the table itself, not an
// alias):
//
//	quarry.Delete(Users).Where(Users.Status.Eq("archived"))
func Delete[E any](src Source[E]) *DeleteStatement[E] {
	c := &deleteNode{}
	if src == nil {
		c.err = errZeroSource
	} else {
		c.t, c.err = targetOf(src.source())
	}
	return &DeleteStatement[E]{c: c}
}

func (d *DeleteStatement[E]) with(f func(c *deleteNode)) *DeleteStatement[E] {
	c := *d.c
	c.where, c.ret, c.using = slices.Clip(c.where), slices.Clip(c.ret), slices.Clip(c.using)
	f(&c)
	return &DeleteStatement[E]{c: &c}
}

// Where adds conditions, joined with AND, that choose the rows deleted.
// Subqueries in them correlate with the table deleted from.
func (d *DeleteStatement[E]) Where(conds ...Condition) *DeleteStatement[E] {
	return d.with(func(c *deleteNode) {
		for _, cond := range conds {
			c.where = append(c.where, nodeOf(cond))
		}
	})
}

// AllRows lets the statement run without a WHERE clause, deleting every
// row of the table; without it such a statement returns [ErrNoWhere].
func (d *DeleteStatement[E]) AllRows() *DeleteStatement[E] {
	return d.with(func(c *deleteNode) { c.all = true })
}

// Exec runs the statement and returns the number of rows deleted. Run
// through a Session, it autoflushes first and runs in the Session's
// transaction; when the Session holds objects of the table, it first
// selects the keys of the rows to delete (SQLAlchemy's "fetch"
// strategy), and afterwards those objects leave the identity map as if
// deleted by the Session ([Session.Rollback] brings them back).
func (d *DeleteStatement[E]) Exec(ctx context.Context, ex Executor) (int64, error) {
	return execDML(ctx, ex, d.dml())
}

// String renders the statement for the default dialect, with ?
// placeholders. Errors render as a comment; use [Render] to see them.
func (d *DeleteStatement[E]) String() string { return stringOf(d.c) }

func (d *DeleteStatement[E]) statementNode() statementNode { return d.dml() }
func (d *DeleteStatement[E]) dml() dmlNode {
	if d == nil {
		return nilStatement("DELETE")
	}
	return d.c
}

func (c *deleteNode) target() *table      { return c.t }
func (c *deleteNode) selectItems() []node { return c.ret }

func (c *deleteNode) withReturning(items []node) dmlNode {
	n := *c
	n.ret = items
	return &n
}

func (c *deleteNode) batches(Dialect) ([]dmlNode, error) { return []dmlNode{c}, nil }

func (c *deleteNode) check() error {
	switch {
	case c.err != nil:
		return c.err
	case len(c.where) == 0 && !c.all:
		return noWhere("DELETE", c.t)
	}
	return nil
}

func (c *deleteNode) renderStmt(b *builder, _, _ bool) {
	if err := c.check(); err != nil {
		b.Fail(err)
		return
	}
	c.ctes.render(b)
	b.Write("DELETE FROM ")
	b.Ident(c.t.Name)
	where := c.where
	switch {
	case len(c.using) > 0 && b.Caps.DeleteUsing:
		b.Write(" USING ")
		renderSources(b, c.using)
	case len(c.using) > 0:
		where = []node{&usingExistsNode{srcs: c.using, conds: c.where}}
	}
	b.enclosing = append(b.enclosing, scopeOf(c.t, c.using))
	defer func() { b.enclosing = b.enclosing[:len(b.enclosing)-1] }()
	where = b.targetCriteria(c.t, where)
	if len(where) > 0 {
		b.Write(" WHERE ")
		renderConjunction(b, where)
	}
	renderReturning(b, c.ret)
}
