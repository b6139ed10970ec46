package quarry

import (
	"fmt"

	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// Index is a CREATE INDEX that a table struct declares through an
// Indexes method; [DB.CreateAll] creates it (IF NOT EXISTS) after its
// table, and [DB.Diff] reports it when the database lacks it.
//
//	func (u *UserTable) Indexes() []quarry.Index {
//		return []quarry.Index{
//			quarry.NewIndex("ix_users_name", u.Name, u.Fullname),
//			quarry.NewIndex("ux_users_email", u.Email).Unique().Where(u.Deleted.Eq(false)),
//			quarry.NewIndex("ix_users_lower_name", quarry.Lower(u.Name)), // an expression index
//		}
//	}
//
// An Index is immutable: Unique and Where return a new one.
type Index struct {
	name   string
	parts  []node
	unique bool
	where  node
}

// NewIndex declares the index name over parts: columns of the table,
// expressions over them (an expression index), each optionally with Asc or
// Desc. Index names share one namespace per schema on PostgreSQL, so
// prefix them with the table's name.
func NewIndex(name string, parts ...Orderable) Index {
	ix := Index{name: name, parts: make([]node, len(parts))}
	for i, p := range parts {
		if p == nil {
			ix.parts[i] = errNode{err: invalidArg("NewIndex(%q): nil part %d", name, i)}
			continue
		}
		ix.parts[i] = p.orderNode()
	}
	return ix
}

// Name returns the index's name.
func (ix Index) Name() string { return ix.name }

// Unique returns the index as a UNIQUE index.
func (ix Index) Unique() Index {
	ix.unique = true
	return ix
}

// Where returns the index as a partial index over the rows where cond
// holds. The values in cond are written into the DDL as SQL literals
// (DDL statements cannot bind parameters): numbers, booleans, NULL and
// strings (quoted, quotes doubled); other values are an error.
func (ix Index) Where(cond Condition) Index {
	ix.where = nodeOf(cond)
	return ix
}

// Constraint is a table constraint that a table struct declares through a
// Constraints method, written into its CREATE TABLE: a composite UNIQUE
// ([UniqueOn]) or a CHECK ([Check]).
//
//	func (o *OrderTable) Constraints() []quarry.Constraint {
//		return []quarry.Constraint{
//			quarry.UniqueOn("uq_orders_number", o.Shop, o.Number),
//			quarry.Check("ck_orders_qty", o.Qty.Gt(0)),
//		}
//	}
type Constraint struct {
	name  string
	cols  []node // UNIQUE
	check node   // CHECK
}

// ColumnRef is a column of any Go type, as a composite UNIQUE lists them:
// every [Column] is one.
type ColumnRef interface {
	Name() string
	exprNode() node
}

// UniqueOn declares the constraint name: UNIQUE over the columns. An empty
// name leaves the naming to the database.
func UniqueOn(name string, cols ...ColumnRef) Constraint {
	c := Constraint{name: name, cols: make([]node, len(cols))}
	for i, col := range cols {
		if col == nil {
			c.cols[i] = errNode{err: invalidArg("UniqueOn(%q): nil column %d", name, i)}
			continue
		}
		c.cols[i] = col.exprNode()
	}
	return c
}

// Check declares the constraint name: CHECK (cond). Its values are SQL
// literals in the DDL, as in [Index.Where]. An empty name leaves the
// naming to the database.
func Check(name string, cond Condition) Constraint {
	return Constraint{name: name, check: nodeOf(cond)}
}

// Name returns the constraint's name.
func (c Constraint) Name() string { return c.name }

// indexDeclarer and constraintDeclarer are the optional methods of a
// table struct that declare its indexes and constraints.
type (
	indexDeclarer      interface{ Indexes() []Index }
	constraintDeclarer interface{ Constraints() []Constraint }
)

// schemaDecl holds the declaration methods of a table struct, bound to
// the table struct [Table] returned. They are called once, when the
// metadata is configured: by then the program's package variables hold
// their tables, so the methods may use them or their receiver.
type schemaDecl struct {
	indexes     func() []Index
	constraints func() []Constraint
	defaults    func() []ColumnDefault
	done        bool
	err         error
}

func declarationsOf(m any) schemaDecl {
	var d schemaDecl
	if x, ok := m.(indexDeclarer); ok {
		d.indexes = x.Indexes
	}
	if x, ok := m.(constraintDeclarer); ok {
		d.constraints = x.Constraints
	}
	if x, ok := m.(defaultDeclarer); ok {
		d.defaults = x.Defaults
	}
	return d
}

// declare calls the table struct's declaration methods and checks what
// they return; it runs once, during configuration.
func (t *table) declare() error {
	d := &t.decl
	if d.done {
		return d.err
	}
	d.done = true
	if d.indexes != nil {
		seen := map[string]bool{}
		for _, ix := range d.indexes() {
			if err := t.checkIndex(ix, seen); err != nil {
				d.err = err
				return err
			}
			t.indexes = append(t.indexes, ix)
			if ix.unique && ix.where == nil {
				t.addUniqueKey(ix.parts)
			}
		}
	}
	if d.constraints != nil {
		for _, c := range d.constraints() {
			if err := t.checkConstraint(c); err != nil {
				d.err = err
				return err
			}
			t.constraints = append(t.constraints, c)
			if c.check == nil {
				t.addUniqueKey(c.cols)
			}
		}
	}
	if d.defaults != nil {
		if err := t.declareDefaults(d.defaults()); err != nil {
			d.err = err
			return err
		}
	}
	return nil
}

// addUniqueKey adds the columns of a UNIQUE index or constraint to the
// table's UniqueKeys, unless a part is an expression.
func (t *table) addUniqueKey(parts []node) {
	cols := make([]*schema.Column, 0, len(parts))
	for _, n := range parts {
		if o, ok := n.(orderTerm); ok {
			n = o.n
		}
		c, ok := n.(*colRef)
		if !ok {
			return
		}
		cols = append(cols, c.info)
	}
	t.UniqueKeys = append(t.UniqueKeys, cols)
}

func (t *table) checkIndex(ix Index, seen map[string]bool) error {
	if err := sqlgen.CheckIdent(ix.name, 0); err != nil {
		return mappingErrorf("%v.Indexes: index name: %v", t.StructType, err)
	}
	if seen[ix.name] {
		return mappingErrorf("%v.Indexes: index %q declared twice", t.StructType, ix.name)
	}
	seen[ix.name] = true
	if len(ix.parts) == 0 {
		return mappingErrorf("%v.Indexes: index %q has no columns", t.StructType, ix.name)
	}
	for _, p := range ix.parts {
		if err := t.ownNode(p); err != nil {
			return mappingErrorf("%v.Indexes: index %q: %v", t.StructType, ix.name, err)
		}
	}
	if ix.where != nil {
		if err := t.ownNode(ix.where); err != nil {
			return mappingErrorf("%v.Indexes: index %q: WHERE: %v", t.StructType, ix.name, err)
		}
	}
	return nil
}

func (t *table) checkConstraint(c Constraint) error {
	if c.name != "" {
		if err := sqlgen.CheckIdent(c.name, 0); err != nil {
			return mappingErrorf("%v.Constraints: constraint name: %v", t.StructType, err)
		}
	}
	if c.check == nil && len(c.cols) == 0 {
		return mappingErrorf("%v.Constraints: constraint %q is neither a UniqueOn with columns nor a Check", t.StructType, c.name)
	}
	for _, n := range c.cols {
		r, ok := n.(*colRef)
		if !ok || r.src != t.base {
			if e, isErr := n.(errNode); isErr {
				return mappingErrorf("%v.Constraints: %v", t.StructType, e.err)
			}
			return mappingErrorf("%v.Constraints: constraint %q: a column that is not of table %q", t.StructType, c.name, t.Name)
		}
	}
	if c.check != nil {
		if err := t.ownNode(c.check); err != nil {
			return mappingErrorf("%v.Constraints: constraint %q: %v", t.StructType, c.name, err)
		}
	}
	return nil
}

// ownNode checks that n refers to no table but t itself (not an alias of
// it), and renders: the DDL of an index or a constraint names its
// columns bare and can refer to nothing else.
func (t *table) ownNode(n node) error {
	var bad *source
	n.sources(func(s *source) {
		if s != t.base && bad == nil {
			bad = s
		}
	})
	if bad != nil {
		name := "a subquery"
		if bad.table != nil {
			name = fmt.Sprintf("table %q", bad.table.Name)
			if bad.isAlias() {
				name = fmt.Sprintf("an alias of table %q", bad.table.Name)
			}
		}
		return fmt.Errorf("refers to %s, not only to table %q", name, t.Name)
	}
	if e, ok := n.(errNode); ok {
		return e.err
	}
	return nil
}
