package quarry

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/schema"
)

// ConflictClause is the ON CONFLICT clause of an upsert under
// construction, from [InsertStatement.OnConflict] or
// [InsertStatement.OnConflictConstraint]; DoNothing or DoUpdate completes
// it and returns the INSERT. SQLite and PostgreSQL share the syntax; the
// dialect says what differs (a constraint name as the target exists only
// on PostgreSQL).
type ConflictClause[E any] struct {
	ins *InsertStatement[E]
	c   conflictNode
}

// conflictNode is the untyped ON CONFLICT clause.
type conflictNode struct {
	cols       []*schema.Column
	constraint string
	nothing    bool
	sets       []Assignment
	// where is the condition of DO UPDATE: the conflicting rows updated.
	where []node
	err   error
}

// OnConflict starts an upsert whose conflict target is the unique index
// or primary key of the columns given (ON CONFLICT (email)); with no
// column, any conflict is the target, which only DoNothing accepts.
func (s *InsertStatement[E]) OnConflict(cols ...ColumnTarget) *ConflictClause[E] {
	cc := &ConflictClause[E]{ins: s}
	for _, col := range cols {
		var ref *colRef
		if col != nil {
			ref = col.targetColumn()
		}
		if s.c.t != nil {
			if err := checkColumn(s.c.t, ref, "ON CONFLICT"); err != nil {
				cc.fail(err)
				continue
			}
		}
		if ref != nil {
			cc.c.cols = append(cc.c.cols, ref.info)
		}
	}
	return cc
}

// OnConflictConstraint starts an upsert whose conflict target is the named
// constraint (ON CONFLICT ON CONSTRAINT name). Only PostgreSQL has this
// form: on SQLite the statement returns an error wrapping
// [ErrUnsupported]; name the columns with OnConflict instead.
func (s *InsertStatement[E]) OnConflictConstraint(name string) *ConflictClause[E] {
	cc := &ConflictClause[E]{ins: s}
	cc.c.constraint = name
	if name == "" {
		cc.fail(errorf("ON CONFLICT ON CONSTRAINT: empty constraint name"))
	}
	return cc
}

func (cc *ConflictClause[E]) fail(err error) {
	if cc.c.err == nil {
		cc.c.err = err
	}
}

// Where adds conditions, joined with AND, to DO UPDATE: a conflicting row
// is updated only where they hold (ON CONFLICT (...) DO UPDATE SET ...
// WHERE ...). Columns of the table name the existing row, [Excluded] the
// row proposed for insertion. It returns a new clause.
func (cc *ConflictClause[E]) Where(conds ...Condition) *ConflictClause[E] {
	n := &ConflictClause[E]{ins: cc.ins, c: cc.c}
	n.c.where = slices.Clip(n.c.where)
	for _, cond := range conds {
		n.c.where = append(n.c.where, nodeOf(cond))
	}
	return n
}

// DoNothing completes the upsert: a row that conflicts is skipped (ON
// CONFLICT ... DO NOTHING).
func (cc *ConflictClause[E]) DoNothing() *InsertStatement[E] {
	c := cc.c
	c.nothing = true
	return cc.ins.with(func(n *insertNode) { n.conflict = &c })
}

// DoUpdate completes the upsert: a row that conflicts updates the
// existing row with the assignments instead (ON CONFLICT ... DO UPDATE
// SET ...). [Excluded] refers to the values proposed for insertion:
// DoUpdate(quarry.SetExpr(Users.Name, quarry.Excluded(Users.Name))).
func (cc *ConflictClause[E]) DoUpdate(sets ...Assignment) *InsertStatement[E] {
	c := cc.c
	c.sets = slices.Clip(c.sets)
	for _, a := range sets {
		if t := cc.ins.c.t; t != nil {
			if err := checkColumn(t, a.col, "ON CONFLICT DO UPDATE"); err != nil && c.err == nil {
				c.err = err
			}
		}
		c.sets = append(c.sets, a)
	}
	return cc.ins.with(func(n *insertNode) { n.conflict = &c })
}

// Excluded refers to the value of column c in the row an upsert proposed
// for insertion (excluded.c), in the assignments and condition of
// DoUpdate.
func Excluded[T any](c Column[T]) Expr[T] {
	ref := columnRef(c.Expr)
	if ref == nil {
		return wrap[T](errNode{err: invalidArg("Excluded of a zero Column (was the table struct created with quarry.Table?)")})
	}
	return wrap[T](&excludedNode{info: ref.info})
}

// excludedNode is a column of the row proposed for insertion.
type excludedNode struct{ info *schema.Column }

func (n *excludedNode) render(b *builder) {
	b.Write("excluded.")
	b.Ident(n.info.Name)
}

func (*excludedNode) sources(func(*source)) {}

func (c *conflictNode) check(t *table) error {
	switch {
	case c.err != nil:
		return c.err
	case !c.nothing && len(c.sets) == 0:
		return errorf("INSERT into %s: ON CONFLICT DO UPDATE sets no column", t.Name)
	case !c.nothing && len(c.cols) == 0 && c.constraint == "":
		return errorf("INSERT into %s: ON CONFLICT DO UPDATE needs a conflict target: name its columns in OnConflict", t.Name)
	case c.nothing && len(c.where) > 0:
		return errorf("INSERT into %s: Where applies to DO UPDATE, not DO NOTHING", t.Name)
	}
	return nil
}

func (c *conflictNode) render(b *builder, t *table) {
	b.Write(" ON CONFLICT")
	switch {
	case c.constraint != "":
		if !b.Caps.ConflictConstraint {
			b.Fail(&unsupportedError{what: "ON CONFLICT ON CONSTRAINT (a conflict target named by constraint)", dialect: b.D.Name()})
			return
		}
		b.Write(" ON CONSTRAINT ")
		b.Ident(c.constraint)
	case len(c.cols) > 0:
		b.Write(" (")
		identList(b, c.cols)
		b.WriteChar(')')
	}
	if c.nothing {
		b.Write(" DO NOTHING")
		return
	}
	b.Write(" DO UPDATE SET ")
	b.enclosing = append(b.enclosing, map[*source]bool{t.base: true})
	renderAssignments(b, c.sets)
	b.enclosing = b.enclosing[:len(b.enclosing)-1]
	renderWhere(b, t, c.where)
}
