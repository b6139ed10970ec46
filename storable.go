package quarry

import (
	"database/sql"
	"fmt"
	"math"
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

// checkStorable returns an error wrapping ErrValueNotStorable when a
// column of obj holds a value the dialect cannot store.
func checkStorable(d Dialect, caps dialect.Capabilities, cols []*columnInfo, obj field.Ptr) error {
	for _, c := range cols {
		if err := checkColumnValue(d, caps, c, c.value(c.ptr(obj))); err != nil {
			return err
		}
	}
	return nil
}

// checkColumnValue checks one bound value v of column c.
func checkColumnValue(d Dialect, caps dialect.Capabilities, c *columnInfo, v any) error {
	kind := c.kind
	if kind == dialect.KindArray {
		kind = c.elem
	}
	var why string
	switch x := v.(type) {
	case checkedUint64:
		if uint64(x) > math.MaxInt64 {
			return fmt.Errorf("%w: %w: column %s.%s, unsigned value %d does not fit the column's 64-bit signed integer", ErrValueNotStorable, ErrInvalidArgument, c.table.name, c.name, uint64(x))
		}
	case checkedUint:
		if uint64(x) > math.MaxInt64 {
			return fmt.Errorf("%w: %w: column %s.%s, unsigned value %d does not fit the column's 64-bit signed integer", ErrValueNotStorable, ErrInvalidArgument, c.table.name, c.name, uint64(x))
		}
	}
	switch kind {
	case dialect.KindFloat32, dialect.KindFloat64:
		if !caps.StoresNaN && hasNaN(v) {
			why = "NaN (it would store NULL)"
		}
	case dialect.KindString:
		if !caps.TextNUL && hasNUL(v) {
			why = "a NUL byte in text"
		}
	}
	if why == "" {
		return nil
	}
	return fmt.Errorf("%w: %s cannot store %s: column %s.%s, value %s", ErrValueNotStorable, d.Name(), why, c.table.name, c.name, shortValue(v))
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
