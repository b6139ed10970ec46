package quarry

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"github.com/quarry-orm/quarry/dialect"
	"reflect"
	"time"
	"unsafe"
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
	return colOps{
		dest:   func(p unsafe.Pointer) any { return (*T)(p) },
		value:  func(p unsafe.Pointer) any { return *(*T)(p) },
		equal:  equalFunc[T](),
		clone:  cloneFunc[T](),
		set:    func(dst unsafe.Pointer, v any) bool { x, ok := v.(T); *(*T)(dst) = x; return ok },
		key:    keyFunc[T](),
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

// colOps reads and writes one field of an entity through an unsafe pointer
// to it. Built from generic code, so no reflection runs per row.
type colOps struct {
	dest  func(field unsafe.Pointer) any       // scan destination
	value func(field unsafe.Pointer) any       // bound argument
	equal func(a, b unsafe.Pointer) bool       // dirty check
	clone func(dst, src unsafe.Pointer)        // snapshot copy
	set   func(dst unsafe.Pointer, v any) bool // assign a value of the column's type
	// key returns the field's value normalised for matching keys across
	// columns of different Go types (int32/int64, T/*T), false when NULL
	// (relationship loading, relationship.go).
	key func(field unsafe.Pointer) (any, bool)
	// holder returns a reusable NULL-aware scan target for the column, for
	// entities on the optional side of an outer join (outerjoin.go).
	holder func() fieldHolder
}

func (c *columnInfo) ptr(obj unsafe.Pointer) unsafe.Pointer { return unsafe.Add(obj, c.offset) }

func (c *columnInfo) String() string { return c.table.name + "." + c.name }

func (c *columnInfo) columnType() dialect.ColumnType {
	return dialect.ColumnType{Kind: c.kind, Length: c.length, Text: c.text, SQLType: c.sqlType}
}

func comparableEq[X comparable]() func(a, b unsafe.Pointer) bool {
	return func(a, b unsafe.Pointer) bool { return *(*X)(a) == *(*X)(b) }
}

func pointerEq[X comparable]() func(a, b unsafe.Pointer) bool {
	return func(a, b unsafe.Pointer) bool {
		x, y := *(**X)(a), *(**X)(b)
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y
	}
}

func equalFunc[T any]() func(a, b unsafe.Pointer) bool {
	var z T
	switch any(z).(type) {
	case bool:
		return comparableEq[bool]()
	case int:
		return comparableEq[int]()
	case int8:
		return comparableEq[int8]()
	case int16:
		return comparableEq[int16]()
	case int32:
		return comparableEq[int32]()
	case int64:
		return comparableEq[int64]()
	case uint:
		return comparableEq[uint]()
	case uint8:
		return comparableEq[uint8]()
	case uint16:
		return comparableEq[uint16]()
	case uint32:
		return comparableEq[uint32]()
	case uint64:
		return comparableEq[uint64]()
	case float32:
		return comparableEq[float32]()
	case float64:
		return comparableEq[float64]()
	case string:
		return comparableEq[string]()
	case *bool:
		return pointerEq[bool]()
	case *int:
		return pointerEq[int]()
	case *int16:
		return pointerEq[int16]()
	case *int32:
		return pointerEq[int32]()
	case *int64:
		return pointerEq[int64]()
	case *float32:
		return pointerEq[float32]()
	case *float64:
		return pointerEq[float64]()
	case *string:
		return pointerEq[string]()
	case []byte:
		return func(a, b unsafe.Pointer) bool {
			x, y := *(*[]byte)(a), *(*[]byte)(b)
			return bytes.Equal(x, y) && (x == nil) == (y == nil)
		}
	case time.Time:
		return func(a, b unsafe.Pointer) bool { return (*time.Time)(a).Equal(*(*time.Time)(b)) }
	case *time.Time:
		return func(a, b unsafe.Pointer) bool {
			x, y := *(**time.Time)(a), *(**time.Time)(b)
			if x == nil || y == nil {
				return x == y
			}
			return x.Equal(*y)
		}
	case sql.Null[string]:
		return comparableEq[sql.Null[string]]()
	case sql.Null[int64]:
		return comparableEq[sql.Null[int64]]()
	case sql.Null[int32]:
		return comparableEq[sql.Null[int32]]()
	case sql.Null[float64]:
		return comparableEq[sql.Null[float64]]()
	case sql.Null[bool]:
		return comparableEq[sql.Null[bool]]()
	case sql.Null[time.Time]:
		return func(a, b unsafe.Pointer) bool {
			x, y := (*sql.Null[time.Time])(a), (*sql.Null[time.Time])(b)
			return x.Valid == y.Valid && (!x.Valid || x.V.Equal(y.V))
		}
	}
	// Other types: chosen once per type, at mapping time.
	return equalByType(reflect.TypeFor[T]())
}

// cloneFunc copies a field for a snapshot, deeply: changing the object
// later in place (through a pointer, an element of a slice, a key of a
// map, at any depth) is seen as a change, and restoring a snapshot shares
// no mutable memory with it.
func cloneFunc[T any]() func(dst, src unsafe.Pointer) {
	var z T
	switch any(z).(type) {
	case []byte:
		return cloneBytes
	}
	t := reflect.TypeFor[T]()
	switch {
	case !needsDeep(t):
		// Values without shared mutable parts (numbers, strings,
		// time.Time, structs and arrays of them) copy by assignment.
		return func(dst, src unsafe.Pointer) { *(*T)(dst) = *(*T)(src) }
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return cloneBytes // named []byte types (json.RawMessage)
	case t.Kind() == reflect.Pointer && !needsDeep(t.Elem()):
		return func(dst, src unsafe.Pointer) {
			if *(*unsafe.Pointer)(src) == nil {
				*(*T)(dst) = *(*T)(src)
				return
			}
			// T is *X: copy the pointee so in-place edits are detected.
			*(*T)(dst) = clonePointer(*(*T)(src))
		}
	}
	return deepCloner(t)
}

func cloneBytes(dst, src unsafe.Pointer) {
	s := *(*[]byte)(src)
	if s == nil {
		*(*[]byte)(dst) = nil
		return
	}
	*(*[]byte)(dst) = bytes.Clone(s)
}

// clonePointer returns a copy of the pointee of p, where T is a pointer
// type. Reflection is acceptable here: snapshots of pointer fields are taken
// at load and flush, and the common pointer types avoid it.
func clonePointer[T any](p T) T {
	switch v := any(p).(type) {
	case *string:
		c := *v
		return any(&c).(T)
	case *int64:
		c := *v
		return any(&c).(T)
	case *int32:
		c := *v
		return any(&c).(T)
	case *int:
		c := *v
		return any(&c).(T)
	case *bool:
		c := *v
		return any(&c).(T)
	case *float64:
		c := *v
		return any(&c).(T)
	case *time.Time:
		c := *v
		return any(&c).(T)
	}
	rv := reflect.ValueOf(p)
	c := reflect.New(rv.Type().Elem())
	c.Elem().Set(rv.Elem())
	return c.Interface().(T)
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
