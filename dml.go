package quarry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// What INSERT, UPDATE and DELETE statements share: typed assignments,
// the target table, WHERE and RETURNING rendering, and the execution of a
// statement for its row count.

// ErrNoWhere is returned, before any SQL is sent, by an UPDATE or DELETE
// that has no WHERE clause and does not say AllRows: a forgotten Where
// must not rewrite or empty a whole table.
var ErrNoWhere = errors.New("quarry: refusing an UPDATE or DELETE without WHERE")

// DML is an INSERT, UPDATE or DELETE statement built with [Insert],
// [Update] or [Delete]. [Returning] and friends read rows back from one;
// [Session.Exec] runs one in the Session's transaction.
type DML interface {
	Statement
	dml() dmlNode
}

// dmlNode is the render side of an INSERT, UPDATE or DELETE.
type dmlNode interface {
	statementNode
	// target is the table written.
	target() *table
	// withReturning returns the statement with a RETURNING list.
	withReturning(items []node) dmlNode
	// batches splits the statement into those sent to the database (a
	// multi-row INSERT over the parameter limit takes several).
	batches(d Dialect) ([]dmlNode, error)
	// check returns the error recorded while building the statement, or
	// that it has no WHERE, before anything is sent.
	check() error
}

// Assignment is one column = value pair of an INSERT, UPDATE or upsert,
// made by [Set] or [SetExpr], so that the value's type is the column's.
type Assignment struct {
	col *colRef
	val node
}

// Set assigns the value v to column c. The value is a bound parameter; its
// type must be the column's, or the program does not compile.
func Set[T any](c Column[T], v T) Assignment {
	return Assignment{col: columnRef(c.Expr), val: valueOf(v)}
}

// SetExpr assigns an expression of the column's type to column c:
// SetExpr(Users.Visits, quarry.Add(Users.Visits, 1)), or
// SetExpr(Users.Name, quarry.Excluded(Users.Name)) in an upsert.
func SetExpr[T any](c Column[T], e Expression[T]) Assignment {
	return Assignment{col: columnRef(c.Expr), val: nodeOf(e)}
}

// ColumnTarget is a column of a mapped table, of any type, as named by a
// conflict target ([InsertStatement.OnConflict]). Every [Column] is one.
type ColumnTarget interface {
	targetColumn() *colRef
}

func (c Column[T]) targetColumn() *colRef { return columnRef(c.Expr) }

// columnRef returns the column an expression stands for, or nil for a zero
// Column.
func columnRef[T any](e Expr[T]) *colRef {
	r, _ := e.n.(*colRef)
	return r
}

// targetOf returns the table that src names for writing, with an error for
// a zero table struct or an alias: INSERT, UPDATE and DELETE write the
// table itself.
func targetOf(src *source) (*table, error) {
	switch {
	case src == nil || src.table == nil:
		return nil, errZeroSource
	case src.isAlias() || src.sub != nil:
		return nil, fmt.Errorf("quarry: %s writes the table itself, not an alias of it", src.table.Name)
	}
	return src.table, nil
}

// checkColumn reports an error unless c is a column of t itself.
func checkColumn(t *table, c *colRef, what string) error {
	switch {
	case c == nil:
		return fmt.Errorf("quarry: %s of %s: a zero Column (was the table struct created with quarry.Table?)", what, t.Name)
	case !t.is(c.info.Table) || c.src.isAlias():
		return fmt.Errorf("quarry: %s of %s names %s, which is not a column of %s", what, t.Name, c.info, t.Name)
	}
	return nil
}

// renderAssignments writes "col = value, ..." with the target column
// unqualified, as SET requires.
func renderAssignments(b *builder, sets []Assignment) {
	for i, a := range sets {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(a.col.info.Name)
		b.Write(" = ")
		if v, ok := a.val.(*valueNode); ok {
			if err := checkColumnValue(b.D, b.Caps, a.col.info, v.v); err != nil {
				b.Fail(err)
				return
			}
		}
		a.val.render(b)
	}
}

// renderReturning writes the RETURNING list of a statement on t.
func renderReturning(b *builder, items []node) {
	if len(items) == 0 {
		return
	}
	b.Write(" RETURNING ")
	for i, n := range items {
		if i > 0 {
			b.Write(", ")
		}
		n.render(b)
	}
}

// renderWhere renders conds as a WHERE clause of a statement on t, with t
// in scope so that subqueries in them correlate with the row written.
func renderWhere(b *builder, t *table, conds []node) {
	if len(conds) == 0 {
		return
	}
	b.enclosing = append(b.enclosing, map[*source]bool{t.base: true})
	defer func() { b.enclosing = b.enclosing[:len(b.enclosing)-1] }()
	b.Write(" WHERE ")
	renderConjunction(b, conds)
}

// noWhere is the error of an UPDATE or DELETE without WHERE.
func noWhere(verb string, t *table) error {
	return fmt.Errorf("%w: %s of %s; add Where, or AllRows() to %s every row", ErrNoWhere, verb, t.Name, strings.ToLower(verb))
}

// execDML runs a statement for its row count on ex, in batches when it
// has several, and keeps a Session's identity map true afterwards.
func execDML(ctx context.Context, ex Executor, st dmlNode) (int64, error) {
	conn, err := acquireDML(ctx, ex, st)
	if err != nil {
		return 0, err
	}
	parts, err := st.batches(conn.db.dialect)
	if err != nil {
		return 0, err
	}
	s, _ := conn.ids.(*Session)
	sync, err := s.beforeWrite(ctx, st)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, p := range parts {
		r, err := conn.render(ctx, p)
		if err != nil {
			return total, err
		}
		n, err := conn.db.exec(ctx, conn.q, opOf(p), r.sql, r.args)
		if err != nil {
			return total, err
		}
		total += n
	}
	sync.after()
	return total, nil
}

// acquireDML checks the statement, then takes a connection from ex (in a
// Session: after autoflush, in its transaction). The statement sends no
// cursor, so the connection is released at once: a Session's pre-select
// (session_exec.go) and the statements themselves then run on the
// transaction the execConn names.
func acquireDML(ctx context.Context, ex Executor, st dmlNode) (*execConn, error) {
	if err := st.check(); err != nil {
		return nil, err
	}
	conn, err := acquire(ctx, ex, true)
	if err != nil {
		return nil, err
	}
	conn.done()
	return conn, nil
}

// nilStatement stands for a nil statement, so that running or rendering
// one returns an error instead of panicking.
func nilStatement(verb string) dmlNode {
	return &deleteNode{err: errorf("nil %s statement", verb)}
}

func errorf(format string, args ...any) error { return fmt.Errorf("quarry: "+format, args...) }
