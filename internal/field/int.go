package field

import "reflect"

// IsInt reports whether k is an integer kind a key or version counter can
// have (uintptr excluded).
func IsInt(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Uint64 && k != reflect.Uintptr
}

// Ints returns the reader and writer of an integer field of kind k, as an
// int64, so keys and version counters need no boxing.
func Ints(k reflect.Kind) (get func(Ptr) int64, set func(Ptr, int64)) {
	switch k {
	case reflect.Int:
		return intOf[int]()
	case reflect.Int8:
		return intOf[int8]()
	case reflect.Int16:
		return intOf[int16]()
	case reflect.Int32:
		return intOf[int32]()
	case reflect.Int64:
		return intOf[int64]()
	case reflect.Uint:
		return intOf[uint]()
	case reflect.Uint8:
		return intOf[uint8]()
	case reflect.Uint16:
		return intOf[uint16]()
	case reflect.Uint32:
		return intOf[uint32]()
	default: // Uint64
		return intOf[uint64]()
	}
}

type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func intOf[X integer]() (func(Ptr) int64, func(Ptr, int64)) {
	return func(p Ptr) int64 { return int64(*(*X)(p)) }, func(p Ptr, v int64) { *(*X)(p) = X(v) }
}
