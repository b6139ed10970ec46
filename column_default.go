package quarry

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// ColumnDefault is a value the flush gives a column, declared by the
// table struct's Defaults method: SQLAlchemy's Python-side default= and
// onupdate=. A default of the database itself (server_default=) is the
// column tag's default=.
//
//	func (u *UserTable) Defaults() []quarry.ColumnDefault {
//		return []quarry.ColumnDefault{
//			quarry.OnInsert(u.ID, uuid.New),         // a key made in Go before the INSERT
//			quarry.OnInsert(u.CreatedAt, time.Now),
//			quarry.OnInsert(u.UpdatedAt, time.Now),
//			quarry.OnUpdate(u.UpdatedAt, time.Now),
//		}
//	}
type ColumnDefault struct {
	col    node
	update bool
	set    func(field.Ptr)
	expr   node
}

// OnInsert gives column c the value fn returns when an object is
// INSERTed (by a flush, or by [Insert] with Values) with the column's
// field still zero: the object gets the value too. A value the program
// set is written as it is.
func OnInsert[T any](c Column[T], fn func() T) ColumnDefault {
	return columnDefault(c, fn, false)
}

// OnUpdate gives column c the value fn returns in every UPDATE that a
// flush writes for an object, unless the program changed the column
// itself: an updated_at refreshed whenever the row changes. An object
// with no changes is not UPDATEd, so its column keeps its value. UPDATE
// statements ([Update]) that do not set the column set it too.
func OnUpdate[T any](c Column[T], fn func() T) ColumnDefault {
	return columnDefault(c, fn, true)
}

// OnUpdateSQL gives column c the value of the SQL expression e in every
// UPDATE that a flush writes for an object, unless the program changed
// the column itself, and in UPDATE statements ([Update]) that do not set
// it: SQLAlchemy's onupdate= given as a SQL expression, computed by the
// database (its clock, a function of the row). The flush reads the value
// back into the object with RETURNING, so the object holds what the row
// does. In a SET, the row's columns have their values from before the
// UPDATE. e may refer to the table's columns but binds no values (write
// constants as SQL, or use [OnUpdate] with a Go function): the flush's
// statements are rendered once per table.
//
//	quarry.OnUpdateSQL(d.UpdatedAt, quarry.Func[time.Time]("now")) // PostgreSQL's clock
//	quarry.OnUpdateSQL(d.Slug, quarry.Lower(d.Title))               // from the row before the UPDATE
func OnUpdateSQL[T any](c Column[T], e Expression[T]) ColumnDefault {
	d := ColumnDefault{col: c.exprNode(), update: true}
	if e != nil {
		d.expr = e.exprNode()
	}
	return d
}

func columnDefault[T any](c Column[T], fn func() T, update bool) ColumnDefault {
	d := ColumnDefault{col: c.exprNode(), update: update}
	if fn != nil {
		d.set = func(p field.Ptr) { field.Set(p, fn()) }
	}
	return d
}

// colDefault is a checked ColumnDefault of a table: a Go function (set)
// or a SQL expression (expr).
type colDefault struct {
	col  *schema.Column
	set  func(field.Ptr)
	expr node
}

type defaultDeclarer interface{ Defaults() []ColumnDefault }

// declareDefaults checks the table struct's defaults and records them.
func (t *table) declareDefaults(list []ColumnDefault) error {
	for _, d := range list {
		what := "OnInsert"
		if d.update {
			what = "OnUpdate"
		}
		r, ok := d.col.(*colRef)
		if !ok || r.src != t.base {
			if e, isErr := d.col.(errNode); isErr {
				return mappingErrorf("%v.Defaults: %v", t.StructType, e.err)
			}
			return mappingErrorf("%v.Defaults: %s of a column that is not of table %q", t.StructType, what, t.Name)
		}
		if d.expr != nil {
			if err := t.checkDefaultExpr(r.info, d.expr); err != nil {
				return err
			}
		} else if d.set == nil {
			return mappingErrorf("%v.Defaults: %s(%s) with a nil function", t.StructType, what, r.info.Name)
		}
		list := &t.insertDefaults
		if d.update {
			list = &t.updateDefaults
			if r.info.PK || r.info == t.Version {
				return mappingErrorf("%v.Defaults: OnUpdate(%s): the column is a primary key or the version counter", t.StructType, r.info.Name)
			}
		}
		if slices.ContainsFunc(*list, func(x colDefault) bool { return x.col == r.info }) {
			return mappingErrorf("%v.Defaults: %s(%s) declared twice", t.StructType, what, r.info.Name)
		}
		*list = append(*list, colDefault{col: r.info, set: d.set, expr: d.expr})
	}
	return nil
}

// checkDefaultExpr refuses an OnUpdateSQL expression that is not one of
// t's own, or that binds values.
func (t *table) checkDefaultExpr(c *schema.Column, e node) error {
	b := newBuilder(defaultDialect{})
	b.enclosing = append(b.enclosing, scopeOf(t, nil))
	e.render(b)
	switch {
	case b.Err != nil:
		return mappingErrorf("%v.Defaults: OnUpdateSQL(%s): %v", t.StructType, c.Name, b.Err)
	case len(b.Args) > 0:
		return mappingErrorf("%v.Defaults: OnUpdateSQL(%s): the expression %s binds %d value(s): write constants in SQL, or use OnUpdate with a Go function", t.StructType, c.Name, b.Buf, len(b.Args))
	}
	return nil
}

// applyInsertDefaults sets the zero columns of a pending object that have
// an OnInsert default, remembering them so that an undone INSERT zeroes
// them again.
func (u *unitOfWork) applyInsertDefaults(m *tableMeta, obj field.Ptr) {
	for _, d := range m.t.insertDefaults {
		if m.IsZero(d.col, obj) {
			u.remember(m, d.col, obj)
			d.set(d.col.Ptr(obj))
		}
	}
}

// applyUpdateDefaults adds to cols, the changed columns of a persistent
// object, the columns with an OnUpdate default that the program did not
// change: set to their new values (remembered, for a failed flush), or,
// for an OnUpdateSQL default, listed in exprs too, for the UPDATE to set
// from the expression and return. cols stays in table order, which the
// cached UPDATE statements rely on.
func (u *unitOfWork) applyUpdateDefaults(m *tableMeta, obj field.Ptr, cols []*schema.Column) (_, exprs []*schema.Column) {
	added := false
	for _, d := range m.t.updateDefaults {
		if slices.Contains(cols, d.col) {
			continue
		}
		u.remember(m, d.col, obj)
		if d.expr != nil {
			exprs = append(exprs, d.col)
		} else {
			d.set(d.col.Ptr(obj))
		}
		cols = append(cols, d.col)
		added = true
	}
	if added {
		slices.SortFunc(cols, func(a, b *schema.Column) int { return a.Index - b.Index })
	}
	return cols, exprs
}

// updateExpr returns the OnUpdateSQL expression of column c.
func (t *table) updateExpr(c *schema.Column) node {
	for _, d := range t.updateDefaults {
		if d.col == c {
			return d.expr
		}
	}
	return nil
}
