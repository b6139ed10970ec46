package quarry

import (
	"context"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// InsertStatement is an immutable INSERT into E's table, built with
// [Insert]: of objects ([InsertStatement.Values]), of one row of
// column/value pairs ([InsertStatement.Set]) or of the rows of a SELECT
// ([InsertSelect]), with an optional upsert clause
// ([InsertStatement.OnConflict]). Every method returns a new statement.
type InsertStatement[E any] struct {
	c *insertNode
}

// insertNode is the untyped part of an INSERT.
type insertNode struct {
	// ctes is the WITH clause (cte.go).
	ctes withClause
	t    *table
	// objs are the objects of Values; shape is the columns they write,
	// set on the batches that batches makes (nil: computed from objs[0]).
	objs  []field.Ptr
	shape *insertShape
	sets  []Assignment
	// selCols and sel are the target columns and the statement of an
	// INSERT ... SELECT.
	selCols  []*schema.Column
	sel      statementNode
	conflict *conflictNode
	defaults bool
	ret      []node
	err      error
}

// Insert starts an INSERT into src's table (the table itself, not an
// alias).
func Insert[E any](src Source[E]) *InsertStatement[E] {
	c := &insertNode{}
	if src == nil {
		c.err = errZeroSource
	} else {
		c.t, c.err = targetOf(src.source())
	}
	return &InsertStatement[E]{c: c}
}

func (s *InsertStatement[E]) with(f func(c *insertNode)) *InsertStatement[E] {
	c := *s.c
	c.objs, c.sets, c.selCols, c.ret = slices.Clip(c.objs), slices.Clip(c.sets), slices.Clip(c.selCols), slices.Clip(c.ret)
	f(&c)
	return &InsertStatement[E]{c: &c}
}

func (c *insertNode) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Values inserts the objects, one row each, as a flush would write them:
// every column from its field, except a zero generated key and a field
// left to its `default=` (see the README), which the database fills. The
// fields are read when the statement runs. Rows go in multi-row INSERTs
// under the dialect's parameter limit, consecutive objects that write the
// same columns sharing one. The objects do not join a Session: use
// [Session.Add] for that, or [InsertStatement.ReturningDefaults] to read
// generated values back into them.
func (s *InsertStatement[E]) Values(objs ...*E) *InsertStatement[E] {
	return s.with(func(c *insertNode) {
		for _, o := range objs {
			if o == nil {
				c.fail(errorf("INSERT into %s: nil object", c.tableName()))
				continue
			}
			c.objs = append(c.objs, field.Of(o))
		}
	})
}

// Set adds column/value pairs, made by [Set] and [SetExpr], to an INSERT
// of one row: INSERT INTO t (a, b) VALUES (?, ?).
func (s *InsertStatement[E]) Set(sets ...Assignment) *InsertStatement[E] {
	return s.with(func(c *insertNode) {
		for _, a := range sets {
			if c.t != nil {
				if err := checkColumn(c.t, a.col, "INSERT"); err != nil {
					c.fail(err)
				}
			}
			c.sets = append(c.sets, a)
		}
	})
}

// ReturningDefaults reads the values the database generates (an integer
// key, `default=` columns left to the database) back into the objects of
// Values when the statement runs, as a flush does, through INSERT ...
// RETURNING. It is an error with an upsert, whose rows need not be new:
// read those with [Returning].
func (s *InsertStatement[E]) ReturningDefaults() *InsertStatement[E] {
	return s.with(func(c *insertNode) { c.defaults = true })
}

// InsertSelect makes ins an INSERT ... SELECT of the rows of q into the
// column a: the column's type and the statement's row type must agree.
func InsertSelect[E, A any](ins *InsertStatement[E], a Column[A], q *Query[A]) *InsertStatement[E] {
	return ins.fromSelect(queryNode(q), columnRef(a.Expr))
}

// InsertSelect2 is [InsertSelect] into two columns, from a statement of
// [Row2] rows of their types (a [Select2] of two columns).
func InsertSelect2[E, A, B any](ins *InsertStatement[E], a Column[A], b Column[B], q *Query[Row2[A, B]]) *InsertStatement[E] {
	return ins.fromSelect(queryNode(q), columnRef(a.Expr), columnRef(b.Expr))
}

// InsertSelect3 is [InsertSelect] into three columns.
func InsertSelect3[E, A, B, C any](ins *InsertStatement[E], a Column[A], b Column[B], c Column[C], q *Query[Row3[A, B, C]]) *InsertStatement[E] {
	return ins.fromSelect(queryNode(q), columnRef(a.Expr), columnRef(b.Expr), columnRef(c.Expr))
}

// queryNode is the statement of q, nil for a nil q.
func queryNode[T any](q *Query[T]) statementNode {
	if q == nil {
		return nil
	}
	return q.core
}

func (s *InsertStatement[E]) fromSelect(sel statementNode, cols ...*colRef) *InsertStatement[E] {
	return s.with(func(c *insertNode) {
		if sel == nil {
			c.fail(errorf("INSERT into %s: nil SELECT", c.tableName()))
			return
		}
		c.sel = sel
		c.selCols = nil
		for _, col := range cols {
			if c.t != nil {
				if err := checkColumn(c.t, col, "INSERT ... SELECT"); err != nil {
					c.fail(err)
					continue
				}
			}
			c.selCols = append(c.selCols, col.info)
		}
	})
}

// Exec runs the statement and returns the number of rows inserted (with
// an upsert: inserted or updated, as the database counts them). Run
// through a Session, it autoflushes first and runs in the Session's
// transaction.
//
// The objects of [InsertStatement.Values] run their BeforeInsert hooks
// ([BeforeInserter]) before the statement is sent (an error stops it
// before anything is sent) and their AfterInsert hooks after it
// succeeded, in the order given.
func (s *InsertStatement[E]) Exec(ctx context.Context, ex Executor) (int64, error) {
	if s == nil {
		return execDML(ctx, ex, s.dml())
	}
	c := s.c
	hooked := len(c.objs) > 0 && c.t != nil && (c.t.hooks.beforeInsert != nil || c.t.hooks.afterInsert != nil)
	if hooked {
		if err := c.check(); err != nil {
			return 0, err
		}
		if err := objHooks(ctx, c.t, "BeforeInsert", c.t.hooks.beforeInsert, c.objs); err != nil {
			return 0, err
		}
	}
	var n int64
	var err error
	if c.defaults {
		n, err = execInsertDefaults(ctx, ex, c)
	} else {
		n, err = execDML(ctx, ex, c)
	}
	if err == nil && hooked {
		err = objHooks(ctx, c.t, "AfterInsert", c.t.hooks.afterInsert, c.objs)
	}
	return n, err
}

// String renders the statement for the default dialect, with ?
// placeholders. Errors render as a comment; use [Render] to see them.
func (s *InsertStatement[E]) String() string { return stringOf(s.c) }

func (s *InsertStatement[E]) statementNode() statementNode { return s.dml() }
func (s *InsertStatement[E]) dml() dmlNode {
	if s == nil {
		return nilStatement("INSERT")
	}
	return s.c
}

func (c *insertNode) tableName() string {
	if c.t == nil {
		return "?"
	}
	return c.t.Name
}

func (c *insertNode) target() *table      { return c.t }
func (c *insertNode) selectItems() []node { return c.ret }

func (c *insertNode) withReturning(items []node) dmlNode {
	n := *c
	n.ret = items
	return &n
}

func (c *insertNode) check() error {
	forms := 0
	for _, f := range []bool{len(c.objs) > 0, len(c.sets) > 0, c.sel != nil} {
		if f {
			forms++
		}
	}
	switch {
	case c.err != nil:
		return c.err
	case forms == 0:
		return errorf("INSERT into %s has no rows: add Values, Set or InsertSelect", c.t.Name)
	case forms > 1:
		return errorf("INSERT into %s takes one of Values, Set and InsertSelect", c.t.Name)
	case c.defaults && len(c.objs) == 0:
		return errorf("INSERT into %s: ReturningDefaults fills the objects of Values, and there are none", c.t.Name)
	case c.defaults && len(c.ret) > 0:
		return errorf("INSERT into %s: ReturningDefaults writes the values into the objects, Returning reads them as rows: use one", c.t.Name)
	case c.defaults && c.conflict != nil:
		return errorf("INSERT into %s: ReturningDefaults cannot tell the rows of an upsert apart: use Returning", c.t.Name)
	case c.sel != nil && len(c.selCols) != len(c.sel.selectItems()):
		return errorf("INSERT into %s names %d columns for a SELECT of %d", c.t.Name, len(c.selCols), len(c.sel.selectItems()))
	}
	if c.conflict != nil {
		return c.conflict.check(c.t)
	}
	return nil
}

// shapeOf returns the columns the objects write, and those they leave to
// the database (generated or defaulted), from the first object.
func (c *insertNode) shapeOf(m *tableMeta) *insertShape {
	if c.shape != nil {
		return c.shape
	}
	var sh insertShape
	sh.cols, sh.ret, sh.generated = m.shapeOf(c.objs[0], nil, nil)
	return &sh
}

// batches splits an INSERT of objects into runs of one shape, each under
// the dialect's parameter limit, in the order of the objects.
//
// It runs when the statement is executed, after the mappings are
// configured: the objects' OnInsert defaults are set first, so that the
// shapes see them and the objects hold what was written.
func (c *insertNode) batches(d Dialect) ([]dmlNode, error) {
	if len(c.objs) == 0 {
		return []dmlNode{c}, nil
	}
	m := metaOf(c.t)
	for _, obj := range c.objs {
		for _, def := range c.t.insertDefaults {
			if m.IsZero(def.col, obj) {
				def.set(def.col.Ptr(obj))
			}
		}
	}
	var out []dmlNode
	objs := c.objs
	for len(objs) > 0 {
		var sh insertShape
		sh.cols, sh.ret, sh.generated = m.shapeOf(objs[0], nil, nil)
		limit := sqlgen.BatchRows(d.Capabilities(), len(sh.cols))
		if len(sh.cols) == 0 {
			limit = 1 // DEFAULT VALUES writes one row
		}
		n := 1
		for n < len(objs) && n < limit && m.sameShape(objs[n], &sh) {
			n++
		}
		b := *c
		b.objs, b.shape = objs[:n:n], &sh
		out = append(out, &b)
		objs = objs[n:]
	}
	return out, nil
}

func (c *insertNode) renderStmt(b *builder, _, _ bool) {
	if err := c.check(); err != nil {
		b.Fail(err)
		return
	}
	c.ctes.render(b)
	b.Write("INSERT INTO ")
	b.Ident(c.t.Name)
	switch {
	case len(c.objs) > 0:
		c.renderObjects(b)
	case len(c.sets) > 0:
		b.Write(" (")
		for i, a := range c.sets {
			if i > 0 {
				b.Write(", ")
			}
			b.Ident(a.col.info.Name)
		}
		b.Write(") VALUES (")
		for i, a := range c.sets {
			if i > 0 {
				b.Write(", ")
			}
			a.val.render(b)
		}
		b.WriteChar(')')
	default:
		c.renderSelect(b)
	}
	if c.conflict != nil {
		c.conflict.render(b, c.t)
	}
	renderReturning(b, c.ret)
	if c.defaults {
		c.renderDefaults(b)
	}
}

func (c *insertNode) renderObjects(b *builder) {
	m := metaOf(c.t)
	sh := c.shapeOf(m)
	for _, obj := range c.objs[1:] {
		if !m.sameShape(obj, sh) {
			// Executed, such objects go in separate statements; one
			// rendered statement cannot hold them.
			b.Failf("INSERT into %s: the objects write different columns (a generated key or default given for some, left zero in others), so they take several statements", c.t.Name)
			return
		}
	}
	if len(sh.cols) == 0 {
		if len(c.objs) > 1 {
			b.Failf("INSERT into %s: several objects that write no column take a statement each", c.t.Name)
			return
		}
		b.Write(" DEFAULT VALUES")
		return
	}
	b.Write(" (")
	identList(b, sh.cols)
	b.Write(") VALUES ")
	for r, obj := range c.objs {
		if r > 0 {
			b.Write(", ")
		}
		b.WriteChar('(')
		for i, col := range sh.cols {
			if i > 0 {
				b.Write(", ")
			}
			if err := checkField(b.D, b.Caps, col, obj); err != nil {
				b.Fail(err)
				return
			}
			b.Bind(col.Value(col.Ptr(obj)))
		}
		b.WriteChar(')')
	}
}

func (c *insertNode) renderSelect(b *builder) {
	b.Write(" (")
	identList(b, c.selCols)
	b.Write(") ")
	sel := c.sel
	if core, ok := sel.(*selectCore); ok && c.conflict != nil && b.Caps.UpsertSelectWhere && core.from == nil && len(core.where) == 0 {
		// SQLite would read ON CONFLICT as the ON of a join.
		core = core.clone()
		core.where = []node{rawNode("true")}
		sel = core
	}
	if core, ok := sel.(*selectCore); ok {
		b.params = core.params
	}
	sel.renderStmt(b, false, false)
}

// renderDefaults appends the RETURNING list of ReturningDefaults: the
// columns left to the database, after the key when the key is given (to
// correlate rows by it, see fillReturned).
func (c *insertNode) renderDefaults(b *builder) {
	sh := c.shapeOf(metaOf(c.t))
	if len(sh.ret) == 0 {
		return
	}
	ret := sh.ret
	if !sh.generated {
		ret = append(slices.Clone(c.t.PK), ret...)
	}
	b.Write(" RETURNING ")
	identList(b, ret)
}

// execInsertDefaults runs an INSERT of objects with ReturningDefaults,
// batch by batch, filling each batch's objects from its RETURNING rows.
func execInsertDefaults(ctx context.Context, ex Executor, c *insertNode) (int64, error) {
	conn, err := acquireDML(ctx, ex, c)
	if err != nil {
		return 0, err
	}
	parts, err := c.batches(conn.db.dialect)
	if err != nil {
		return 0, err
	}
	s, _ := conn.ids.(*Session)
	sync, err := s.beforeWrite(ctx, c)
	if err != nil {
		return 0, err
	}
	m := metaOf(c.t)
	var total int64
	defer sync.after()
	for _, p := range parts {
		ins := p.(*insertNode)
		r, err := conn.render(ctx, ins)
		if err != nil {
			return total, err
		}
		if len(ins.shape.ret) == 0 {
			n, err := conn.db.exec(ctx, conn.q, OpInsert, r.sql, r.args)
			if err != nil {
				return total, err
			}
			total += n
			continue
		}
		rows, err := conn.db.query(ctx, conn.q, OpInsert, r.sql, r.args)
		if err != nil {
			return total, err
		}
		if err := fillReturned(conn.db, r.sql, rows, m, ins.shape, ins.objs); err != nil {
			return total, err
		}
		total += int64(len(ins.objs))
	}
	return total, nil
}
