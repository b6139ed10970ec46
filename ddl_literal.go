package quarry

import (
	"database/sql/driver"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// literal writes v as an SQL literal, for the CHECK constraints and index
// predicates of DDL, which cannot carry bound parameters. Only values with
// one unambiguous literal form are accepted: NULL, booleans, integers,
// finite floats, and valid UTF-8 strings without NUL, quoted with each
// quote doubled (the SQL standard's only escape; neither SQLite nor
// PostgreSQL with standard_conforming_strings treats a backslash
// specially). Anything else fails the render with an error naming it.
func (w *writer) literal(v any) {
	if val, ok := v.(driver.Valuer); ok {
		dv, err := val.Value()
		if err != nil {
			w.failf("a value of %T in DDL: %v", v, err)
			return
		}
		v = dv
	}
	if v == nil {
		w.write("NULL")
		return
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			w.write("NULL")
			return
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Bool:
		if rv.Bool() {
			w.write("TRUE")
		} else {
			w.write("FALSE")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.buf = strconv.AppendInt(w.buf, rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.buf = strconv.AppendUint(w.buf, rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			w.fail(errInvalidArg("%v cannot be an SQL literal in DDL", f))
			return
		}
		w.buf = strconv.AppendFloat(w.buf, f, 'g', -1, 64)
	case reflect.String:
		s := rv.String()
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			w.fail(errInvalidArg("string %q cannot be an SQL literal in DDL: invalid UTF-8 or NUL", s))
			return
		}
		w.writeByte('\'')
		w.write(strings.ReplaceAll(s, "'", "''"))
		w.writeByte('\'')
	default:
		w.fail(errInvalidArg("a value of %T cannot be an SQL literal in DDL: use a number, a bool or a string", v))
	}
}
