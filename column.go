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
		return r.info.name
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
		dest:   acc.Dest,
		value:  acc.Value,
		equal:  schema.EqualOf[T](),
		clone:  field.Clone[T](),
		set:    acc.Assign,
		key:    field.Key[T](schema.NormalizeKey),
		holder: func() fieldHolder { return &nullHolder[T]{} },
		genKey: schema.KeyGenerator[T](),
		check:  schema.CheckOf[T](),
	}
}

// columnInfo is the mapping of one column.
type columnInfo struct {
	table  *table
	name   string
	field  string // Go field name in the entity struct
	offset uintptr
	goType reflect.Type
	kind   dialect.Kind
	elem   dialect.Kind // of an array
	// typer names the DDL type of a custom type (ColumnTyper).
	typer    ColumnTyper
	nullable bool
	pk       bool
	autoinc  bool
	noAuto   bool
	unique   bool
	length   int
	text     bool
	sqlType  string
	def      string
	hasDef   bool
	// zeroDefault says an INSERT leaves the column to its default when
	// the field is zero: a NULL-able field (a nil pointer, an invalid
	// sql.Null), or a field tagged omitzero. Any other field is written
	// as it is.
	zeroDefault bool
	fk          *foreignKey
	// deferred leaves the column out of a SELECT of the entity
	// (column_load.go).
	deferred bool
	// enum are the allowed values of an [Enum] column, checked by a
	// CHECK constraint in its DDL.
	enum  []string
	index int
	colOps
}

// foreignKey is a column's reference to another table's column, resolved
// by name when the mapping is configured.
type foreignKey struct {
	ref                string // "users.id"
	onDelete, onUpdate string
	target             *columnInfo
}

// colOps reads and writes one field of an entity through its address (field.Ptr)
// to it. Built from generic code, so no reflection runs per row.
type colOps struct {
	dest  func(fp field.Ptr) any          // scan destination
	value func(fp field.Ptr) any          // bound argument
	equal func(a, b field.Ptr) bool       // dirty check
	clone func(dst, src field.Ptr)        // snapshot copy
	set   func(dst field.Ptr, v any) bool // assign a value of the column's type
	// key returns the field's value normalised for matching keys across
	// columns of different Go types (int32/int64, T/*T), false when NULL
	// (relationship loading, relationship.go).
	key func(fp field.Ptr) (any, bool)
	// holder returns a reusable NULL-aware scan target for the column, for
	// entities on the optional side of an outer join (outerjoin.go).
	holder func() fieldHolder
	// genKey, set for UUID columns, fills a zero field with a new
	// random (version 4) UUID; a primary key gets one before its INSERT.
	genKey func(fp field.Ptr) error
	// check, set for float, text and unsigned columns, finds a value
	// some database cannot store (storable.go), reading the field
	// without boxing it.
	check schema.ValueCheck
}

func (c *columnInfo) ptr(obj field.Ptr) field.Ptr { return field.At(obj, c.offset) }

func (c *columnInfo) String() string { return c.table.name + "." + c.name }

func (c *columnInfo) columnType() dialect.ColumnType {
	return dialect.ColumnType{Kind: c.kind, Elem: c.elem, Length: c.length, Text: c.text, SQLType: c.sqlType}
}

// typeName is the column's DDL type on d: the `type=` tag, the custom
// type's ColumnType, or the dialect's type for its kind; "" when none.
func (c *columnInfo) typeName(d Dialect) string {
	if c.sqlType == "" && c.typer != nil {
		return c.typer.ColumnType(d)
	}
	return d.TypeName(c.columnType())
}
