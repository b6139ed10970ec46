package sqlite

import (
	"strconv"

	"github.com/quarry-orm/quarry/dialect"
)

// Dialect renders SQL for SQLite.
type Dialect struct{}

var _ dialect.Dialect = Dialect{}

// Name returns "sqlite".
func (Dialect) Name() string { return "sqlite" }

// AppendPlaceholder appends "?".
func (Dialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

// AppendIdent appends name in double quotes, with embedded quotes doubled.
func (Dialect) AppendIdent(b []byte, name string) []byte { return dialect.AppendQuoted(b, name) }

// TypeName returns SQLite's DDL type for a column, or "" for a kind it
// has none for.
func (Dialect) TypeName(t dialect.ColumnType) string {
	if t.SQLType != "" {
		return t.SQLType
	}
	switch t.Kind {
	case dialect.KindBool:
		return "BOOLEAN"
	case dialect.KindInt16, dialect.KindInt32, dialect.KindInt64:
		return "INTEGER"
	case dialect.KindFloat32, dialect.KindFloat64:
		return "REAL"
	case dialect.KindString:
		if t.Text {
			return "TEXT"
		}
		if t.Length > 0 {
			return "VARCHAR(" + strconv.Itoa(t.Length) + ")"
		}
		return "VARCHAR"
	case dialect.KindBytes:
		return "BLOB"
	case dialect.KindTime:
		// modernc.org/sqlite parses columns declared TIMESTAMP back into
		// time.Time; quarry writes them as fixed-width UTC text (time.go).
		return "TIMESTAMP"
	case dialect.KindUUID, dialect.KindInet, dialect.KindCIDR:
		// Canonical text: readable, and ordered as the values are.
		return "TEXT"
	case dialect.KindJSON, dialect.KindArray:
		// JSON text; arrays are JSON arrays.
		return "TEXT"
	case dialect.KindDecimal:
		// TEXT, not NUMERIC: NUMERIC affinity would turn 0.1 into a REAL.
		return "TEXT"
	case dialect.KindInterval:
		return "INTEGER" // nanoseconds
	}
	return ""
}

// Capabilities describes SQLite.
func (Dialect) Capabilities() dialect.Capabilities {
	return dialect.Capabilities{
		MaxParams:         32766,
		LimitAll:          "-1",
		ConcurrentCursors: true,
		UpsertSelectWhere: true,
		// Foreign keys are checked when rows are written.
		ForwardForeignKeys: true,
		GreatestFunc:       "max",
		LeastFunc:          "min",
		JSONValidCheck:     true,
		// A NaN is bound as NULL (refused); text keeps NUL bytes.
		TextNUL: true,
		// Decimals are exact text; order comparisons go through REAL.
		DecimalOrderCast: "REAL",
	}
}
