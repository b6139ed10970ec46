package schema

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/quarry-orm/quarry/dialect"
)

var (
	uuidType     = reflect.TypeFor[uuid.UUID]()
	uuid16Type   = reflect.TypeFor[[16]byte]()
	rawJSONType  = reflect.TypeFor[json.RawMessage]()
	jsonMapType  = reflect.TypeFor[map[string]any]()
	addrType     = reflect.TypeFor[netip.Addr]()
	prefixType   = reflect.TypeFor[netip.Prefix]()
	durationType = reflect.TypeFor[time.Duration]()
	typerType    = reflect.TypeFor[Typer]()
)

// builtinKind classifies the types quarry maps beyond Go's basic kinds,
// elem being the element kind of an array.
func builtinKind(t reflect.Type) (kind, elem dialect.Kind, ok bool) {
	switch t {
	case uuidType, uuid16Type:
		return dialect.KindUUID, 0, true
	case rawJSONType, jsonMapType:
		return dialect.KindJSON, 0, true
	case addrType:
		return dialect.KindInet, 0, true
	case prefixType:
		return dialect.KindCIDR, 0, true
	case durationType:
		return dialect.KindInterval, 0, true
	}
	if isJSONDocument(t) {
		return dialect.KindJSON, 0, true
	}
	if t.Kind() == reflect.Slice && t.Name() == "" && t.Elem() != reflect.TypeFor[byte]() {
		switch e := t.Elem(); {
		case e == uuidType:
			return dialect.KindArray, dialect.KindUUID, true
		case e == timeType:
			return dialect.KindArray, dialect.KindTime, true
		case e.PkgPath() == "":
			switch e.Kind() {
			case reflect.String:
				return dialect.KindArray, dialect.KindString, true
			case reflect.Int64:
				return dialect.KindArray, dialect.KindInt64, true
			case reflect.Int32:
				return dialect.KindArray, dialect.KindInt32, true
			case reflect.Float64:
				return dialect.KindArray, dialect.KindFloat64, true
			case reflect.Bool:
				return dialect.KindArray, dialect.KindBool, true
			}
		}
	}
	// Exact decimals, recognised by name so that the core does not
	// depend on a decimal package: both are Scanner/Valuer types
	// (shopspring's Value is its exact text).
	switch t.PkgPath() + "." + t.Name() {
	case "github.com/shopspring/decimal.Decimal", "github.com/cockroachdb/apd/v3.Decimal":
		return dialect.KindDecimal, 0, true
	}
	return 0, 0, false
}

// nullKinds are database/sql's Null types, which are Scanner/Valuer
// types whose DDL type follows from the value they hold.
var nullKinds = map[reflect.Type]dialect.Kind{
	reflect.TypeFor[sql.NullInt64]():   dialect.KindInt64,
	reflect.TypeFor[sql.NullInt32]():   dialect.KindInt32,
	reflect.TypeFor[sql.NullInt16]():   dialect.KindInt16,
	reflect.TypeFor[sql.NullByte]():    dialect.KindInt16,
	reflect.TypeFor[sql.NullFloat64](): dialect.KindFloat64,
	reflect.TypeFor[sql.NullBool]():    dialect.KindBool,
	reflect.TypeFor[sql.NullString]():  dialect.KindString,
	reflect.TypeFor[sql.NullTime]():    dialect.KindTime,
}

// Typer is the method set of quarry.ColumnTyper, which a custom column
// type implements.
type Typer interface {
	ColumnType(d dialect.Dialect) string
}

// isJSONDocument reports whether t is an instance of quarry.JSON[T],
// recognised by name as the decimal types are, so that the mapping needs
// nothing from the package that declares it.
// A struct embedding one is a JSON document too, as it has its methods.
func isJSONDocument(t reflect.Type) bool {
	if t.PkgPath() == "github.com/quarry-orm/quarry" && strings.HasPrefix(t.Name(), "JSON[") {
		return true
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && ft != t && isJSONDocument(ft) {
			return true
		}
	}
	return false
}

// columnTyper returns the ColumnTyper a custom type implements, or nil.
func columnTyper(t reflect.Type) Typer {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !t.Implements(typerType) {
		return nil
	}
	return reflect.Zero(t).Interface().(Typer)
}

var (
	// ScannerType is sql.Scanner, which a pointer to a type decoding
	// itself implements.
	ScannerType = reflect.TypeFor[sql.Scanner]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
)

// GoKind is what KindOf found out about a column's Go type.
type GoKind struct {
	Kind, Elem dialect.Kind
	Nullable   bool
	Typer      Typer
}

// KindOf classifies a column's Go type for DDL and reports whether it is
// nullable (a pointer, sql.Null[T] or one of database/sql's NullXxx). A
// Scanner/Valuer type of unknown kind needs a `type=` tag or a
// ColumnType method (typed); mapping fails without one.
func KindOf(t reflect.Type, typed bool) (GoKind, error) {
	var g GoKind
	if t.Kind() == reflect.Pointer {
		g.Nullable = true
		t = t.Elem()
	} else if k, ok := nullKinds[t]; ok {
		g.Kind, g.Nullable = k, true
		return g, nil
	} else if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && t.NumField() == 2 && t.Field(0).Name == "V" {
		g.Nullable = true
		t = t.Field(0).Type
	}
	if k, elem, ok := builtinKind(t); ok {
		g.Kind, g.Elem = k, elem
		return g, nil
	}
	switch {
	case t == timeType:
		g.Kind = dialect.KindTime
		return g, nil
	case t == bytesType:
		g.Kind = dialect.KindBytes
		return g, nil
	}
	if g.Typer = columnTyper(t); g.Typer != nil {
		typed = true
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(ScannerType) && (t.Implements(valuerType) || pt.Implements(valuerType)) {
		if !typed {
			return g, fmt.Errorf("type %v (a sql.Scanner and driver.Valuer) has no column type: give it a ColumnType method (quarry.ColumnTyper) or the field a `type=` tag", t)
		}
		// A plain Scanner may write NULL; a ColumnTyper is NOT NULL
		// unless a pointer.
		g.Kind, g.Nullable = dialect.KindUnknown, g.Nullable || g.Typer == nil
		return g, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		g.Kind = dialect.KindBool
	case reflect.Int8, reflect.Int16, reflect.Uint8:
		g.Kind = dialect.KindInt16
	case reflect.Int32, reflect.Uint16:
		g.Kind = dialect.KindInt32
	case reflect.Int, reflect.Int64, reflect.Uint32, reflect.Uint, reflect.Uint64:
		g.Kind = dialect.KindInt64
	case reflect.Float32:
		g.Kind = dialect.KindFloat32
	case reflect.Float64:
		g.Kind = dialect.KindFloat64
	case reflect.String:
		g.Kind = dialect.KindString
	default:
		return g, fmt.Errorf("type %v is not supported: use a basic type, time.Time, time.Duration, []byte, uuid.UUID, quarry.JSON[T], a slice of a basic type, netip.Addr/Prefix, a pointer or sql.Null of one, or a type implementing sql.Scanner and driver.Valuer (with quarry.ColumnTyper)", t)
	}
	return g, nil
}

// NullField reports whether a field of type t holds NULL when zero: a
// pointer, or one of database/sql's Null types.
func NullField(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || t.Kind() == reflect.Struct && t.PkgPath() == "database/sql"
}
