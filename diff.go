package quarry

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/schema"
)

// ErrSchemaDrift is wrapped by the error of [DB.CreateAll] when a table
// that exists does not match its mapping; the error is a *[SchemaError]
// listing the differences.
var ErrSchemaDrift = errors.New("quarry: the database schema does not match the mapping")

// DiffKind classifies a [Difference].
type DiffKind uint8

// The kinds of difference [DB.Diff] reports.
const (
	// MissingTable: the table does not exist (CreateAll creates it).
	MissingTable DiffKind = iota + 1
	// MissingColumn: the mapping has a column the table lacks.
	MissingColumn
	// ExtraColumn: the table has a column the mapping lacks.
	ExtraColumn
	// TypeMismatch: the column's type differs (aliases tolerated).
	TypeMismatch
	// NullMismatch: the mapping says NOT NULL and the table allows NULL,
	// or the other way round.
	NullMismatch
	// PrimaryKeyMismatch: the primary key has other columns or another
	// column order.
	PrimaryKeyMismatch
	// MissingIndex: an index the table struct declares does not exist
	// (CreateAll creates it).
	MissingIndex
)

var diffKindNames = [...]string{
	MissingTable: "missing table", MissingColumn: "missing column", ExtraColumn: "extra column",
	TypeMismatch: "type differs", NullMismatch: "nullability differs",
	PrimaryKeyMismatch: "primary key differs", MissingIndex: "missing index",
}

// String returns a short description of the kind ("missing column").
func (k DiffKind) String() string {
	if int(k) < len(diffKindNames) && diffKindNames[k] != "" {
		return diffKindNames[k]
	}
	return "unknown difference"
}

// Difference is one way a table in the database differs from its
// mapping, as [DB.Diff] reports it. Want is what the mapping declares and
// Got what the database has, each in the database's own terms ("" where
// one side has nothing).
type Difference struct {
	Kind  DiffKind
	Table string
	// Column names the column, or the index of a MissingIndex; it is
	// empty for MissingTable and PrimaryKeyMismatch.
	Column    string
	Want, Got string

	t  *table
	c  *schema.Column
	ix *Index
}

// String describes the difference in one line, as the error of CreateAll
// lists it.
func (d Difference) String() string {
	var b strings.Builder
	b.WriteString("table " + quoteName(d.Table) + ": " + d.Kind.String())
	if d.Column != "" {
		b.WriteString(" " + quoteName(d.Column))
	}
	switch {
	case d.Want != "" && d.Got != "":
		b.WriteString(": mapping has " + d.Want + ", database has " + d.Got)
	case d.Want != "":
		b.WriteString(" (" + d.Want + ")")
	case d.Got != "":
		b.WriteString(" (" + d.Got + ")")
	}
	return b.String()
}

func quoteName(s string) string { return `"` + s + `"` }

// SchemaError is the error of [DB.CreateAll] when tables that exist do not
// match their mappings. It wraps [ErrSchemaDrift].
type SchemaError struct {
	// Differences are the tables' differences, as [DB.Diff] returns them
	// (without the missing tables and indexes CreateAll would create).
	Differences []Difference
}

func (e *SchemaError) Error() string {
	parts := make([]string, len(e.Differences))
	for i, d := range e.Differences {
		parts[i] = d.String()
	}
	return ErrSchemaDrift.Error() + ": " + strings.Join(parts, "; ")
}

// Unwrap returns [ErrSchemaDrift].
func (e *SchemaError) Unwrap() error { return ErrSchemaDrift }

// Diff compares the tables in the database with their mappings and
// returns each difference, table by table (parents first, in CreateAll's
// order), column by column in mapping order: missing tables, missing and
// extra columns, types (compared through the dialect's aliases: int4 and
// INTEGER, varchar(n) and character varying(n) are the same), nullability,
// the primary key, and declared indexes that do not exist. An empty result
// means the database matches. Diff only reads the catalog; nothing is
// changed. UNIQUE, CHECK and foreign-key constraints and defaults are not
// compared.
func (db *DB) Diff(ctx context.Context, items ...SchemaItem) ([]Difference, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	tables, err := sortTables(items)
	if err != nil {
		return nil, err
	}
	return db.diff(ctx, tables)
}

func (db *DB) diff(ctx context.Context, tables []*table) ([]Difference, error) {
	in, ok := db.dialect.(dialect.Introspector)
	if !ok {
		return nil, &unsupportedError{what: "reading the schema (Diff)", dialect: db.dialect.Name()}
	}
	q := loggedQuerier{db: db, q: db.drv}
	var out []Difference
	for _, t := range tables {
		live, found, err := in.Table(ctx, q, t.Name)
		if err != nil {
			return nil, wrapErr(err, "reading the schema of table %q", t.Name)
		}
		if !found {
			out = append(out, Difference{Kind: MissingTable, Table: t.Name, t: t})
			continue
		}
		out = append(out, diffTable(db.dialect, in, t, live)...)
	}
	return out, nil
}

// diffTable compares one existing table with its mapping.
func diffTable(d Dialect, in dialect.Introspector, t *table, live dialect.LiveTable) []Difference {
	caps := d.Capabilities()
	var out []Difference
	byName := make(map[string]dialect.LiveColumn, len(live.Columns))
	for _, lc := range live.Columns {
		byName[lc.Name] = lc
	}
	for _, c := range t.Columns {
		want := ddlType(d, caps, c)
		lc, ok := byName[c.Name]
		if !ok {
			out = append(out, Difference{Kind: MissingColumn, Table: t.Name, Column: c.Name, Want: want + nullText(!c.Nullable), t: t, c: c})
			continue
		}
		if !in.SameType(want, lc.Type) {
			out = append(out, Difference{Kind: TypeMismatch, Table: t.Name, Column: c.Name, Want: want, Got: lc.Type, t: t, c: c})
		}
		// A primary key is never NULL; SQLite reports its non-integer
		// key columns NULL-able unless declared NOT NULL, a quirk its
		// documentation keeps for compatibility. The key is compared
		// below.
		if !c.PK && lc.NotNull == c.Nullable {
			out = append(out, Difference{Kind: NullMismatch, Table: t.Name, Column: c.Name,
				Want: strings.TrimSpace(nullText(!c.Nullable)), Got: strings.TrimSpace(nullText(lc.NotNull)), t: t, c: c})
		}
	}
	for _, lc := range live.Columns {
		if _, mapped := t.ByName[lc.Name]; !mapped {
			out = append(out, Difference{Kind: ExtraColumn, Table: t.Name, Column: lc.Name, Got: lc.Type + nullText(lc.NotNull), t: t})
		}
	}
	pk := make([]string, len(t.PK))
	for i, c := range t.PK {
		pk[i] = c.Name
	}
	if !slices.Equal(pk, live.PrimaryKey) {
		out = append(out, Difference{Kind: PrimaryKeyMismatch, Table: t.Name,
			Want: "(" + strings.Join(pk, ", ") + ")", Got: "(" + strings.Join(live.PrimaryKey, ", ") + ")", t: t})
	}
	for i := range t.indexes {
		ix := &t.indexes[i]
		if !slices.Contains(live.Indexes, ix.name) {
			out = append(out, Difference{Kind: MissingIndex, Table: t.Name, Column: ix.name, t: t, ix: ix})
		}
	}
	return out
}

func nullText(notNull bool) string {
	if notNull {
		return " NOT NULL"
	}
	return " NULL"
}

// drift returns the differences that CreateAll cannot repair by creating
// what is missing.
func drift(diffs []Difference) []Difference {
	var out []Difference
	for _, d := range diffs {
		if d.Kind != MissingTable && d.Kind != MissingIndex {
			out = append(out, d)
		}
	}
	return out
}

// loggedQuerier runs the introspection queries of a dialect through the
// DB, so that they are logged and their errors wrapped like any other.
type loggedQuerier struct {
	db *DB
	q  dialect.Querier
}

func (l loggedQuerier) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	return l.db.query(ctx, l.q, OpSelect, sql, args)
}

func (l loggedQuerier) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	return l.db.exec(ctx, l.q, OpDDL, sql, args)
}
