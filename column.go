package quarry

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"time"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
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
	acc := field.AccessorsOf[T]()
	return colOps{
		dest:   acc.Dest,
		value:  acc.Value,
		equal:  field.Equal[T](),
		clone:  field.Clone[T](),
		set:    acc.Assign,
		key:    field.Key[T](normalizeKey),
		holder: func() fieldHolder { return &nullHolder[T]{} },
	}
}

// columnInfo is the mapping of one column.
type columnInfo struct {
	table    *table
	name     string
	field    string // Go field name in the entity struct
	offset   uintptr
	goType   reflect.Type
	kind     dialect.Kind
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
	index       int
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
}

func (c *columnInfo) ptr(obj field.Ptr) field.Ptr { return field.At(obj, c.offset) }

func (c *columnInfo) String() string { return c.table.name + "." + c.name }

func (c *columnInfo) columnType() dialect.ColumnType {
	return dialect.ColumnType{Kind: c.kind, Length: c.length, Text: c.text, SQLType: c.sqlType}
}

var (
	scannerType = reflect.TypeFor[sql.Scanner]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
)

// kindOf classifies a column's Go type for DDL and reports whether it is
// nullable (a pointer or sql.Null[T]).
func kindOf(t reflect.Type) (dialect.Kind, bool, error) {
	nullable := false
	if t.Kind() == reflect.Pointer {
		nullable = true
		t = t.Elem()
	} else if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && t.NumField() == 2 && t.Field(0).Name == "V" {
		nullable = true
		t = t.Field(0).Type
	}
	switch {
	case t == timeType:
		return dialect.KindTime, nullable, nil
	case t == bytesType:
		return dialect.KindBytes, nullable, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return dialect.KindBool, nullable, nil
	case reflect.Int8, reflect.Int16, reflect.Uint8:
		return dialect.KindInt16, nullable, nil
	case reflect.Int32, reflect.Uint16:
		return dialect.KindInt32, nullable, nil
	case reflect.Int, reflect.Int64, reflect.Uint32, reflect.Uint, reflect.Uint64:
		return dialect.KindInt64, nullable, nil
	case reflect.Float32:
		return dialect.KindFloat32, nullable, nil
	case reflect.Float64:
		return dialect.KindFloat64, nullable, nil
	case reflect.String:
		return dialect.KindString, nullable, nil
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(scannerType) && (t.Implements(valuerType) || pt.Implements(valuerType)) {
		return dialect.KindUnknown, true, nil
	}
	return dialect.KindUnknown, false, fmt.Errorf("type %v is not supported: use a basic type, time.Time, []byte, a pointer or sql.Null of one, or a type implementing sql.Scanner and driver.Valuer", t)
}
