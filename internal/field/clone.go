package field

import (
	"bytes"
	"reflect"
	"time"
)

// Clone copies a field for a snapshot, deeply: changing the object
// later in place (through a pointer, an element of a slice, a key of a
// map, at any depth) is seen as a change, and restoring a snapshot shares
// no mutable memory with it.
func Clone[T any]() func(dst, src Ptr) {
	var z T
	switch any(z).(type) {
	case []byte:
		return cloneBytes
	}
	t := reflect.TypeFor[T]()
	switch {
	case !NeedsDeep(t):
		// Values without shared mutable parts (numbers, strings,
		// time.Time, structs and arrays of them) copy by assignment.
		return func(dst, src Ptr) { *(*T)(dst) = *(*T)(src) }
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return cloneBytes // named []byte types (json.RawMessage)
	case t.Kind() == reflect.Pointer && !NeedsDeep(t.Elem()):
		return func(dst, src Ptr) {
			if *(*Ptr)(src) == nil {
				*(*T)(dst) = *(*T)(src)
				return
			}
			// T is *X: copy the pointee so in-place edits are detected.
			*(*T)(dst) = clonePointer(*(*T)(src))
		}
	}
	return deepCloner(t)
}

func cloneBytes(dst, src Ptr) {
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
