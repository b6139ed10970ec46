package schema

import (
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/quarry-orm/quarry/internal/field"
)

// ValueIssue is what may keep a database from storing a value as it is.
type ValueIssue uint8

const (
	IssueNone ValueIssue = iota
	IssueNaN
	IssueNUL
	IssueUintRange
)

// ValueCheck is the storability check of a column: the one issue its Go
// type can have, and how to find it in a field without boxing it.
type ValueCheck struct {
	Kind ValueIssue
	Of   func(field.Ptr) ValueIssue
}

// CheckOf returns the check of a column of Go type T, zero for types
// every database stores as quarry writes them. Named types of a float,
// string or unsigned kind (enums, counters) are read through their
// underlying type.
func CheckOf[T any]() ValueCheck {
	var z T
	switch any(z).(type) {
	case *float64, *float32, sql.NullFloat64, sql.Null[float64], sql.Null[float32], []float64:
		return ValueCheck{IssueNaN, boxedCheck[T]}
	case *string, sql.NullString, sql.Null[string], []string:
		return ValueCheck{IssueNUL, boxedCheck[T]}
	}
	t := reflect.TypeFor[T]()
	if t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType) {
		return ValueCheck{} // a type of its own encodes itself
	}
	switch t.Kind() {
	case reflect.Uint64, reflect.Uint:
		if t.Size() != 8 {
			return ValueCheck{} // a 32-bit uint always fits
		}
		return ValueCheck{IssueUintRange, func(p field.Ptr) ValueIssue {
			if *field.As[uint64](p) > math.MaxInt64 {
				return IssueUintRange
			}
			return IssueNone
		}}
	case reflect.Float64:
		return ValueCheck{IssueNaN, func(p field.Ptr) ValueIssue { return nanIssue(*field.As[float64](p)) }}
	case reflect.Float32:
		return ValueCheck{IssueNaN, func(p field.Ptr) ValueIssue { return nanIssue(float64(*field.As[float32](p))) }}
	case reflect.String:
		return ValueCheck{IssueNUL, func(p field.Ptr) ValueIssue {
			if strings.IndexByte(*field.As[string](p), 0) >= 0 {
				return IssueNUL
			}
			return IssueNone
		}}
	}
	return ValueCheck{}
}

// boxedCheck checks a field of one of the nullable or array types,
// which it boxes to reuse hasNaN and hasNUL.
func boxedCheck[T any](p field.Ptr) ValueIssue {
	v := any(*field.As[T](p))
	if a, ok := v.([]string); ok {
		v = Array[string](a)
	} else if a, ok := v.([]float64); ok {
		v = Array[float64](a)
	}
	switch {
	case HasNaN(v):
		return IssueNaN
	case HasNUL(v):
		return IssueNUL
	}
	return IssueNone
}

// nanIssue classifies a float value.
func nanIssue(f float64) ValueIssue {
	if math.IsNaN(f) {
		return IssueNaN
	}
	return IssueNone
}

// HasNaN reports whether a float value, or an element of a float array,
// is NaN. The types are those a float column binds.
func HasNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return math.IsNaN(x)
	case float32:
		return math.IsNaN(float64(x))
	case *float64:
		return x != nil && math.IsNaN(*x)
	case *float32:
		return x != nil && math.IsNaN(float64(*x))
	case sql.NullFloat64:
		return x.Valid && math.IsNaN(x.Float64)
	case sql.Null[float64]:
		return x.Valid && math.IsNaN(x.V)
	case sql.Null[float32]:
		return x.Valid && math.IsNaN(float64(x.V))
	case Array[float64]:
		for _, f := range x {
			if math.IsNaN(f) {
				return true
			}
		}
	}
	return false
}

// HasNUL reports whether a string value, or an element of a string
// array, holds a NUL byte.
func HasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case *string:
		return x != nil && strings.IndexByte(*x, 0) >= 0
	case sql.NullString:
		return x.Valid && strings.IndexByte(x.String, 0) >= 0
	case sql.Null[string]:
		return x.Valid && strings.IndexByte(x.V, 0) >= 0
	case Array[string]:
		for _, s := range x {
			if strings.IndexByte(s, 0) >= 0 {
				return true
			}
		}
	}
	return false
}

// ShortValue prints v for an error message, quoted and cut to a length
// a log line can carry.
func ShortValue(v any) string {
	var s string
	switch x := v.(type) {
	case *string:
		s = fmt.Sprintf("%q", *x)
	case *float64:
		s = fmt.Sprint(*x)
	case *float32:
		s = fmt.Sprint(*x)
	case string:
		s = fmt.Sprintf("%q", x)
	default:
		s = fmt.Sprintf("%v", x)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
