package quarry

import (
	"slices"
	"strconv"
)

// Row is one row of a dynamic [Columns] statement: values read by the name
// of the column or label that produced them. Values have the types the
// driver returns (int64, float64, string, []byte, bool, time.Time, nil),
// which differ between databases; prefer [Select2] and friends, or a
// [Bundle], when the columns are known at compile time.
type Row struct {
	names []string // shared by every row of a result
	vals  []any
}

// Get returns the value of the column named name and whether the row has
// such a column.
func (r Row) Get(name string) (any, bool) {
	for i, n := range r.names {
		if n == name {
			return r.vals[i], true
		}
	}
	return nil, false
}

// Values returns the row's values in the order they were selected. The
// slice belongs to the row.
func (r Row) Values() []any { return r.vals }

// Names returns the names of the row's columns, in order: the label of a
// labelled expression, the name of a column, the function name of an
// unlabelled function call (count, sum), column_N otherwise; repeated
// names get _1, _2 suffixes as in SQLAlchemy. The slice is shared by the
// rows of a result: do not modify it.
func (r Row) Names() []string { return r.names }

// Columns builds a SELECT whose columns are chosen at run time, read as
// [Row] values by name, for the places (reports, admin screens) where the
// list of columns is data:
//
//	q := quarry.Columns(Users.Name, quarry.Count(Addresses.ID).Label("n"))
//
// Everything else about the statement (Where, Join, GroupBy...) is typed as
// usual.
func Columns(exprs ...Grouping) *Query[Row] {
	items := exprNodes(exprs)
	names := rowNames(items)
	return newSelect(items, func() rowReader[Row] {
		return &dynReader{names: names, scratch: make([]any, len(names))}
	})
}

// rowNames names the items of a dynamic select as [Row.Names] describes.
func rowNames(items []node) []string {
	names := outputNames(items)
	used := map[string]bool{}
	for _, n := range names {
		if n != "" {
			used[n] = true
		}
	}
	for i, n := range names {
		if n != "" {
			continue
		}
		base := "column_" + strconv.Itoa(i+1)
		if f, ok := items[i].(*funcNode); ok {
			base = f.name
		}
		name := base
		for k := 1; used[name]; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
		used[name] = true
		names[i] = name
	}
	return slices.Clip(names)
}

// dynReader scans every column into an any and copies the values into a
// new slice per row (the one allocation a Row needs).
type dynReader struct {
	names   []string
	scratch []any
}

func (r *dynReader) prepare(dst []any) []any {
	for i := range r.scratch {
		dst = append(dst, &r.scratch[i])
	}
	return dst
}

func (r *dynReader) finish(*readCtx) (Row, error) {
	vals := make([]any, len(r.scratch))
	copy(vals, r.scratch)
	clear(r.scratch)
	return Row{names: r.names, vals: vals}, nil
}
