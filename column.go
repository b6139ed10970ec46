package quarry

import (
	"reflect"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Column is a typed column of a mapped table. Its comparison methods take
// only values and expressions of T, so Users.ID.Eq("x") does not compile.
// The zero Column is unusable; columns come from [Table] and [Aliased].
type Column[T any] struct {
	Expr[T]
}

// Name returns the column's name in its table.
func (c Column[T]) Name() string {
	if r, ok := c.n.(*colRef); ok {
		return r.info.Name
	}
	return ""
}

func (*Column[T]) valueType() reflect.Type { return reflect.TypeFor[T]() }

func (c *Column[T]) bindColumn(src *source, info *columnInfo) {
	c.n = &colRef{src: src, info: info}
}

// ops builds the per-column accessors that read and write the field of
// type T at a precomputed offset, so hydration and flush need no
// reflection.
func (*Column[T]) ops() colOps {
	acc, ok := schema.CodecOps[T]()
	if !ok {
		acc = field.AccessorsOf[T]()
	}
	return colOps{
		Dest:   acc.Dest,
		Value:  acc.Value,
		Equal:  schema.EqualOf[T](),
		Clone:  field.Clone[T](),
		Set:    acc.Assign,
		Key:    field.Key[T](schema.NormalizeKey),
		Holder: func() fieldHolder { return &nullHolder[T]{} },
		GenKey: schema.KeyGenerator[T](),
		Check:  schema.CheckOf[T](),
	}
}

// columnInfo is the mapping of one column.
type columnInfo struct {
	Table  *table
	Name   string
	Field  string // Go field name in the entity struct
	Offset uintptr
	GoType reflect.Type
	Kind   dialect.Kind
	Elem   dialect.Kind // of an array
	// Typer names the DDL type of a custom type (ColumnTyper).
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
	FK          *foreignKey
	// Deferred leaves the column out of a SELECT of the entity
	// (column_load.go).
	Deferred bool
	// Enum are the allowed values of an [Enum] column, checked by a
	// CHECK constraint in its DDL.
	Enum  []string
	Index int
	colOps
}

// foreignKey is a column's reference to another table's column, resolved
// by name when the mapping is configured.
type foreignKey struct {
	Ref                string // "users.id"
	OnDelete, OnUpdate string
	Target             *columnInfo
}

// colOps reads and writes one field of an entity through its address (field.Ptr)
// to it. Built from generic code, so no reflection runs per row.
type colOps struct {
	Dest  func(fp field.Ptr) any          // scan destination
	Value func(fp field.Ptr) any          // bound argument
	Equal func(a, b field.Ptr) bool       // dirty check
	Clone func(dst, src field.Ptr)        // snapshot copy
	Set   func(dst field.Ptr, v any) bool // assign a value of the column's type
	// Key returns the field's value normalised for matching keys across
	// columns of different Go types (int32/int64, T/*T), false when NULL
	// (relationship loading, relationship.go).
	Key func(fp field.Ptr) (any, bool)
	// Holder returns a reusable NULL-aware scan target for the column, for
	// entities on the optional side of an outer join (outerjoin.go).
	Holder func() fieldHolder
	// GenKey, set for UUID columns, fills a zero field with a new
	// random (version 4) UUID; a primary key gets one before its INSERT.
	GenKey func(fp field.Ptr) error
	// Check, set for float, text and unsigned columns, finds a value
	// some database cannot store (storable.go), reading the field
	// without boxing it.
	Check schema.ValueCheck
}

func (c *columnInfo) ptr(obj field.Ptr) field.Ptr { return field.At(obj, c.Offset) }

func (c *columnInfo) String() string { return c.Table.Name + "." + c.Name }

func (c *columnInfo) columnType() dialect.ColumnType {
	return dialect.ColumnType{Kind: c.Kind, Elem: c.Elem, Length: c.Length, Text: c.Text, SQLType: c.SQLType}
}

// typeName is the column's DDL type on d: the `type=` tag, the custom
// type's ColumnType, or the dialect's type for its kind; "" when none.
func (c *columnInfo) typeName(d Dialect) string {
	if c.SQLType == "" && c.Typer != nil {
		return c.Typer.ColumnType(d)
	}
	return d.TypeName(c.columnType())
}
