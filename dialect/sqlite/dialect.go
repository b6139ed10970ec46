package sqlite

import (
	"strconv"

	"github.com/quarry-orm/quarry"
)

// Dialect renders SQL for SQLite.
type Dialect struct{}

var _ quarry.Dialect = Dialect{}

// Name returns "sqlite".
func (Dialect) Name() string { return "sqlite" }

// AppendPlaceholder appends "?".
func (Dialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }

// AppendIdent appends name in double quotes, with embedded quotes doubled.
func (Dialect) AppendIdent(b []byte, name string) []byte {
	b = append(b, '"')
	for i := 0; i < len(name); i++ {
		if name[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, name[i])
	}
	return append(b, '"')
}

// TypeName returns SQLite's DDL type for a column.
func (Dialect) TypeName(t quarry.ColumnType) string {
	if t.SQLType != "" {
		return t.SQLType
	}
	switch t.Kind {
	case quarry.KindBool:
		return "BOOLEAN"
	case quarry.KindInt16, quarry.KindInt32, quarry.KindInt64:
		return "INTEGER"
	case quarry.KindFloat32, quarry.KindFloat64:
		return "REAL"
	case quarry.KindString:
		if t.Text {
			return "TEXT"
		}
		if t.Length > 0 {
			return "VARCHAR(" + strconv.Itoa(t.Length) + ")"
		}
		return "VARCHAR"
	case quarry.KindBytes:
		return "BLOB"
	case quarry.KindTime:
		// modernc.org/sqlite parses columns declared TIMESTAMP back into
		// time.Time.
		return "TIMESTAMP"
	}
	return "BLOB"
}

// Capabilities describes SQLite.
func (Dialect) Capabilities() quarry.Capabilities {
	return quarry.Capabilities{
		MaxParams:         32766,
		LimitAll:          "-1",
		ConcurrentCursors: true,
	}
}
