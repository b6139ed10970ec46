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
	acc, ok := codecOps[T]()
	if !ok {
		acc = field.AccessorsOf[T]()
	}
	return colOps{
		dest:   acc.Dest,
		value:  acc.Value,
		equal:  equalOf[T](),
		clone:  field.Clone[T](),
		set:    acc.Assign,
		key:    field.Key[T](normalizeKey),
		holder: func() fieldHolder { return &nullHolder[T]{} },
		genKey: keyGenerator[T](),
		check:  checkOf[T](),
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
	check valueCheck
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

var (
	scannerType = reflect.TypeFor[sql.Scanner]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
)

// goKind is what kindOf found out about a column's Go type.
type goKind struct {
	kind, elem dialect.Kind
	nullable   bool
	typer      ColumnTyper
}

// kindOf classifies a column's Go type for DDL and reports whether it is
// nullable (a pointer, sql.Null[T] or one of database/sql's NullXxx). A
// Scanner/Valuer type of unknown kind needs a `type=` tag or a
// ColumnType method (typed); mapping fails without one.
func kindOf(t reflect.Type, typed bool) (goKind, error) {
	var g goKind
	if t.Kind() == reflect.Pointer {
		g.nullable = true
		t = t.Elem()
	} else if k, ok := nullKinds[t]; ok {
		g.kind, g.nullable = k, true
		return g, nil
	} else if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && t.NumField() == 2 && t.Field(0).Name == "V" {
		g.nullable = true
		t = t.Field(0).Type
	}
	if k, elem, ok := builtinKind(t); ok {
		g.kind, g.elem = k, elem
		return g, nil
	}
	switch {
	case t == timeType:
		g.kind = dialect.KindTime
		return g, nil
	case t == bytesType:
		g.kind = dialect.KindBytes
		return g, nil
	}
	if g.typer = columnTyper(t); g.typer != nil {
		typed = true
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(scannerType) && (t.Implements(valuerType) || pt.Implements(valuerType)) {
		if !typed {
			return g, fmt.Errorf("type %v (a sql.Scanner and driver.Valuer) has no column type: give it a ColumnType method (quarry.ColumnTyper) or the field a `type=` tag", t)
		}
		// A plain Scanner may write NULL; a ColumnTyper is NOT NULL
		// unless a pointer.
		g.kind, g.nullable = dialect.KindUnknown, g.nullable || g.typer == nil
		return g, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		g.kind = dialect.KindBool
	case reflect.Int8, reflect.Int16, reflect.Uint8:
		g.kind = dialect.KindInt16
	case reflect.Int32, reflect.Uint16:
		g.kind = dialect.KindInt32
	case reflect.Int, reflect.Int64, reflect.Uint32, reflect.Uint, reflect.Uint64:
		g.kind = dialect.KindInt64
	case reflect.Float32:
		g.kind = dialect.KindFloat32
	case reflect.Float64:
		g.kind = dialect.KindFloat64
	case reflect.String:
		g.kind = dialect.KindString
	default:
		return g, fmt.Errorf("type %v is not supported: use a basic type, time.Time, time.Duration, []byte, uuid.UUID, quarry.JSON[T], a slice of a basic type, netip.Addr/Prefix, a pointer or sql.Null of one, or a type implementing sql.Scanner and driver.Valuer (with quarry.ColumnTyper)", t)
	}
	return g, nil
}
