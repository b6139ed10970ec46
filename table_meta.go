package quarry

import (
	"reflect"
	"sync"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/uow"
)

// tableMeta is what the Session needs about a table beyond the mapping:
// the unit of work's view of it (uow.Table: keys, snapshots, changes) and
// the DML it has rendered. It is computed once per table, with
// reflection, and shared by every Session.
type tableMeta struct {
	t *table
	uow.Table
	// sql caches rendered DML per dialect and shape (see flush.go).
	sql sync.Map
}

var metaByTable sync.Map // *table -> *tableMeta

func metaOf(t *table) *tableMeta {
	if m, ok := metaByTable.Load(t); ok {
		return m.(*tableMeta)
	}
	m := &tableMeta{t: t, Table: uow.NewTable(&t.Table)}
	actual, _ := metaByTable.LoadOrStore(t, m)
	return actual.(*tableMeta)
}

// ifaceData returns the pointer held by an interface value whose dynamic
// type is a pointer type, or nil for any other value.
func ifaceData(v any) field.Ptr {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		return nil
	}
	return field.OfValue(rv)
}
