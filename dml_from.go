package quarry

// UPDATE ... FROM and DELETE ... USING: writes whose rows are chosen by
// joining other tables, subqueries or CTEs.

// fromSources converts FROM items, recording an error for a nil or zero
// one.
func fromSources(items []FromItem, what string, fail func(error)) []*source {
	out := make([]*source, 0, len(items))
	for _, f := range items {
		var src *source
		if f != nil {
			src = f.fromSource()
		}
		if src == nil {
			fail(invalidArg("nil or zero FROM item given to " + what))
			continue
		}
		out = append(out, src)
	}
	return out
}

// From adds FROM items to the UPDATE (UPDATE t SET ... FROM others WHERE
// ...), which PostgreSQL and SQLite (3.33 and later) both take: the SET
// values and the WHERE conditions may refer to their columns, and the
// WHERE should join them to the table updated:
//
//	quarry.Update(Users).From(Plans).
//		Set(quarry.SetExpr(Users.Quota, Plans.Quota)).
//		Where(Users.PlanID.EqExpr(Plans.ID))
//
// The table updated must not be among them (that would be a second,
// unjoined copy of it); use an [Aliased] copy for a self-join.
func (u *UpdateStatement[E]) From(items ...FromItem) *UpdateStatement[E] {
	return u.with(func(c *updateNode) {
		c.from = append(c.from, fromSources(items, "UpdateStatement.From", c.fail)...)
	})
}

// Using adds other tables to the DELETE, which its WHERE conditions join
// to the table deleted from: DELETE FROM t USING others WHERE ... on
// PostgreSQL. On a database without USING (SQLite) the same statement
// renders as DELETE FROM t WHERE EXISTS (SELECT 1 FROM others WHERE
// ...), which deletes the same rows. RETURNING may name only the table
// deleted from.
func (d *DeleteStatement[E]) Using(items ...FromItem) *DeleteStatement[E] {
	return d.with(func(c *deleteNode) {
		c.using = append(c.using, fromSources(items, "DeleteStatement.Using", func(err error) {
			if c.err == nil {
				c.err = err
			}
		})...)
	})
}

// renderSources writes FROM items separated by commas.
func renderSources(b *builder, srcs []*source) {
	for i, s := range srcs {
		if i > 0 {
			b.Write(", ")
		}
		b.renderSource(s, srcs[:i])
	}
}

// scopeOf is the correlation scope of a write: its table and the other
// FROM items it names, so that subqueries in it do not list them again.
func scopeOf(t *table, srcs []*source) map[*source]bool {
	m := map[*source]bool{t.base: true}
	for _, s := range srcs {
		m[s.identity()] = true
	}
	return m
}

// usingExistsNode is the WHERE of a DELETE with Using on a database
// without USING: EXISTS (SELECT 1 FROM others WHERE conds).
type usingExistsNode struct {
	srcs  []*source
	conds []node
}

func (n *usingExistsNode) render(b *builder) {
	b.Write("EXISTS (SELECT 1 FROM ")
	renderSources(b, n.srcs)
	if len(n.conds) > 0 {
		b.Write(" WHERE ")
		renderConjunction(b, n.conds)
	}
	b.WriteChar(')')
}

func (*usingExistsNode) sources(func(*source)) {}
