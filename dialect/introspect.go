package dialect

import (
	"context"
	"strings"
)

// Introspector is implemented by a [Dialect] that can read the schema a
// database holds, so that quarry can compare it with the mapping
// (quarry.Diff, and the drift check of CreateAll). The queries run on q,
// which the caller supplies (and logs); they only read the catalog.
type Introspector interface {
	// Table returns the live shape of the table name in the current
	// schema; found is false when no such table exists.
	Table(ctx context.Context, q Querier, name string) (t LiveTable, found bool, err error)
	// SameType reports whether declared, a DDL type as [Dialect.TypeName]
	// or a `type=` tag writes it, and live, the type the catalog reports,
	// name the same type, tolerating the database's aliases (int4 and
	// INTEGER, varchar(n) and character varying(n), timestamptz and
	// timestamp with time zone).
	SameType(declared, live string) bool
}

// LiveTable is the shape of a table as the database's catalog reports it.
type LiveTable struct {
	Name string
	// Columns are in the table's column order.
	Columns []LiveColumn
	// PrimaryKey names the primary-key columns in key order.
	PrimaryKey []string
	// Indexes names the table's indexes (not those the database makes
	// for its own constraints), sorted.
	Indexes []string
}

// LiveColumn is one column of a [LiveTable].
type LiveColumn struct {
	Name string
	// Type is the type as the catalog spells it.
	Type    string
	NotNull bool
}

// NormalizeType puts an SQL type name in a canonical spelling for
// comparison: lower case, single spaces, no space inside parentheses or
// after commas, and the base name (the part before any "(" or "[")
// replaced through aliases when listed there.
func NormalizeType(s string, aliases map[string]string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	s = strings.NewReplacer("( ", "(", " )", ")", ", ", ",", " (", "(", " [", "[").Replace(s)
	base, rest := s, ""
	if i := strings.IndexAny(s, "(["); i >= 0 {
		base, rest = s[:i], s[i:]
	}
	if a, ok := aliases[base]; ok {
		base = a
	}
	return base + rest
}
