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

// TypeName returns SQLite's DDL type for a column.
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
		// time.Time.
		return "TIMESTAMP"
	}
	return "BLOB"
}

// Capabilities describes SQLite.
func (Dialect) Capabilities() dialect.Capabilities {
	return dialect.Capabilities{
		MaxParams:         32766,
		LimitAll:          "-1",
		ConcurrentCursors: true,
		UpsertSelectWhere: true,
		GreatestFunc:      "max",
		LeastFunc:         "min",
	}
}
