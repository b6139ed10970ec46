package quarry

import (
	"bufio"
	"io"
	"strings"

	"github.com/quarry-orm/quarry/internal/schema"
)

// Migration is a schema change as SQL statements, for a migration tool to
// apply: Up makes the database match the mappings, Down reverts Up (in
// reverse order). A statement may be an SQL comment ("-- ...") where
// quarry cannot write the change for the dialect (changing a column's
// type on SQLite, a primary key): the migration then says what to do by
// hand. quarry never runs a migration.
type Migration struct {
	Up, Down []string
}

// MigrationFor returns the statements that repair the differences diffs,
// as [DB.Diff] found them, on the dialect d: CREATE TABLE (and its
// indexes) for a missing table, ALTER TABLE ... ADD COLUMN for a missing
// column, DROP COLUMN for an extra one (which drops its data: review it),
// ALTER COLUMN ... TYPE, SET NOT NULL and DROP NOT NULL where the dialect
// can alter a column ([dialect.Capabilities].AlterColumn), and CREATE
// INDEX for a missing index.
func MigrationFor(d Dialect, diffs []Difference) (Migration, error) {
	if d == nil {
		return Migration{}, invalidArg("MigrationFor: nil Dialect")
	}
	var m Migration
	var downs [][]string
	// The foreign keys of missing tables that refer to a missing table
	// created later close a cycle: where CREATE TABLE checks them, they
	// are added after the tables and dropped before them.
	var created []*table
	for _, df := range diffs {
		if df.t == nil {
			return Migration{}, invalidArg("MigrationFor: a Difference not made by Diff (table %q)", df.Table)
		}
		if df.Kind == MissingTable {
			created = append(created, df.t)
		}
	}
	var deferred []*schema.Column
	if !d.Capabilities().ForwardForeignKeys {
		deferred = forwardKeys(created)
	}
	for _, df := range diffs {
		up, down, err := migrate(d, df, deferred)
		if err != nil {
			return Migration{}, err
		}
		m.Up = append(m.Up, up...)
		downs = append(downs, down)
	}
	for _, c := range deferred {
		add, err := addForeignKeySQL(d, c)
		if err != nil {
			return Migration{}, err
		}
		drop, err := dropForeignKeySQL(d, c)
		if err != nil {
			return Migration{}, err
		}
		m.Up = append(m.Up, add)
		m.Down = append(m.Down, drop)
	}
	for i := len(downs) - 1; i >= 0; i-- {
		m.Down = append(m.Down, downs[i]...)
	}
	return m, nil
}

// CreateMigration returns the migration that creates the tables from
// nothing: their CREATE TABLE and CREATE INDEX statements, parents first,
// and DROP TABLE in reverse order, without a database.
func CreateMigration(d Dialect, items ...SchemaItem) (Migration, error) {
	if d == nil {
		return Migration{}, invalidArg("CreateMigration: nil Dialect")
	}
	tables, err := sortTables(items)
	if err != nil {
		return Migration{}, err
	}
	diffs := make([]Difference, len(tables))
	for i, t := range tables {
		diffs[i] = Difference{Kind: MissingTable, Table: t.Name, t: t}
	}
	return MigrationFor(d, diffs)
}

// WriteMigration writes the migration that repairs diffs on d as a goose
// migration file; see [MigrationFor] and [Migration.WriteGoose].
//
//	diffs, err := db.Diff(ctx, Users, Orders)
//	...
//	err = quarry.WriteMigration(f, db.Dialect(), diffs...)
func WriteMigration(w io.Writer, d Dialect, diffs ...Difference) error {
	m, err := MigrationFor(d, diffs)
	if err != nil {
		return err
	}
	return m.WriteGoose(w)
}

// WriteGoose writes m as a goose SQL migration: "-- +goose Up", the Up
// statements, "-- +goose Down", the Down statements, each ended by a
// semicolon. A statement holding a semicolon of its own (in a literal of a
// CHECK) is wrapped in StatementBegin/StatementEnd so goose keeps it
// whole.
func (m Migration) WriteGoose(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("-- +goose Up\n")
	writeStatements(bw, m.Up, true)
	bw.WriteString("\n-- +goose Down\n")
	writeStatements(bw, m.Down, true)
	return bw.Flush()
}

// WriteSQL writes the Up statements of m as plain SQL, each ended by a
// semicolon: a file for an Atlas migration directory, psql or sqlite3.
func (m Migration) WriteSQL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	writeStatements(bw, m.Up, false)
	return bw.Flush()
}

func writeStatements(w *bufio.Writer, stmts []string, goose bool) {
	for _, s := range stmts {
		if strings.HasPrefix(s, "--") {
			w.WriteString(s + "\n")
			continue
		}
		wrap := goose && strings.Contains(s, ";")
		if wrap {
			w.WriteString("-- +goose StatementBegin\n")
		}
		w.WriteString(s + ";\n")
		if wrap {
			w.WriteString("-- +goose StatementEnd\n")
		}
	}
}

// migrate returns the Up and Down statements of one difference.
// The foreign keys of the columns in deferred are left out of a CREATE
// TABLE (MigrationFor adds them after the tables).
func migrate(d Dialect, df Difference, deferred []*schema.Column) (up, down []string, err error) {
	t, c := df.t, df.c
	alter := func(tail ...string) string {
		b := newBuilder(d)
		b.Write("ALTER TABLE ")
		b.Ident(t.Name)
		for _, s := range tail {
			b.Write(s)
		}
		if b.Err != nil && err == nil {
			err = b.Err
		}
		return string(b.Buf)
	}
	q := func(name string) string {
		b := newBuilder(d)
		b.Ident(name)
		if b.Err != nil && err == nil {
			err = b.Err
		}
		return string(b.Buf)
	}
	canAlter := d.Capabilities().AlterColumn
	switch df.Kind {
	case MissingTable:
		up, err = createStatements(d, t, deferred)
		down = []string{"DROP TABLE IF EXISTS " + q(t.Name)}
	case MissingColumn:
		var def string
		def, err = columnDefSQL(d, c)
		up = []string{alter(" ADD COLUMN ", def)}
		if !c.Nullable && !c.HasDef {
			up = append([]string{"-- " + c.Name + " is NOT NULL without a DEFAULT: the ADD COLUMN fails on a table with rows (and always on SQLite); add a default= or fill it in steps"}, up...)
		}
		down = []string{alter(" DROP COLUMN ", q(c.Name))}
	case ExtraColumn:
		up = []string{"-- column " + df.Column + " is not mapped: dropping it drops its data", alter(" DROP COLUMN ", q(df.Column))}
		down = []string{alter(" ADD COLUMN ", q(df.Column), " ", strings.TrimSuffix(strings.TrimSuffix(df.Got, " NULL"), " NOT"))}
	case TypeMismatch:
		if !canAlter {
			up = []string{"-- column " + t.Name + "." + c.Name + " is " + df.Got + ", the mapping says " + df.Want + ": " + d.Name() + " cannot alter a column's type; rebuild the table (create, copy, drop, rename)"}
			break
		}
		up = []string{alter(" ALTER COLUMN ", q(c.Name), " TYPE ", d.TypeName(c.ColumnType()))}
		down = []string{alter(" ALTER COLUMN ", q(c.Name), " TYPE ", df.Got)}
	case NullMismatch:
		if !canAlter {
			up = []string{"-- column " + t.Name + "." + c.Name + " is " + df.Got + ", the mapping says " + df.Want + ": " + d.Name() + " cannot alter a column's nullability; rebuild the table"}
			break
		}
		set, unset := " SET NOT NULL", " DROP NOT NULL"
		if c.Nullable {
			set, unset = unset, set
		}
		up = []string{alter(" ALTER COLUMN ", q(c.Name), set)}
		down = []string{alter(" ALTER COLUMN ", q(c.Name), unset)}
	case PrimaryKeyMismatch:
		up = []string{"-- table " + t.Name + " has the primary key " + df.Got + ", the mapping says " + df.Want + ": change it by hand"}
	case MissingIndex:
		var s string
		s, err = createIndexSQL(d, t, *df.ix)
		up = []string{s}
		down = []string{"DROP INDEX IF EXISTS " + q(df.ix.name)}
	default:
		err = invalidArg("MigrationFor: unknown difference kind %d", df.Kind)
	}
	return up, down, err
}

// columnDefSQL is a column's definition for ADD COLUMN: its type,
// NOT NULL, DEFAULT and REFERENCES, as CREATE TABLE writes them.
func columnDefSQL(d Dialect, c *schema.Column) (string, error) {
	b := newBuilder(d)
	b.Ident(c.Name)
	b.WriteChar(' ')
	b.Write(ddlType(d, b.Caps, c))
	if !c.Nullable {
		b.Write(" NOT NULL")
	}
	if c.HasDef {
		b.Write(" DEFAULT ")
		b.Write(defaultLiteral(c.Def))
	}
	columnCheckSQL(b, c)
	if c.FK != nil && c.FK.Target != nil {
		b.WriteChar(' ')
		referencesSQL(b, c)
	}
	return string(b.Buf), b.Err
}
