package quarry

import (
	"fmt"
	"slices"
)

// Common table expressions: WITH name AS (SELECT ...) before a SELECT,
// INSERT, UPDATE or DELETE. A CTE is a [*Subquery] rendered by its name
// instead of inline, so everything that works on a subquery works on it:
// [Ref] gives its columns typed as the expressions it selects, [Aliased]
// with [Over] maps an entity onto it, and it joins like any FROM item.

// CTE makes stmt (a [Query] or a [Compound]) a common table expression
// named name. The statement that reads it must list it in its With
// ([Query.With], [UpdateStatement.With] ...); FROM then names it:
//
//	recent := quarry.CTE("recent", quarry.Select(Orders).Where(Orders.At.Gt(since)))
//	q := quarry.Select(quarry.Ref(recent, Orders.Total)).With(recent)
//	// WITH "recent" AS (SELECT ... ) SELECT "recent"."total" FROM "recent"
func CTE(name string, stmt Statement) *Subquery {
	sq := newSubquery(stmtNodeOf(stmt), name)
	sq.src.sub.cte = true
	if name == "" {
		sq.src.err = fmt.Errorf("%w: empty CTE name", ErrInvalidIdentifier)
	}
	return sq
}

// RecursiveCTE makes a recursive common table expression: base UNION
// ALL step, where step reads the CTE itself, given to it as self. The
// two SELECTs read the same row type T, or the program does not
// compile; the columns of the CTE are named after base's (label its
// expressions). A statement that lists a recursive CTE in its With
// renders WITH RECURSIVE. A tree walk:
//
//	tree := quarry.RecursiveCTE("tree",
//		quarry.Select2(Emps.ID, Emps.Name).Where(Emps.ManagerID.IsNull()),
//		func(self *quarry.Subquery) *quarry.Query[quarry.Row2[int64, string]] {
//			return quarry.Select2(Emps.ID, Emps.Name).
//				Join(self, quarry.Deref(Emps.ManagerID).EqExpr(quarry.Ref(self, Emps.ID)))
//		})
//
// On PostgreSQL a bound value selected by base (a depth counter starting
// at 0) has no type the database can infer for the recursion: give it
// one with [Cast]. A nil step is an error when the statement is
// rendered.
func RecursiveCTE[T any](name string, base *Query[T], step func(self *Subquery) *Query[T]) *Subquery {
	sq := CTE(name, base)
	sq.src.sub.recursive = true
	if step == nil {
		sq.src.sub.core = failedStmt(invalidArg("nil step given to RecursiveCTE"))
		return sq
	}
	// The step refers to the CTE's own source, which must exist before
	// the step is built; the CTE is complete (and immutable) once
	// RecursiveCTE returns.
	next := step(sq)
	sq.src.sub.core = newCompound("UNION ALL", base, []*Query[T]{next}).node
	return sq
}

// withClause is the WITH list of a statement.
type withClause []*source

// add appends the CTEs, or records an error for a subquery that is not a
// CTE.
func (w withClause) add(ctes []*Subquery, fail func(error)) withClause {
	out := slices.Clip(w)
	for _, c := range ctes {
		src := c.fromSource()
		switch {
		case src == nil:
			fail(invalidArg("nil *Subquery given to With"))
		case !src.sub.cte:
			fail(invalidArg("With takes CTEs made by CTE or RecursiveCTE, not a Subquery"))
		default:
			out = append(out, src)
		}
	}
	return out
}

// render writes WITH [RECURSIVE] name AS (...), ... and a space; nothing
// without CTEs.
func (w withClause) render(b *builder) {
	if len(w) == 0 {
		return
	}
	b.Write("WITH ")
	for _, s := range w {
		if s.sub.recursive {
			b.Write("RECURSIVE ")
			break
		}
	}
	for i, s := range w {
		if i > 0 {
			b.Write(", ")
		}
		if s.err != nil {
			b.Fail(s.err)
		}
		b.Ident(b.sourceName(s))
		b.Write(" AS (")
		s.sub.core.renderStmt(b, true, false)
		b.WriteChar(')')
	}
	b.WriteChar(' ')
}

// With adds common table expressions, made by [CTE] or [RecursiveCTE],
// to the statement: WITH name AS (...) SELECT ... The statement's FROM
// items and joins may then name them.
func (q *Query[T]) With(ctes ...*Subquery) *Query[T] {
	return q.with(func(c *selectCore) { c.ctes = c.ctes.add(ctes, c.fail) })
}

// With adds common table expressions to the UPDATE (WITH ... UPDATE),
// for its WHERE and its SET values to read, in subqueries or through
// [UpdateStatement.From].
func (u *UpdateStatement[E]) With(ctes ...*Subquery) *UpdateStatement[E] {
	return u.with(func(c *updateNode) { c.ctes = c.ctes.add(ctes, c.fail) })
}

// With adds common table expressions to the DELETE (WITH ... DELETE),
// for its WHERE to read in subqueries.
func (d *DeleteStatement[E]) With(ctes ...*Subquery) *DeleteStatement[E] {
	return d.with(func(c *deleteNode) {
		c.ctes = c.ctes.add(ctes, func(err error) {
			if c.err == nil {
				c.err = err
			}
		})
	})
}

// With adds common table expressions to the INSERT (WITH ... INSERT),
// for an INSERT ... SELECT to read.
func (s *InsertStatement[E]) With(ctes ...*Subquery) *InsertStatement[E] {
	return s.with(func(c *insertNode) { c.ctes = c.ctes.add(ctes, c.fail) })
}
