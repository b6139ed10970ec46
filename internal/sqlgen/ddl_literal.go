package sqlgen

import (
	"database/sql/driver"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/quarry-orm/quarry/internal/errs"
)

// Literal writes v as an SQL literal, for the CHECK constraints and index
// predicates of DDL, which cannot carry bound parameters. Only values with
// one unambiguous literal form are accepted: NULL, booleans, integers,
// finite floats, and valid UTF-8 strings without NUL, quoted with each
// quote doubled (the SQL standard's only escape; neither SQLite nor
// PostgreSQL with standard_conforming_strings treats a backslash
// specially). Anything else fails the render with an error naming it.
func (w *Writer) Literal(v any) {
	if val, ok := v.(driver.Valuer); ok {
		dv, err := val.Value()
		if err != nil {
			w.Failf("a value of %T in DDL: %v", v, err)
			return
		}
		v = dv
	}
	if v == nil {
		w.Write("NULL")
		return
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			w.Write("NULL")
			return
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Bool:
		if rv.Bool() {
			w.Write("TRUE")
		} else {
			w.Write("FALSE")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.Buf = strconv.AppendInt(w.Buf, rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.Buf = strconv.AppendUint(w.Buf, rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			w.Fail(errs.InvalidArg("%v cannot be an SQL literal in DDL", f))
			return
		}
		w.Buf = strconv.AppendFloat(w.Buf, f, 'g', -1, 64)
	case reflect.String:
		s := rv.String()
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			w.Fail(errs.InvalidArg("string %q cannot be an SQL literal in DDL: invalid UTF-8 or NUL", s))
			return
		}
		w.WriteChar('\'')
		w.Write(strings.ReplaceAll(s, "'", "''"))
		w.WriteChar('\'')
	default:
		w.Fail(errs.InvalidArg("a value of %T cannot be an SQL literal in DDL: use a number, a bool or a string", v))
	}
}
