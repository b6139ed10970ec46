package quarry

import (
	"context"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
)

// UpdateStatement is an immutable UPDATE of the rows of E's table that
// match its WHERE clause, built with [Update]. Every method returns a new
// statement. It refuses to run without a WHERE clause unless
// [UpdateStatement.AllRows] says so.
type UpdateStatement[E any] struct {
	c *updateNode
}

// updateNode is the untyped part of an UPDATE.
type updateNode struct {
	// ctes is the WITH clause (cte.go).
	ctes withClause
	t    *table
	sets []Assignment
	// from lists the other FROM items (dml_from.go).
	from  []*source
	where []node
	all   bool
	ret   []node
	err   error
}

// Update starts an UPDATE of src's table (the table itself, not an alias):
//
//	quarry.Update(Users).Set(quarry.Set(Users.Status, "archived")).Where(Users.ID.Lt(100))
func Update[E any](src Source[E]) *UpdateStatement[E] {
	c := &updateNode{}
	if src == nil {
		c.err = errZeroSource
	} else {
		c.t, c.err = targetOf(src.source())
	}
	return &UpdateStatement[E]{c: c}
}

func (u *UpdateStatement[E]) with(f func(c *updateNode)) *UpdateStatement[E] {
	c := *u.c
	c.sets, c.where, c.ret, c.from = slices.Clip(c.sets), slices.Clip(c.where), slices.Clip(c.ret), slices.Clip(c.from)
	f(&c)
	return &UpdateStatement[E]{c: &c}
}

func (c *updateNode) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Set adds assignments, made by [Set] and [SetExpr], to the SET clause.
func (u *UpdateStatement[E]) Set(sets ...Assignment) *UpdateStatement[E] {
	return u.with(func(c *updateNode) {
		for _, a := range sets {
			if c.t != nil {
				if err := checkColumn(c.t, a.col, "UPDATE SET"); err != nil {
					c.fail(err)
				}
			}
			c.sets = append(c.sets, a)
		}
	})
}

// Where adds conditions, joined with AND, that choose the rows updated.
// Subqueries in them correlate with the table updated.
func (u *UpdateStatement[E]) Where(conds ...Condition) *UpdateStatement[E] {
	return u.with(func(c *updateNode) {
		for _, cond := range conds {
			c.where = append(c.where, nodeOf(cond))
		}
	})
}

// AllRows lets the statement run without a WHERE clause, updating every
// row of the table; without it such a statement returns [ErrNoWhere].
func (u *UpdateStatement[E]) AllRows() *UpdateStatement[E] {
	return u.with(func(c *updateNode) { c.all = true })
}

// Exec runs the statement and returns the number of rows updated. Run
// through a Session, it autoflushes first, runs in the Session's
// transaction and expires the Session's objects of the table, so that the
// next load (a query or Get) refreshes them from their rows.
func (u *UpdateStatement[E]) Exec(ctx context.Context, ex Executor) (int64, error) {
	return execDML(ctx, ex, u.dml())
}

// String renders the statement for the default dialect, with ?
// placeholders. Errors render as a comment; use [Render] to see them.
func (u *UpdateStatement[E]) String() string { return stringOf(u.c) }

func (u *UpdateStatement[E]) statementNode() statementNode { return u.dml() }
func (u *UpdateStatement[E]) dml() dmlNode {
	if u == nil {
		return nilStatement("UPDATE")
	}
	return u.c
}

func (c *updateNode) target() *table      { return c.t }
func (c *updateNode) selectItems() []node { return c.ret }

func (c *updateNode) withReturning(items []node) dmlNode {
	n := *c
	n.ret = items
	return &n
}

// batches runs when the statement is executed: the table's OnUpdate
// defaults that the statement does not set are added then, with the
// values computed for this execution (so String and Render, which run
// nothing, do not show them).
func (c *updateNode) batches(Dialect) ([]dmlNode, error) {
	if c.t == nil || len(c.t.updateDefaults) == 0 {
		return []dmlNode{c}, nil
	}
	x := *c
	x.sets = slices.Clip(c.sets)
	var tmp field.Ptr
	for _, d := range c.t.updateDefaults {
		if slices.ContainsFunc(c.sets, func(a Assignment) bool { return a.col != nil && a.col.info == d.col }) {
			continue
		}
		col := &colRef{src: c.t.base, info: d.col}
		if d.expr != nil {
			x.sets = append(x.sets, Assignment{col: col, val: d.expr})
			continue
		}
		if tmp == nil {
			tmp = c.t.Alloc.New()
		}
		d.set(d.col.Ptr(tmp))
		x.sets = append(x.sets, Assignment{col: col, val: &valueNode{v: d.col.Value(d.col.Ptr(tmp))}})
	}
	return []dmlNode{&x}, nil
}

func (c *updateNode) check() error {
	switch {
	case c.err != nil:
		return c.err
	case len(c.sets) == 0:
		return errorf("UPDATE of %s sets no column: add Set", c.t.Name)
	case len(c.where) == 0 && !c.all:
		return noWhere("UPDATE", c.t)
	}
	return nil
}

func (c *updateNode) renderStmt(b *builder, _, _ bool) {
	if err := c.check(); err != nil {
		b.Fail(err)
		return
	}
	c.ctes.render(b)
	b.Write("UPDATE ")
	b.Ident(c.t.Name)
	b.Write(" SET ")
	// The values may refer to the row's own columns (count = count + 1).
	b.enclosing = append(b.enclosing, scopeOf(c.t, c.from))
	renderAssignments(b, c.sets)
	if len(c.from) > 0 {
		b.Write(" FROM ")
		renderSources(b, c.from)
	}
	where := b.targetCriteria(c.t, c.where)
	if len(where) > 0 {
		b.Write(" WHERE ")
		renderConjunction(b, where)
	}
	b.enclosing = b.enclosing[:len(b.enclosing)-1]
	renderReturning(b, c.ret)
}
