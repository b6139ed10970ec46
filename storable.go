package quarry

import (
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
)

// A database that cannot store a value as it is would otherwise store
// something else without a word (SQLite binds a NaN as NULL) or fail
// with a message that names neither table nor column (PostgreSQL and a
// NUL byte in text). quarry checks the values it writes against the
// dialect's Capabilities before any SQL runs instead, and refuses them
// with ErrValueNotStorable, as it refuses an unsigned value too large
// for the signed 64-bit column that holds it.

// valueIssue is what may keep a database from storing a value as it is.
type valueIssue uint8

const (
	issueNone valueIssue = iota
	issueNaN
	issueNUL
	issueUintRange
)

// checkStorable returns an error wrapping ErrValueNotStorable when a
// column of obj holds a value the dialect cannot store.
func checkStorable(d Dialect, caps dialect.Capabilities, cols []*columnInfo, obj field.Ptr) error {
	for _, c := range cols {
		if err := checkField(d, caps, c, obj); err != nil {
			return err
		}
	}
	return nil
}

// checkField checks column c of obj. A column whose only possible issue
// the dialect stores as it is (NUL on SQLite, NaN on PostgreSQL) is not
// read at all.
func checkField(d Dialect, caps dialect.Capabilities, c *columnInfo, obj field.Ptr) error {
	if c.check.of == nil || stores(caps, c.check.kind) {
		return nil
	}
	p := c.ptr(obj)
	if is := c.check.of(p); is != issueNone {
		return notStorable(d, c, is, c.value(p))
	}
	return nil
}

// checkColumnValue checks one bound value v of column c, for values
// that statements hold already boxed (the assignments of an UPDATE).
func checkColumnValue(d Dialect, caps dialect.Capabilities, c *columnInfo, v any) error {
	is := issueNone
	switch x := v.(type) {
	case checkedUint64:
		if uint64(x) > math.MaxInt64 {
			is = issueUintRange
		}
	case checkedUint:
		if uint64(x) > math.MaxInt64 {
			is = issueUintRange
		}
	default:
		switch {
		case hasNaN(v):
			is = issueNaN
		case hasNUL(v):
			is = issueNUL
		}
	}
	if is == issueNone || stores(caps, is) {
		return nil
	}
	return notStorable(d, c, is, v)
}

// stores reports whether a database with caps stores a value with the
// issue is as it is.
func stores(caps dialect.Capabilities, is valueIssue) bool {
	switch is {
	case issueNaN:
		return caps.StoresNaN
	case issueNUL:
		return caps.TextNUL
	}
	return false
}

// notStorable is the error for value v of column c.
func notStorable(d Dialect, c *columnInfo, is valueIssue, v any) error {
	if is == issueUintRange {
		return fmt.Errorf("%w: %w: column %s.%s, unsigned value %s does not fit the column's 64-bit signed integer", ErrValueNotStorable, ErrInvalidArgument, c.table.name, c.name, shortValue(v))
	}
	why := "NaN (it would store NULL)"
	if is == issueNUL {
		why = "a NUL byte in text"
	}
	return fmt.Errorf("%w: %s cannot store %s: column %s.%s, value %s", ErrValueNotStorable, d.Name(), why, c.table.name, c.name, shortValue(v))
}

// valueCheck is the storability check of a column: the one issue its Go
// type can have, and how to find it in a field without boxing it.
type valueCheck struct {
	kind valueIssue
	of   func(field.Ptr) valueIssue
}

// checkOf returns the check of a column of Go type T, zero for types
// every database stores as quarry writes them. Named types of a float,
// string or unsigned kind (enums, counters) are read through their
// underlying type.
func checkOf[T any]() valueCheck {
	var z T
	switch any(z).(type) {
	case *float64, *float32, sql.NullFloat64, sql.Null[float64], sql.Null[float32], []float64:
		return valueCheck{issueNaN, boxedCheck[T]}
	case *string, sql.NullString, sql.Null[string], []string:
		return valueCheck{issueNUL, boxedCheck[T]}
	}
	t := reflect.TypeFor[T]()
	if t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType) {
		return valueCheck{} // a type of its own encodes itself
	}
	switch t.Kind() {
	case reflect.Uint64, reflect.Uint:
		if t.Size() != 8 {
			return valueCheck{} // a 32-bit uint always fits
		}
		return valueCheck{issueUintRange, func(p field.Ptr) valueIssue {
			if *field.As[uint64](p) > math.MaxInt64 {
				return issueUintRange
			}
			return issueNone
		}}
	case reflect.Float64:
		return valueCheck{issueNaN, func(p field.Ptr) valueIssue { return nanIssue(*field.As[float64](p)) }}
	case reflect.Float32:
		return valueCheck{issueNaN, func(p field.Ptr) valueIssue { return nanIssue(float64(*field.As[float32](p))) }}
	case reflect.String:
		return valueCheck{issueNUL, func(p field.Ptr) valueIssue {
			if strings.IndexByte(*field.As[string](p), 0) >= 0 {
				return issueNUL
			}
			return issueNone
		}}
	}
	return valueCheck{}
}

// boxedCheck checks a field of one of the nullable or array types,
// which it boxes to reuse hasNaN and hasNUL.
func boxedCheck[T any](p field.Ptr) valueIssue {
	v := any(*field.As[T](p))
	if a, ok := v.([]string); ok {
		v = array[string](a)
	} else if a, ok := v.([]float64); ok {
		v = array[float64](a)
	}
	switch {
	case hasNaN(v):
		return issueNaN
	case hasNUL(v):
		return issueNUL
	}
	return issueNone
}

// nanIssue classifies a float value.
func nanIssue(f float64) valueIssue {
	if math.IsNaN(f) {
		return issueNaN
	}
	return issueNone
}

// hasNaN reports whether a float value, or an element of a float array,
// is NaN. The types are those a float column binds.
func hasNaN(v any) bool {
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
	case array[float64]:
		for _, f := range x {
			if math.IsNaN(f) {
				return true
			}
		}
	}
	return false
}

// hasNUL reports whether a string value, or an element of a string
// array, holds a NUL byte.
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case *string:
		return x != nil && strings.IndexByte(*x, 0) >= 0
	case sql.NullString:
		return x.Valid && strings.IndexByte(x.String, 0) >= 0
	case sql.Null[string]:
		return x.Valid && strings.IndexByte(x.V, 0) >= 0
	case array[string]:
		for _, s := range x {
			if strings.IndexByte(s, 0) >= 0 {
				return true
			}
		}
	}
	return false
}

// shortValue prints v for an error message, quoted and cut to a length
// a log line can carry.
func shortValue(v any) string {
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

// checkValues checks every object the flush writes, in flush order,
// before its first statement.
func (u *unitOfWork) checkValues() error {
	d := u.dialect()
	caps := d.Capabilities()
	for _, m := range u.order {
		w := u.work[m]
		for _, sts := range [][]*objState{w.pending, w.persistent} {
			for _, st := range sts {
				if err := checkStorable(d, caps, m.t.columns, st.obj); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
