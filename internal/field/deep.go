package field

import (
	"bytes"
	"math"
	"reflect"
	"time"
	"unsafe"
)

// Change detection for column types beyond the common scalars, which
// Equal and Clone handle without reflection. The functions here
// are chosen once per column type, when the mapping is defined: named
// scalar types (type Status string) reuse the scalar code through their
// identical memory layout; other types compare and copy by reflection,
// deeply, so that an edit inside a slice or a map held by a
// Scanner/Valuer type is a change, and nothing panics on values Go cannot
// compare with == (slices, maps, funcs).

// NeedsDeep reports whether values of t may share mutable memory (a
// pointer, slice, map or interface at any depth), so that a snapshot must
// copy them deeply. time.Time counts as a value: its *Location is never
// changed in place.
func NeedsDeep(t reflect.Type) bool {
	if t == timeType {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	case reflect.Array:
		return t.Len() > 0 && NeedsDeep(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if NeedsDeep(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// EqualByType returns the comparison of two fields of type t.
func EqualByType(t reflect.Type) func(a, b Ptr) bool {
	switch t.Kind() {
	case reflect.Bool:
		return valueEqual[bool]()
	case reflect.Int:
		return valueEqual[int]()
	case reflect.Int8:
		return valueEqual[int8]()
	case reflect.Int16:
		return valueEqual[int16]()
	case reflect.Int32:
		return valueEqual[int32]()
	case reflect.Int64:
		return valueEqual[int64]()
	case reflect.Uint:
		return valueEqual[uint]()
	case reflect.Uint8:
		return valueEqual[uint8]()
	case reflect.Uint16:
		return valueEqual[uint16]()
	case reflect.Uint32:
		return valueEqual[uint32]()
	case reflect.Uint64:
		return valueEqual[uint64]()
	case reflect.Float32:
		return valueEqual[float32]()
	case reflect.Float64:
		return valueEqual[float64]()
	case reflect.String:
		return valueEqual[string]()
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // named []byte types
			return func(a, b Ptr) bool {
				x, y := *(*[]byte)(a), *(*[]byte)(b)
				return bytes.Equal(x, y) && (x == nil) == (y == nil)
			}
		}
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 { // [16]byte UUIDs
			n := t.Len()
			return func(a, b Ptr) bool {
				return bytes.Equal(unsafe.Slice((*byte)(a), n), unsafe.Slice((*byte)(b), n))
			}
		}
	}
	return func(a, b Ptr) bool {
		return deepEqual(reflect.NewAt(t, unsafe.Pointer(a)).Elem(), reflect.NewAt(t, unsafe.Pointer(b)).Elem(), 0)
	}
}

// maxDepth bounds the recursion of deepEqual and deepCopy, so that a
// cyclic value cannot overflow the stack: past it, values compare unequal
// (a harmless extra UPDATE) and are shared rather than copied.
const maxDepth = 100

// deepEqual compares two values of one type by value, at every depth.
// Both values are addressable or reached without unexported-field
// restrictions mattering: only the kind accessors are used, which read
// unexported fields too. NaN equals NaN (a value that did not change);
// funcs and channels are equal when they are the same; it never panics.
func deepEqual(x, y reflect.Value, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch x.Kind() {
	case reflect.Bool:
		return x.Bool() == y.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return x.Int() == y.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return x.Uint() == y.Uint()
	case reflect.Float32, reflect.Float64:
		a, b := x.Float(), y.Float()
		return a == b || math.IsNaN(a) && math.IsNaN(b)
	case reflect.Complex64, reflect.Complex128:
		return x.Complex() == y.Complex()
	case reflect.String:
		return x.String() == y.String()
	case reflect.Pointer:
		if x.IsNil() || y.IsNil() {
			return x.IsNil() == y.IsNil()
		}
		return x.Pointer() == y.Pointer() || deepEqual(x.Elem(), y.Elem(), depth+1)
	case reflect.Interface:
		if x.IsNil() || y.IsNil() {
			return x.IsNil() == y.IsNil()
		}
		x, y = x.Elem(), y.Elem()
		return x.Type() == y.Type() && deepEqual(x, y, depth+1)
	case reflect.Slice:
		if x.IsNil() != y.IsNil() || x.Len() != y.Len() {
			return false
		}
		if x.Type().Elem().Kind() == reflect.Uint8 {
			return bytes.Equal(x.Bytes(), y.Bytes())
		}
		fallthrough
	case reflect.Array:
		for i := range x.Len() {
			if !deepEqual(x.Index(i), y.Index(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Map:
		if x.IsNil() != y.IsNil() || x.Len() != y.Len() {
			return false
		}
		it := x.MapRange()
		for it.Next() {
			v := y.MapIndex(it.Key())
			if !v.IsValid() || !deepEqual(it.Value(), v, depth+1) {
				return false
			}
		}
		return true
	case reflect.Struct:
		if x.Type() == timeType && x.CanInterface() && y.CanInterface() {
			return x.Interface().(time.Time).Equal(y.Interface().(time.Time))
		}
		for i := range x.NumField() {
			if !deepEqual(x.Field(i), y.Field(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return x.Pointer() == y.Pointer()
	}
	return false
}

// deepCloner returns the snapshot copy of a field of type t.
func deepCloner(t reflect.Type) func(dst, src Ptr) {
	return func(dst, src Ptr) {
		deepCopy(reflect.NewAt(t, unsafe.Pointer(dst)).Elem(), reflect.NewAt(t, unsafe.Pointer(src)).Elem(), 0)
	}
}

// deepCopy sets dst (settable) to a copy of src that shares no mutable
// memory with it. Unexported struct fields are reached through their
// addresses, so that they are copied like the others.
func deepCopy(dst, src reflect.Value, depth int) {
	t := src.Type()
	if depth > maxDepth || !NeedsDeep(t) {
		dst.Set(src)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		p := reflect.New(t.Elem())
		deepCopy(p.Elem(), src.Elem(), depth+1)
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		n := src.Len()
		c := reflect.MakeSlice(t, n, n)
		for i := range n {
			deepCopy(c.Index(i), src.Index(i), depth+1)
		}
		dst.Set(c)
	case reflect.Array:
		for i := range src.Len() {
			deepCopy(dst.Index(i), src.Index(i), depth+1)
		}
	case reflect.Map:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		c := reflect.MakeMapWithSize(t, src.Len())
		it := src.MapRange()
		for it.Next() {
			k, v := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
			deepCopy(k, it.Key(), depth+1)
			deepCopy(v, it.Value(), depth+1)
			c.SetMapIndex(k, v)
		}
		dst.Set(c)
	case reflect.Interface:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		e := src.Elem()
		c := reflect.New(e.Type()).Elem()
		deepCopy(c, e, depth+1)
		dst.Set(c)
	case reflect.Struct:
		if !src.CanAddr() {
			tmp := reflect.New(t).Elem()
			tmp.Set(src)
			src = tmp
		}
		for i := range t.NumField() {
			ft := t.Field(i).Type
			d := reflect.NewAt(ft, unsafe.Pointer(dst.Field(i).UnsafeAddr())).Elem()
			s := reflect.NewAt(ft, unsafe.Pointer(src.Field(i).UnsafeAddr())).Elem()
			deepCopy(d, s, depth+1)
		}
	default:
		dst.Set(src)
	}
}

var timeType = reflect.TypeFor[time.Time]()
