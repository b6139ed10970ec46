package quarry

import (
	"database/sql"
	"fmt"
	"reflect"
	"unsafe"
)

// Relationship keys: loaders and the unit of work match parents and
// children by the values of their key columns, read as comparable values
// normalised so that both sides of a foreign key compare equal.

// keyFunc returns the accessor that reads a key column's field as a
// comparable value, normalised so that a foreign key of type *int64 and
// the int64 key it references (or an int32 one) match.
func keyFunc[T any]() func(unsafe.Pointer) (any, bool) {
	var z T
	switch any(z).(type) {
	case int64:
		return func(p unsafe.Pointer) (any, bool) { return *(*int64)(p), true }
	case int:
		return func(p unsafe.Pointer) (any, bool) { return int64(*(*int)(p)), true }
	case int32:
		return func(p unsafe.Pointer) (any, bool) { return int64(*(*int32)(p)), true }
	case int16:
		return func(p unsafe.Pointer) (any, bool) { return int64(*(*int16)(p)), true }
	case string:
		return func(p unsafe.Pointer) (any, bool) { return *(*string)(p), true }
	case *int64:
		return derefKey(func(v int64) any { return v })
	case *int:
		return derefKey(func(v int) any { return int64(v) })
	case *int32:
		return derefKey(func(v int32) any { return int64(v) })
	case *int16:
		return derefKey(func(v int16) any { return int64(v) })
	case *string:
		return derefKey(func(v string) any { return v })
	case sql.Null[int64]:
		return func(p unsafe.Pointer) (any, bool) { n := *(*sql.Null[int64])(p); return n.V, n.Valid }
	case sql.Null[string]:
		return func(p unsafe.Pointer) (any, bool) { n := *(*sql.Null[string])(p); return n.V, n.Valid }
	case []byte:
		return func(p unsafe.Pointer) (any, bool) { b := *(*[]byte)(p); return string(b), b != nil }
	}
	// Other types: built once here, reflection per call (key columns of
	// unusual types are rare and loads are not per-row hot paths).
	t := reflect.TypeFor[T]()
	return func(p unsafe.Pointer) (any, bool) {
		v := reflect.NewAt(t, p).Elem()
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil, false
			}
			v = v.Elem()
		}
		return normalizeKey(v.Interface())
	}
}

func derefKey[X any](conv func(X) any) func(unsafe.Pointer) (any, bool) {
	return func(p unsafe.Pointer) (any, bool) {
		x := *(**X)(p)
		if x == nil {
			return nil, false
		}
		return conv(*x), true
	}
}

// normalizeKey normalises a value scanned into an any (driver values) the
// way keyFunc normalises fields: integers of any width and named integer
// types to int64, named strings and []byte to string.
func normalizeKey(v any) (any, bool) {
	if v == nil {
		return nil, false
	}
	if n, ok := argInt(v); ok {
		return n, true
	}
	if s, ok := argString(v); ok {
		return s, true
	}
	if b, ok := v.([]byte); ok {
		return string(b), true
	}
	if !reflect.TypeOf(v).Comparable() {
		return fmt.Sprint(v), true
	}
	return v, true
}
