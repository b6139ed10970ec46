package schema

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/google/uuid"
	"github.com/quarry-orm/quarry/internal/field"
)

// CodecOps returns the accessors of a column of Go type T whose driver
// representation is that of codec type C, a type of the same memory
// layout (a named type over T) carrying Scan, Value and, where the
// database stores the type natively, NativeValue/NativeTarget. ok is
// false when T needs no codec.
func CodecOps[T any]() (acc field.Accessors, ok bool) {
	var z T
	switch any(z).(type) {
	case [16]byte:
		return viaCodec[T, uuidBytes](), true
	case []string:
		return viaCodec[T, Array[string]](), true
	case []int64:
		return viaCodec[T, Array[int64]](), true
	case []int32:
		return viaCodec[T, Array[int32]](), true
	case []float64:
		return viaCodec[T, Array[float64]](), true
	case []bool:
		return viaCodec[T, Array[bool]](), true
	case []uuid.UUID:
		return viaCodec[T, Array[uuid.UUID]](), true
	case []time.Time:
		return viaCodec[T, Array[time.Time]](), true
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
		return valueVia[T, CheckedUint64](), true
	case uint:
		return valueVia[T, CheckedUint](), true
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

// Bindable converts a value of a column's Go type to what is bound for
// it: its codec type when it has one (so a condition on a []string
// column binds a JSON array on SQLite and a text[] on PostgreSQL).
func Bindable[T any](v T) any {
	if acc, ok := CodecOps[T](); ok {
		return acc.Value(field.Of(&v))
	}
	return v
}

// EqualOf returns the change-detection comparison for T: its Equal(T)
// bool method when it has one, otherwise field by field.
func EqualOf[T any]() func(a, b field.Ptr) bool {
	var z T
	if _, ok := any(z).(interface{ Equal(T) bool }); ok {
		return func(a, b field.Ptr) bool {
			return any(field.Get[T](a)).(interface{ Equal(T) bool }).Equal(field.Get[T](b))
		}
	}
	return field.Equal[T]()
}

// KeyGenerator returns the generator of new keys for a UUID column type,
// nil for other types.
func KeyGenerator[T any]() func(field.Ptr) error {
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
