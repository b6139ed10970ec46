package quarry

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"time"

	"github.com/google/uuid"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
)

// ColumnTyper is the custom-type interface: a Go type that maps to a
// column by itself implements it, with a value receiver, together with
// the two database/sql interfaces:
//
//   - ColumnType names the DDL type for a dialect ("" when the type has
//     none there, which CreateAll reports as an error);
//   - driver.Valuer (value receiver) encodes the value for the driver:
//     text, an integer, []byte, time.Time;
//   - sql.Scanner (pointer receiver) decodes what the driver read;
//   - optionally Equal(T) bool, which change detection then uses instead
//     of comparing the values field by field (as shopspring/decimal has);
//   - optionally [dialect.NativeValuer] and [dialect.NativeTarget], to
//     hand a driver that stores the type natively (pgx) the Go value
//     itself instead of its portable encoding.
//
// The methods are looked up once, when the table is mapped, never per
// row. The built-in types (UUID, JSON, arrays, netip, time.Duration) work
// the same way, through types of the same memory layout as the field that
// carry these methods, so reading and writing them allocates nothing
// more than a plain column does. A Scanner/Valuer type without
// ColumnType needs a `type=` tag; without one, mapping fails naming the
// field.
type ColumnTyper interface {
	ColumnType(d Dialect) string
}

// codecOps returns the accessors of a column of Go type T whose driver
// representation is that of codec type C, a type of the same memory
// layout (a named type over T) carrying Scan, Value and, where the
// database stores the type natively, NativeValue/NativeTarget. ok is
// false when T needs no codec.
func codecOps[T any]() (acc field.Accessors, ok bool) {
	var z T
	switch any(z).(type) {
	case [16]byte:
		return viaCodec[T, uuidBytes](), true
	case []string:
		return viaCodec[T, array[string]](), true
	case []int64:
		return viaCodec[T, array[int64]](), true
	case []int32:
		return viaCodec[T, array[int32]](), true
	case []float64:
		return viaCodec[T, array[float64]](), true
	case []bool:
		return viaCodec[T, array[bool]](), true
	case []uuid.UUID:
		return viaCodec[T, array[uuid.UUID]](), true
	case []time.Time:
		return viaCodec[T, array[time.Time]](), true
	case json.RawMessage:
		return viaCodec[T, rawJSON](), true
	case map[string]any:
		return viaCodec[T, jsonMap](), true
	case netip.Addr:
		return viaCodec[T, inetAddr](), true
	case netip.Prefix:
		return viaCodec[T, inetPrefix](), true
	case time.Duration:
		return viaCodec[T, interval](), true
	case uint64:
		return valueVia[T, checkedUint64](), true
	case uint:
		return valueVia[T, checkedUint](), true
	case []byte:
		return valueVia[T, notNullBytes](), true
	}
	return field.Accessors{}, false
}

// viaCodec builds the accessors of a T field through codec type C: T and
// C must have the same memory layout (C is a named type over T).
func viaCodec[T, C any]() field.Accessors {
	acc := field.AccessorsOf[C]()
	return field.Accessors{
		Dest:  acc.Dest,
		Value: acc.Value,
		// Assign keeps taking values of the column's own type.
		Assign: field.AccessorsOf[T]().Assign,
	}
}

// valueVia is viaCodec for a codec that only checks or adjusts the
// value written: the field itself is the scan destination.
func valueVia[T, C any]() field.Accessors {
	acc := field.AccessorsOf[T]()
	acc.Value = field.AccessorsOf[C]().Value
	return acc
}

// bindable converts a value of a column's Go type to what is bound for
// it: its codec type when it has one (so a condition on a []string
// column binds a JSON array on SQLite and a text[] on PostgreSQL).
func bindable[T any](v T) any {
	if acc, ok := codecOps[T](); ok {
		return acc.Value(field.Of(&v))
	}
	return v
}

// equalOf returns the change-detection comparison for T: its Equal(T)
// bool method when it has one, otherwise field by field.
func equalOf[T any]() func(a, b field.Ptr) bool {
	var z T
	if _, ok := any(z).(interface{ Equal(T) bool }); ok {
		return func(a, b field.Ptr) bool {
			return any(field.Get[T](a)).(interface{ Equal(T) bool }).Equal(field.Get[T](b))
		}
	}
	return field.Equal[T]()
}

// keyGenerator returns the generator of new keys for a UUID column type,
// nil for other types.
func keyGenerator[T any]() func(field.Ptr) error {
	var z T
	switch any(z).(type) {
	case uuid.UUID, [16]byte:
		return func(p field.Ptr) error {
			if *field.As[[16]byte](p) != ([16]byte{}) {
				return nil
			}
			u, err := uuid.NewRandom()
			if err != nil {
				return fmt.Errorf("quarry: generating a UUID key: %w", err)
			}
			*field.As[[16]byte](p) = u
			return nil
		}
	}
	return nil
}

var (
	uuidType     = reflect.TypeFor[uuid.UUID]()
	uuid16Type   = reflect.TypeFor[[16]byte]()
	rawJSONType  = reflect.TypeFor[json.RawMessage]()
	jsonMapType  = reflect.TypeFor[map[string]any]()
	addrType     = reflect.TypeFor[netip.Addr]()
	prefixType   = reflect.TypeFor[netip.Prefix]()
	durationType = reflect.TypeFor[time.Duration]()
	typerType    = reflect.TypeFor[ColumnTyper]()
	jsonerType   = reflect.TypeFor[jsonColumn]()
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
	if t.Implements(jsonerType) {
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

// columnTyper returns the ColumnTyper a custom type implements, or nil.
func columnTyper(t reflect.Type) ColumnTyper {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !t.Implements(typerType) {
		return nil
	}
	return reflect.Zero(t).Interface().(ColumnTyper)
}

var _ driver.Valuer = uuidBytes{}

// genKeys gives a new object's zero UUID primary key columns a new UUID,
// before its INSERT and before its identity is taken, so the identity
// map and the foreign keys of its children see the key.
func genKeys(t *table, obj field.Ptr) error {
	for _, c := range t.pk {
		if c.genKey != nil {
			if err := c.genKey(c.ptr(obj)); err != nil {
				return err
			}
		}
	}
	return nil
}
