package schema

import (
	"database/sql"
	"reflect"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
)

// Column is the mapping of one column: where its field lies in the
// entity, what the database stores in it, and the typed operations that
// read and write the field without reflection ([Ops]).
type Column struct {
	Table  *Table
	Name   string
	Field  string // Go field name in the entity struct
	Offset uintptr
	GoType reflect.Type
	Kind   dialect.Kind
	Elem   dialect.Kind // of an array
	// Typer names the DDL type of a custom type (the root's ColumnTyper).
	Typer    ColumnTyper
	Nullable bool
	PK       bool
	Autoinc  bool
	NoAuto   bool
	Unique   bool
	Length   int
	Text     bool
	SQLType  string
	Def      string
	HasDef   bool
	// ZeroDefault says an INSERT leaves the column to its default when
	// the field is zero: a NULL-able field (a nil pointer, an invalid
	// sql.Null), or a field tagged omitzero. Any other field is written
	// as it is.
	ZeroDefault bool
	FK          *ForeignKey
	// Deferred leaves the column out of a SELECT of the entity unless
	// the statement undefers it.
	Deferred bool
	// Enum are the allowed values of an enum column, checked by a CHECK
	// constraint in its DDL.
	Enum []string
	// Index is the column's position in its table's Columns.
	Index int
	Ops
}

// ColumnTyper is implemented by a custom column type that names its own
// DDL type on each dialect.
type ColumnTyper interface {
	ColumnType(d dialect.Dialect) string
}

// ForeignKey is a column's reference to another table's column, resolved
// by name when the mapping is configured.
type ForeignKey struct {
	Ref                string // "users.id"
	OnDelete, OnUpdate string
	Target             *Column
}

// Ops reads and writes one field of an entity through its address
// ([field.Ptr]). Built from generic code, so no reflection runs per row.
type Ops struct {
	Dest  func(fp field.Ptr) any          // scan destination
	Value func(fp field.Ptr) any          // bound argument
	Equal func(a, b field.Ptr) bool       // dirty check
	Clone func(dst, src field.Ptr)        // snapshot copy
	Set   func(dst field.Ptr, v any) bool // assign a value of the column's type
	// Key returns the field's value normalised for matching keys across
	// columns of different Go types (int32/int64, T/*T), false when NULL
	// (relationship loading).
	Key func(fp field.Ptr) (any, bool)
	// Holder returns a reusable NULL-aware scan target for the column, for
	// entities on the optional side of an outer join.
	Holder func() Holder
	// GenKey, set for UUID columns, fills a zero field with a new
	// random (version 4) UUID; a primary key gets one before its INSERT.
	GenKey func(fp field.Ptr) error
	// Check, set for float, text and unsigned columns, finds a value
	// some database cannot store, reading the field without boxing it.
	Check ValueCheck
}

// Holder is a reusable, NULL-aware scan target for one column.
type Holder interface {
	Dest() any
	Null() bool
	// Store writes the scanned value into the field (its zero value when
	// NULL) and resets the holder.
	Store(fp field.Ptr)
}

// NullHolder is the [Holder] of a column of Go type T.
type NullHolder[T any] struct{ v sql.Null[T] }

// Dest is the scan destination.
func (h *NullHolder[T]) Dest() any { return &h.v }

// Null reports whether the scanned value was NULL.
func (h *NullHolder[T]) Null() bool { return !h.v.Valid }

// Store writes the scanned value into the field at fp and resets h.
func (h *NullHolder[T]) Store(fp field.Ptr) {
	field.Set(fp, h.v.V)
	h.v = sql.Null[T]{}
}

// Ptr is the address of the column's field in the entity at obj.
func (c *Column) Ptr(obj field.Ptr) field.Ptr { return field.At(obj, c.Offset) }

// String is "table.column".
func (c *Column) String() string { return c.Table.Name + "." + c.Name }

// ColumnType is what a dialect needs to name the column's DDL type.
func (c *Column) ColumnType() dialect.ColumnType {
	return dialect.ColumnType{Kind: c.Kind, Elem: c.Elem, Length: c.Length, Text: c.Text, SQLType: c.SQLType}
}

// TypeName is the column's DDL type on d: the `type=` tag, the custom
// type's ColumnType, or the dialect's type for its kind; "" when none.
func (c *Column) TypeName(d dialect.Dialect) string {
	if c.SQLType == "" && c.Typer != nil {
		return c.Typer.ColumnType(d)
	}
	return d.TypeName(c.ColumnType())
}
