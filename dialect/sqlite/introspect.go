package sqlite

import (
	"context"
	"sort"

	"github.com/quarry-orm/quarry/dialect"
)

var _ dialect.Introspector = Dialect{}

// Table reads the columns, primary key and indexes of the table name from
// pragma_table_info and pragma_index_list.
func (Dialect) Table(ctx context.Context, q dialect.Querier, name string) (dialect.LiveTable, bool, error) {
	t := dialect.LiveTable{Name: name}
	rows, err := q.Query(ctx, `SELECT "name", "type", "notnull", "pk" FROM pragma_table_info(?) ORDER BY "cid"`, []any{name})
	if err != nil {
		return t, false, err
	}
	type pkCol struct {
		name string
		pos  int
	}
	var pk []pkCol
	for rows.Next() {
		var c dialect.LiveColumn
		var notNull, pos int
		if err := rows.Scan(&c.Name, &c.Type, &notNull, &pos); err != nil {
			rows.Close()
			return t, false, err
		}
		c.NotNull = notNull != 0
		t.Columns = append(t.Columns, c)
		if pos > 0 {
			pk = append(pk, pkCol{c.Name, pos})
		}
	}
	if err := closeRows(rows); err != nil {
		return t, false, err
	}
	if len(t.Columns) == 0 {
		return t, false, nil
	}
	sort.Slice(pk, func(i, j int) bool { return pk[i].pos < pk[j].pos })
	for _, c := range pk {
		t.PrimaryKey = append(t.PrimaryKey, c.name)
	}
	// origin 'c': made by CREATE INDEX, not for a UNIQUE or PRIMARY KEY
	// constraint.
	rows, err = q.Query(ctx, `SELECT "name" FROM pragma_index_list(?) WHERE "origin" = 'c' ORDER BY "name"`, []any{name})
	if err != nil {
		return t, false, err
	}
	for rows.Next() {
		var ix string
		if err := rows.Scan(&ix); err != nil {
			rows.Close()
			return t, false, err
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return t, true, closeRows(rows)
}

func closeRows(rows dialect.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// typeAliases are other spellings of the types quarry declares. SQLite
// keeps the declared text as it was written; the integer names all have
// INTEGER affinity and read back alike.
var typeAliases = map[string]string{
	"int": "integer", "int2": "integer", "int4": "integer", "int8": "integer",
	"bigint": "integer", "smallint": "integer", "tinyint": "integer", "mediumint": "integer",
	"bool": "boolean", "character varying": "varchar",
	"double": "real", "double precision": "real", "float": "real",
}

// SameType compares the declared type texts, ignoring case, spacing and
// the aliases above.
func (Dialect) SameType(declared, live string) bool {
	return dialect.NormalizeType(declared, typeAliases) == dialect.NormalizeType(live, typeAliases)
}
