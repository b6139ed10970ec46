package quarry

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
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

func columnDefault[T any](c Column[T], fn func() T, update bool) ColumnDefault {
	d := ColumnDefault{col: c.exprNode(), update: update}
	if fn != nil {
		d.set = func(p field.Ptr) { field.Set(p, fn()) }
	}
	return d
}

// colDefault is a checked ColumnDefault of a table.
type colDefault struct {
	col *columnInfo
	set func(field.Ptr)
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
				return mappingErrorf("%v.Defaults: %v", t.tblType, e.err)
			}
			return mappingErrorf("%v.Defaults: %s of a column that is not of table %q", t.tblType, what, t.name)
		}
		if d.set == nil {
			return mappingErrorf("%v.Defaults: %s(%s) with a nil function", t.tblType, what, r.info.name)
		}
		list := &t.insertDefaults
		if d.update {
			list = &t.updateDefaults
			if r.info.pk || r.info == t.version {
				return mappingErrorf("%v.Defaults: OnUpdate(%s): the column is a primary key or the version counter", t.tblType, r.info.name)
			}
		}
		if slices.ContainsFunc(*list, func(x colDefault) bool { return x.col == r.info }) {
			return mappingErrorf("%v.Defaults: %s(%s) declared twice", t.tblType, what, r.info.name)
		}
		*list = append(*list, colDefault{col: r.info, set: d.set})
	}
	return nil
}

// applyInsertDefaults sets the zero columns of a pending object that have
// an OnInsert default, remembering them so that an undone INSERT zeroes
// them again.
func (u *unitOfWork) applyInsertDefaults(m *tableMeta, obj field.Ptr) {
	for _, d := range m.t.insertDefaults {
		if m.isZero(d.col, obj) {
			u.remember(m, d.col, obj)
			d.set(d.col.ptr(obj))
		}
	}
}

// applyUpdateDefaults adds to cols, the changed columns of a persistent
// object, the columns with an OnUpdate default that the program did not
// change, set to their new values (remembered, for a failed flush). cols
// stays in table order, which the cached UPDATE statements rely on.
func (u *unitOfWork) applyUpdateDefaults(m *tableMeta, obj field.Ptr, cols []*columnInfo) []*columnInfo {
	added := false
	for _, d := range m.t.updateDefaults {
		if slices.Contains(cols, d.col) {
			continue
		}
		u.remember(m, d.col, obj)
		d.set(d.col.ptr(obj))
		cols = append(cols, d.col)
		added = true
	}
	if added {
		slices.SortFunc(cols, func(a, b *columnInfo) int { return a.index - b.index })
	}
	return cols
}
