package uow_test

import (
	"reflect"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/uow"
)

type versionedRow struct {
	ID      int64
	Name    string
	Version int32
	Tags    []string // not a column: snapshots leave it alone
}

func column[T any](t *schema.Table, name string, off uintptr) *schema.Column {
	return &schema.Column{
		Table: t, Name: name, GoType: reflect.TypeFor[T](), Offset: off,
		Ops: schema.Ops{Equal: schema.EqualOf[T](), Clone: field.Clone[T]()},
	}
}

// versionedTable maps versionedRow with a generated key and a version.
func versionedTable() *schema.Table {
	t := &schema.Table{Name: "rows", GoType: reflect.TypeFor[versionedRow](), Alloc: field.AllocatorOf[versionedRow]()}
	id := column[int64](t, "id", offsetOf[versionedRow]("ID"))
	id.PK, id.Autoinc = true, true
	name := column[string](t, "name", offsetOf[versionedRow]("Name"))
	version := column[int32](t, "version", offsetOf[versionedRow]("Version"))
	t.Columns, t.PK, t.Version = []*schema.Column{id, name, version}, []*schema.Column{id}, version
	return t
}

func TestTableSnapshotsAndComparesColumnsOnly(t *testing.T) {
	is := is.New(t)
	st := versionedTable()
	m := uow.NewTable(st)
	obj := &versionedRow{ID: 3, Name: "a", Version: 1, Tags: []string{"x"}}

	snap := field.As[versionedRow](m.Snapshot(field.Of(obj)))
	is.Equal(*snap, versionedRow{ID: 3, Name: "a", Version: 1}) // columns copied, Tags not
	is.True(!m.Dirty(field.Of(obj), field.Of(snap)))            // a non-column field is no change

	obj.Name, obj.Version = "b", 2
	is.True(m.Dirty(field.Of(obj), field.Of(snap)))
	is.Equal(m.Changed(nil, field.Of(obj), field.Of(snap)), []*schema.Column{st.Columns[1], st.Columns[2]})

	is.Equal(m.GetVersion(st.Version.Ptr(field.Of(obj))), int64(2))
	m.SetVersion(st.Version.Ptr(field.Of(obj)), 5)
	is.Equal(obj.Version, int32(5))

	is.True(!m.KeyUnset(field.Of(obj)))
	m.SetZero(st.PK[0], field.Of(obj))
	is.Equal(obj.ID, int64(0))
	is.True(m.KeyUnset(field.Of(obj)))
	is.True(m.IsZero(st.PK[0], field.Of(obj)))
	is.Equal(m.Object(field.Of(obj)), any(obj))
}

func TestTableWithoutGeneratedKeyOrVersion(t *testing.T) {
	is := is.New(t)
	st := versionedTable()
	st.PK[0].Autoinc, st.Version = false, nil
	m := uow.NewTable(st)
	is.True(m.Auto == nil)
	is.True(m.Version == nil)
	is.True(!m.KeyUnset(field.Of(&versionedRow{}))) // a zero key the program gave names a row
}

func TestSnapshotsAreDistinctAcrossBlocks(t *testing.T) {
	is := is.New(t)
	m := uow.NewTable(versionedTable())
	var b uow.Snapshots
	const n = 3*uow.MaxBlock + 5 // several full blocks and a partial one
	snaps := make([]*versionedRow, n)
	for i := range snaps {
		snaps[i] = field.As[versionedRow](b.Take(&m, field.Of(&versionedRow{ID: int64(i), Name: "n"})))
	}
	seen := map[*versionedRow]bool{}
	for i, s := range snaps {
		is.True(!seen[s])
		seen[s] = true
		is.Equal(*s, versionedRow{ID: int64(i), Name: "n"}) // no later Take overwrote an earlier one
	}
}

func TestObjectsAreZeroAndDistinct(t *testing.T) {
	is := is.New(t)
	var b uow.Objects[versionedRow]
	seen := map[*versionedRow]bool{}
	for i := range 2*uow.MaxBlock + 1 {
		p := b.Next()
		is.Equal(*p, versionedRow{})
		is.True(!seen[p])
		seen[p] = true
		p.ID = int64(i)
		_ = b.Weak()
	}
	is.Equal(b.Weak().Value() != nil, true) // the current block is alive while b holds it
}

func TestNextBlockDoublesUpToMax(t *testing.T) {
	is := is.New(t)
	n, sizes := 0, []int{}
	for range 9 {
		n = uow.NextBlock(n)
		sizes = append(sizes, n)
	}
	is.Equal(sizes, []int{1, 2, 4, 8, 16, 32, 64, 64, 64})
}
