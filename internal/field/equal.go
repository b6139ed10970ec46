package field

import (
	"bytes"
	"database/sql"
	"reflect"
	"time"
)

func valueEqual[X comparable]() func(a, b Ptr) bool {
	return func(a, b Ptr) bool { return *(*X)(a) == *(*X)(b) }
}

func pointerEqual[X comparable]() func(a, b Ptr) bool {
	return func(a, b Ptr) bool {
		x, y := *(**X)(a), *(**X)(b)
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y
	}
}

func Equal[T any]() func(a, b Ptr) bool {
	var z T
	switch any(z).(type) {
	case bool:
		return valueEqual[bool]()
	case int:
		return valueEqual[int]()
	case int8:
		return valueEqual[int8]()
	case int16:
		return valueEqual[int16]()
	case int32:
		return valueEqual[int32]()
	case int64:
		return valueEqual[int64]()
	case uint:
		return valueEqual[uint]()
	case uint8:
		return valueEqual[uint8]()
	case uint16:
		return valueEqual[uint16]()
	case uint32:
		return valueEqual[uint32]()
	case uint64:
		return valueEqual[uint64]()
	case float32:
		return valueEqual[float32]()
	case float64:
		return valueEqual[float64]()
	case string:
		return valueEqual[string]()
	case *bool:
		return pointerEqual[bool]()
	case *int:
		return pointerEqual[int]()
	case *int16:
		return pointerEqual[int16]()
	case *int32:
		return pointerEqual[int32]()
	case *int64:
		return pointerEqual[int64]()
	case *float32:
		return pointerEqual[float32]()
	case *float64:
		return pointerEqual[float64]()
	case *string:
		return pointerEqual[string]()
	case []byte:
		return func(a, b Ptr) bool {
			x, y := *(*[]byte)(a), *(*[]byte)(b)
			return bytes.Equal(x, y) && (x == nil) == (y == nil)
		}
	case time.Time:
		return func(a, b Ptr) bool { return (*time.Time)(a).Equal(*(*time.Time)(b)) }
	case *time.Time:
		return func(a, b Ptr) bool {
			x, y := *(**time.Time)(a), *(**time.Time)(b)
			if x == nil || y == nil {
				return x == y
			}
			return x.Equal(*y)
		}
	case sql.Null[string]:
		return valueEqual[sql.Null[string]]()
	case sql.Null[int64]:
		return valueEqual[sql.Null[int64]]()
	case sql.Null[int32]:
		return valueEqual[sql.Null[int32]]()
	case sql.Null[float64]:
		return valueEqual[sql.Null[float64]]()
	case sql.Null[bool]:
		return valueEqual[sql.Null[bool]]()
	case sql.Null[time.Time]:
		return func(a, b Ptr) bool {
			x, y := (*sql.Null[time.Time])(a), (*sql.Null[time.Time])(b)
			return x.Valid == y.Valid && (!x.Valid || x.V.Equal(y.V))
		}
	}
	// Other types: chosen once per type, at mapping time.
	return EqualByType(reflect.TypeFor[T]())
}
