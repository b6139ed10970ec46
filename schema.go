package quarry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/schema"
)

// SchemaItem is a table that CreateAll and DropAll manage: a table struct
// (through its embedded Entity) or an association table.
type SchemaItem interface {
	schemaTable() *table
}

func (e Entity[E]) schemaTable() *table {
	if e.src == nil {
		return nil
	}
	return e.src.table
}

// CreateAll creates the tables that do not exist yet, parents before the
// tables whose foreign keys refer to them (when the foreign keys form a
// cycle, the ones that close it are declared inline where the database
// does not check them at creation, as SQLite, and otherwise added with
// ALTER TABLE ... ADD CONSTRAINT after the tables): primary keys (composite too),
// foreign keys with their ON DELETE/ON UPDATE actions, UNIQUE, NOT NULL,
// VARCHAR(n), TEXT, defaults, the table struct's declared constraints
// (composite UNIQUE, CHECK) and, after each table, its declared indexes.
// It is idempotent (CREATE TABLE and CREATE INDEX IF NOT EXISTS) and runs
// in one transaction.
//
// Before creating anything it compares the tables that already exist with
// their mappings, as [DB.Diff] does, and when one differs (a missing or
// extra column, a type, a nullability, the primary key) it creates nothing
// and returns a *[SchemaError] that names each difference and wraps
// [ErrSchemaDrift]. It never alters an existing table: see
// [WriteMigration] for the statements that would.
func (db *DB) CreateAll(ctx context.Context, items ...SchemaItem) error {
	if err := db.usable(); err != nil {
		return err
	}
	tables, err := sortTables(items)
	if err != nil {
		return err
	}
	// The foreign keys that close a cycle are added only to the tables
	// created now: the others have theirs (and ADD CONSTRAINT is not
	// idempotent).
	var missing map[*schema.Table]bool
	if _, ok := db.dialect.(dialect.Introspector); ok {
		diffs, err := db.diff(ctx, tables)
		if err != nil {
			return err
		}
		if d := drift(diffs); len(d) > 0 {
			return &SchemaError{Differences: d}
		}
		missing = map[*schema.Table]bool{}
		for _, df := range diffs {
			if df.Kind == MissingTable {
				missing[&df.t.Table] = true
			}
		}
	}
	stmts, err := createSQL(db.dialect, tables, missing)
	if err != nil {
		return err
	}
	return db.execAll(ctx, stmts)
}

// DropAll drops the tables that exist, children before parents. When
// their foreign keys form a cycle and the dialect adds the keys that close
// it with ALTER TABLE (see [dialect.Capabilities].ForwardForeignKeys),
// those constraints are dropped first, by name; DROP TABLE ... CASCADE is
// not used, as it would also drop, without a word, the views and the
// foreign keys of tables outside the list that depend on these tables.
func (db *DB) DropAll(ctx context.Context, items ...SchemaItem) error {
	if err := db.usable(); err != nil {
		return err
	}
	tables, err := sortTables(items)
	if err != nil {
		return err
	}
	var stmts []string
	if !db.dialect.Capabilities().ForwardForeignKeys {
		for _, c := range forwardKeys(tables) {
			s, err := dropForeignKeySQL(db.dialect, c)
			if err != nil {
				return err
			}
			stmts = append(stmts, s)
		}
	}
	for i := len(tables) - 1; i >= 0; i-- {
		b := newBuilder(db.dialect)
		b.Write("DROP TABLE IF EXISTS ")
		b.Ident(tables[i].Name)
		if b.Err != nil {
			return b.Err
		}
		stmts = append(stmts, string(b.Buf))
	}
	return db.execAll(ctx, stmts)
}

// CreateSQL returns the CREATE TABLE statements CreateAll would run, in
// order, for review or for a migration tool.
func (db *DB) CreateSQL(items ...SchemaItem) ([]string, error) {
	if err := db.invalid(); err != nil {
		return nil, err
	}
	return CreateSQL(db.dialect, items...)
}

// CreateSQL returns the CREATE TABLE statements of the tables for the
// dialect, parents before children, without a database connection.
func CreateSQL(d Dialect, items ...SchemaItem) ([]string, error) {
	if d == nil {
		return nil, invalidArg("nil Dialect")
	}
	tables, err := sortTables(items)
	if err != nil {
		return nil, err
	}
	return createSQL(d, tables, nil)
}

// createSQL returns the statements creating tables, in order; the
// foreign keys that close a cycle are added after the tables with ALTER
// TABLE where the dialect needs it, to the tables of missing only (all
// when it is nil).
func createSQL(d Dialect, tables []*table, missing map[*schema.Table]bool) ([]string, error) {
	var deferred []*schema.Column
	if !d.Capabilities().ForwardForeignKeys {
		deferred = forwardKeys(tables)
	}
	out := make([]string, 0, len(tables)+len(deferred))
	for _, t := range tables {
		stmts, err := createStatements(d, t, deferred)
		if err != nil {
			return nil, err
		}
		out = append(out, stmts...)
	}
	for _, c := range deferred {
		if missing != nil && !missing[c.Table] {
			continue
		}
		s, err := addForeignKeySQL(d, c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// forwardKeys returns the foreign-key columns of tables, in order, that
// refer to a table coming later in tables: the keys that close a cycle.
func forwardKeys(tables []*table) []*schema.Column {
	pos := make(map[*schema.Table]int, len(tables))
	for i, t := range tables {
		pos[&t.Table] = i
	}
	var out []*schema.Column
	for i, t := range tables {
		for _, c := range t.Columns {
			if c.FK == nil || c.FK.Target == nil {
				continue
			}
			if j, ok := pos[c.FK.Target.Table]; ok && j > i {
				out = append(out, c)
			}
		}
	}
	return out
}

// fkConstraintName is the name of the foreign key of column c as
// PostgreSQL names an unnamed one (table_column_fkey), so that a key
// added by ALTER TABLE and one declared in CREATE TABLE are dropped alike.
func fkConstraintName(c *schema.Column) string { return c.Table.Name + "_" + c.Name + "_fkey" }

// addForeignKeySQL is the ALTER TABLE that adds column c's foreign key.
func addForeignKeySQL(d Dialect, c *schema.Column) (string, error) {
	b := newBuilder(d)
	b.Write("ALTER TABLE ")
	b.Ident(c.Table.Name)
	b.Write(" ADD CONSTRAINT ")
	b.Ident(fkConstraintName(c))
	b.WriteChar(' ')
	foreignKeySQL(b, c)
	if b.Err != nil {
		return "", wrapErr(b.Err, "ALTER TABLE %s", c.Table.Name)
	}
	return string(b.Buf), nil
}

// dropForeignKeySQL is the ALTER TABLE that drops column c's foreign key,
// when the table and the constraint exist.
func dropForeignKeySQL(d Dialect, c *schema.Column) (string, error) {
	b := newBuilder(d)
	b.Write("ALTER TABLE IF EXISTS ")
	b.Ident(c.Table.Name)
	b.Write(" DROP CONSTRAINT IF EXISTS ")
	b.Ident(fkConstraintName(c))
	if b.Err != nil {
		return "", wrapErr(b.Err, "ALTER TABLE %s", c.Table.Name)
	}
	return string(b.Buf), nil
}

// foreignKeySQL writes "FOREIGN KEY (c) REFERENCES t (k)" and the key's
// actions.
func foreignKeySQL(b *builder, c *schema.Column) {
	b.Write("FOREIGN KEY (")
	b.Ident(c.Name)
	b.Write(") ")
	referencesSQL(b, c)
}

// referencesSQL writes "REFERENCES t (k)" and the key's actions.
func referencesSQL(b *builder, c *schema.Column) {
	b.Write("REFERENCES ")
	b.Ident(c.FK.Target.Table.Name)
	b.Write(" (")
	b.Ident(c.FK.Target.Name)
	b.WriteChar(')')
	if c.FK.OnDelete != "" {
		b.Write(" ON DELETE " + c.FK.OnDelete)
	}
	if c.FK.OnUpdate != "" {
		b.Write(" ON UPDATE " + c.FK.OnUpdate)
	}
}

// createStatements are the CREATE TABLE of t, without the foreign keys of
// the columns in skip, and the CREATE INDEX of each index it declares.
func createStatements(d Dialect, t *table, skip []*schema.Column) ([]string, error) {
	s, err := createTableSQL(d, t, skip)
	if err != nil {
		return nil, err
	}
	out := []string{s}
	for _, ix := range t.indexes {
		s, err := createIndexSQL(d, t, ix)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (db *DB) execAll(ctx context.Context, stmts []string) error {
	if db.closed.Load() {
		return ErrClosed
	}
	// The BEGIN and COMMIT around the DDL are not observed (nor echoed,
	// as they never were): observers see the DDL statements, InTx.
	tx, err := db.drv.Begin(ctx, TxOptions{Write: true})
	if err != nil {
		return db.wrapErr("BEGIN", err)
	}
	for _, s := range stmts {
		if _, err := db.exec(ctx, tx, OpDDL, s, nil); err != nil {
			tx.Rollback(ctx)
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return db.wrapErr("COMMIT", err)
	}
	return nil
}

// sortTables orders tables so that every table comes after the tables its
// foreign keys refer to (self-references aside). Where the foreign keys
// form a cycle, a table comes after those of the cycle met before it in
// items; forwardKeys finds the keys that then refer forward.
func sortTables(items []SchemaItem) ([]*table, error) {
	var order []*table
	state := map[*table]int{} // 1 visiting, 2 done
	in := map[*schema.Table]*table{}
	for _, it := range items {
		if it == nil || it.schemaTable() == nil {
			return nil, errZeroSource
		}
		if err := configureTables(it.schemaTable()); err != nil {
			return nil, err
		}
		t := it.schemaTable()
		in[&t.Table] = t
	}
	var visit func(t *table)
	visit = func(t *table) {
		if state[t] != 0 {
			return // done, or a cycle: closed by a forward key
		}
		state[t] = 1
		for _, c := range t.Columns {
			if c.FK == nil || c.FK.Target == nil || t.is(c.FK.Target.Table) || in[c.FK.Target.Table] == nil {
				continue
			}
			visit(in[c.FK.Target.Table])
		}
		state[t] = 2
		order = append(order, t)
	}
	for _, it := range items {
		visit(it.schemaTable())
	}
	return order, nil
}

func createTableSQL(d Dialect, t *table, skip []*schema.Column) (string, error) {
	b := newBuilder(d)
	b.Literals, b.bareColumns = true, true
	caps := b.Caps
	b.Write("CREATE TABLE IF NOT EXISTS ")
	b.Ident(t.Name)
	b.Write(" (\n")
	for i, c := range t.Columns {
		if i > 0 {
			b.Write(",\n")
		}
		b.Write("\t")
		b.Ident(c.Name)
		b.WriteChar(' ')
		if tn := ddlType(d, caps, c); tn != "" {
			b.Write(tn)
		} else {
			b.Fail(fmt.Errorf("%w: column %s (%v) has no type on %s: give it a `type=` tag", ErrMapping, c, c.GoType, d.Name()))
		}
		if !c.Nullable {
			b.Write(" NOT NULL")
		}
		if c.HasDef {
			b.Write(" DEFAULT ")
			b.Write(defaultLiteral(c.Def))
		}
		columnCheckSQL(b, c)
	}
	b.Write(",\n\tPRIMARY KEY (")
	identList(b, t.PK)
	b.WriteChar(')')
	for _, c := range t.Columns {
		if c.Unique {
			b.Write(",\n\tUNIQUE (")
			b.Ident(c.Name)
			b.WriteChar(')')
		}
	}
	for _, c := range t.constraints {
		b.Write(",\n\t")
		constraintSQL(b, c)
	}
	for _, c := range t.Columns {
		if c.FK == nil || c.FK.Target == nil || slices.Contains(skip, c) {
			continue
		}
		b.Write(",\n\t")
		foreignKeySQL(b, c)
	}
	b.Write("\n)")
	if b.Err != nil {
		return "", wrapErr(b.Err, "CREATE TABLE %s", t.Name)
	}
	return string(b.Buf), nil
}

// ddlType is the type a column is declared with.
func ddlType(d Dialect, caps dialect.Capabilities, c *schema.Column) string {
	if c.Autoinc && caps.IdentityClause != "" {
		return caps.IdentityClause
	}
	return c.TypeName(d)
}

// constraintSQL writes a declared constraint of a CREATE TABLE.
func constraintSQL(b *builder, c Constraint) {
	if c.name != "" {
		b.Write("CONSTRAINT ")
		b.Ident(c.name)
		b.WriteChar(' ')
	}
	if c.check != nil {
		b.Write("CHECK (")
		c.check.render(b)
		b.WriteChar(')')
		return
	}
	b.Write("UNIQUE (")
	for i, n := range c.cols {
		if i > 0 {
			b.Write(", ")
		}
		n.render(b)
	}
	b.WriteChar(')')
}

// createIndexSQL is the CREATE INDEX of a declared index: columns bare,
// expressions in parentheses (PostgreSQL needs them around anything but
// a column or a function call; SQLite accepts them), values as literals.
func createIndexSQL(d Dialect, t *table, ix Index) (string, error) {
	b := newBuilder(d)
	b.Literals, b.bareColumns = true, true
	b.Write("CREATE ")
	if ix.unique {
		b.Write("UNIQUE ")
	}
	b.Write("INDEX IF NOT EXISTS ")
	b.Ident(ix.name)
	b.Write(" ON ")
	b.Ident(t.Name)
	b.Write(" (")
	for i, p := range ix.parts {
		if i > 0 {
			b.Write(", ")
		}
		inner, dir := p, ""
		if o, ok := p.(orderTerm); ok {
			inner, dir = o.n, o.dir+o.nulls
		}
		if _, col := inner.(*colRef); col {
			inner.render(b)
		} else {
			b.WriteChar('(')
			inner.render(b)
			b.WriteChar(')')
		}
		b.Write(dir)
	}
	b.WriteChar(')')
	if ix.where != nil {
		b.Write(" WHERE ")
		ix.where.render(b)
	}
	if b.Err != nil {
		return "", wrapErr(b.Err, "CREATE INDEX %s ON %s", ix.name, t.Name)
	}
	return string(b.Buf), nil
}

func identList(b *builder, cols []*schema.Column) {
	for i, c := range cols {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(c.Name)
	}
}

// defaultLiteral renders a `default=` tag value: numbers, true/false and
// CURRENT_TIMESTAMP as they are, anything else as a quoted string literal.
// Tag values come from the program's source, never from user input, and
// are quoted all the same.
func defaultLiteral(v string) string {
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v
	}
	switch strings.ToLower(v) {
	case "true", "false":
		return strings.ToUpper(v)
	case "now", "current_timestamp":
		return "CURRENT_TIMESTAMP"
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}
