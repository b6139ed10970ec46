package uow

import (
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Table is what the unit of work knows about one mapped table beyond its
// schema: how to read its rows' identity, its generated key and version
// counter, and how to snapshot and compare its objects' columns, the base
// of change detection without setters. It is built once per table, with
// reflection, and read without it by every Session.
type Table struct {
	// KeyReader reads the identity of the table's rows.
	KeyReader
	// Auto is the generated integer key (nil when keys are given by the
	// program), with its accessors.
	Auto    *schema.Column
	GetAuto func(fp field.Ptr) int64
	SetAuto func(fp field.Ptr, v int64)
	// Version is the optimistic-locking counter, with its accessors; nil
	// when the table has none or it is not an integer.
	Version    *schema.Column
	GetVersion func(fp field.Ptr) int64
	SetVersion func(fp field.Ptr, v int64)
	// Zero is a zero E, the source of zero field values.
	Zero field.Ptr
	// PtrType is *E, for handing objects back as any.
	PtrType reflect.Type

	schema *schema.Table
}

// NewTable returns the Table of t.
func NewTable(t *schema.Table) Table {
	m := Table{KeyReader: NewKeyReader(t), schema: t}
	if t.GoType != nil { // association tables map no Go type
		m.Zero, m.PtrType = t.Alloc.New(), reflect.PointerTo(t.GoType)
	}
	if len(t.PK) == 1 && t.PK[0].Autoinc && field.IsInt(t.PK[0].GoType.Kind()) {
		m.Auto = t.PK[0]
		m.GetAuto, m.SetAuto = field.Ints(m.Auto.GoType.Kind())
	}
	if v := t.Version; v != nil && field.IsInt(v.GoType.Kind()) {
		m.Version = v
		m.GetVersion, m.SetVersion = field.Ints(v.GoType.Kind())
	}
	return m
}

// Snapshot copies the columns of obj into a new E.
func (m *Table) Snapshot(obj field.Ptr) field.Ptr {
	p := m.schema.Alloc.New()
	m.CopyColumns(p, obj)
	return p
}

// CopyColumns copies the column fields of src into dst, leaving the
// other fields (relationships) alone.
func (m *Table) CopyColumns(dst, src field.Ptr) {
	for _, c := range m.schema.Columns {
		c.Clone(c.Ptr(dst), c.Ptr(src))
	}
}

// Changed appends the columns of obj that differ from snap.
func (m *Table) Changed(dst []*schema.Column, obj, snap field.Ptr) []*schema.Column {
	for _, c := range m.schema.Columns {
		if !c.Equal(c.Ptr(obj), c.Ptr(snap)) {
			dst = append(dst, c)
		}
	}
	return dst
}

// Dirty reports whether any column of obj differs from snap.
func (m *Table) Dirty(obj, snap field.Ptr) bool {
	for _, c := range m.schema.Columns {
		if !c.Equal(c.Ptr(obj), c.Ptr(snap)) {
			return true
		}
	}
	return false
}

// IsZero reports whether the field of c in obj holds its zero value.
func (m *Table) IsZero(c *schema.Column, obj field.Ptr) bool {
	return c.Equal(c.Ptr(obj), c.Ptr(m.Zero))
}

// SetZero sets the field of c in obj to its zero value.
func (m *Table) SetZero(c *schema.Column, obj field.Ptr) {
	c.Clone(c.Ptr(obj), c.Ptr(m.Zero))
}

// KeyUnset reports whether obj's key is one the database is to generate:
// a zero autoincrement key. Any other key, zero included, names a row.
func (m *Table) KeyUnset(obj field.Ptr) bool {
	return m.Auto != nil && m.IsZero(m.Auto, obj)
}

// Object returns obj as an any holding *E.
func (m *Table) Object(obj field.Ptr) any {
	return field.PointerTo(m.schema.GoType, obj)
}
