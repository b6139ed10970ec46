package field

import (
	"database/sql"
	"reflect"
	"unsafe"
)

// Key returns the accessor that reads a key column's field of type T as a
// comparable value, normalised so that a foreign key of type *int64 and
// the int64 key it references (or an int32 one) match; false when NULL.
// Types other than the common ones are read by reflection and passed
// through normalize.
func Key[T any](normalize func(any) (any, bool)) func(Ptr) (any, bool) {
	var z T
	switch any(z).(type) {
	case int64:
		return func(p Ptr) (any, bool) { return *(*int64)(p), true }
	case int:
		return func(p Ptr) (any, bool) { return int64(*(*int)(p)), true }
	case int32:
		return func(p Ptr) (any, bool) { return int64(*(*int32)(p)), true }
	case int16:
		return func(p Ptr) (any, bool) { return int64(*(*int16)(p)), true }
	case string:
		return func(p Ptr) (any, bool) { return *(*string)(p), true }
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
		return func(p Ptr) (any, bool) { n := *(*sql.Null[int64])(p); return n.V, n.Valid }
	case sql.Null[string]:
		return func(p Ptr) (any, bool) { n := *(*sql.Null[string])(p); return n.V, n.Valid }
	case []byte:
		return func(p Ptr) (any, bool) { b := *(*[]byte)(p); return string(b), b != nil }
	}
	// Other types: built once here, reflection per call (key columns of
	// unusual types are rare and loads are not per-row hot paths).
	t := reflect.TypeFor[T]()
	return func(p Ptr) (any, bool) {
		v := reflect.NewAt(t, unsafe.Pointer(p)).Elem()
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil, false
			}
			v = v.Elem()
		}
		return normalize(v.Interface())
	}
}

func derefKey[X any](conv func(X) any) func(Ptr) (any, bool) {
	return func(p Ptr) (any, bool) {
		x := *(**X)(p)
		if x == nil {
			return nil, false
		}
		return conv(*x), true
	}
}
