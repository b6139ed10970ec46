package quarry

import (
	"reflect"
	"sync"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/uow"
)

// tableMeta is what the Session needs about a table beyond the mapping:
// how to read its key, snapshot its rows and write them. It is computed
// once per table, with reflection, and shared by every Session.
type tableMeta struct {
	t *table
	// KeyReader reads the identity of the table's rows.
	uow.KeyReader
	// auto is the generated integer key (nil when keys are given by the
	// program), with its accessors.
	auto    *schema.Column
	getAuto func(fp field.Ptr) int64
	setAuto func(fp field.Ptr, v int64)
	// version is the optimistic-locking counter, with its accessors.
	version    *schema.Column
	getVersion func(fp field.Ptr) int64
	setVersion func(fp field.Ptr, v int64)
	// zero is a zero E, the source of zero field values.
	zero field.Ptr
	// ptrType is *E, for handing objects back as any.
	ptrType reflect.Type
	// sql caches rendered DML per dialect and shape (see flush.go).
	sql sync.Map
}

var metaByTable sync.Map // *table -> *tableMeta

func metaOf(t *table) *tableMeta {
	if m, ok := metaByTable.Load(t); ok {
		return m.(*tableMeta)
	}
	m := newTableMeta(t)
	actual, _ := metaByTable.LoadOrStore(t, m)
	return actual.(*tableMeta)
}

func newTableMeta(t *table) *tableMeta {
	m := &tableMeta{t: t, KeyReader: uow.NewKeyReader(&t.Table)}
	if t.GoType != nil { // association tables map no Go type
		m.zero, m.ptrType = t.newObj(), reflect.PointerTo(t.GoType)
	}
	if len(t.PK) == 1 && t.PK[0].Autoinc && field.IsInt(t.PK[0].GoType.Kind()) {
		m.auto = t.PK[0]
		m.getAuto, m.setAuto = field.Ints(m.auto.GoType.Kind())
	}
	if v := t.Version; v != nil && field.IsInt(v.GoType.Kind()) {
		m.version = v
		m.getVersion, m.setVersion = field.Ints(v.GoType.Kind())
	}
	return m
}

// snapshot copies the columns of obj into a new E.
func (m *tableMeta) snapshot(obj field.Ptr) field.Ptr {
	p := m.t.newObj()
	m.copyColumns(p, obj)
	return p
}

func (m *tableMeta) copyColumns(dst, src field.Ptr) {
	for _, c := range m.t.Columns {
		c.Clone(c.Ptr(dst), c.Ptr(src))
	}
}

// changed appends the columns of obj that differ from snap.
func (m *tableMeta) changed(dst []*schema.Column, obj, snap field.Ptr) []*schema.Column {
	for _, c := range m.t.Columns {
		if !c.Equal(c.Ptr(obj), c.Ptr(snap)) {
			dst = append(dst, c)
		}
	}
	return dst
}

func (m *tableMeta) dirty(obj, snap field.Ptr) bool {
	for _, c := range m.t.Columns {
		if !c.Equal(c.Ptr(obj), c.Ptr(snap)) {
			return true
		}
	}
	return false
}

// isZero reports whether the field of c in obj holds its zero value.
func (m *tableMeta) isZero(c *schema.Column, obj field.Ptr) bool {
	return c.Equal(c.Ptr(obj), c.Ptr(m.zero))
}

func (m *tableMeta) setZero(c *schema.Column, obj field.Ptr) {
	c.Clone(c.Ptr(obj), c.Ptr(m.zero))
}

// keyUnset reports whether obj's key is one the database is to generate:
// a zero autoincrement key. Any other key, zero included, names a row.
func (m *tableMeta) keyUnset(obj field.Ptr) bool {
	return m.auto != nil && m.isZero(m.auto, obj)
}

// object returns obj as an any holding *E.
func (m *tableMeta) object(obj field.Ptr) any {
	return field.PointerTo(m.t.GoType, obj)
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
