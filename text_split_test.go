package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// sentDriver is a driver that runs nothing and records what it was sent,
// to test what quarry refuses before anything reaches a database.
type sentDriver struct {
	d    dialect.Dialect
	sent []string
}

func (f *sentDriver) Query(_ context.Context, sql string, _ []any) (dialect.Rows, error) {
	f.sent = append(f.sent, sql)
	return nil, errors.New("sentDriver: no rows")
}

func (f *sentDriver) Exec(_ context.Context, sql string, _ []any) (int64, error) {
	f.sent = append(f.sent, sql)
	return 0, nil
}

func (f *sentDriver) Begin(context.Context, dialect.TxOptions) (dialect.Tx, error) {
	return nil, errors.New("sentDriver: no transactions")
}

func (f *sentDriver) Acquire(context.Context) (dialect.Conn, error) {
	return nil, errors.New("sentDriver: no connections")
}

func (f *sentDriver) Close() error             { return nil }
func (f *sentDriver) Dialect() dialect.Dialect { return f.d }
func (f *sentDriver) Classify(error) error     { return nil }

func TestTextOneStatement(t *testing.T) {
	type dialects struct{ sqlite, postgres bool } // refused on each
	both, none := dialects{true, true}, dialects{false, false}
	tests := []struct {
		name string
		sql  string
		want dialects
	}{
		{"one", "SELECT 1", none},
		{"trailing semicolon", "SELECT 1;", none},
		{"trailing semicolon and space", "SELECT 1 ;  \n\t", none},
		{"trailing comment", "SELECT 1; -- done", none},
		{"trailing block comment", "SELECT 1; /* done */ ", none},
		{"two", "SELECT 1; SELECT 2", both},
		{"injected drop", "SELECT * FROM t WHERE name = 'x'; DROP TABLE t", both},
		{"two, no space", "SELECT 1;SELECT 2;", both},
		{"two semicolons", "SELECT 1;;", both},
		{"in a string", "SELECT 'a;b'", none},
		{"in a string with a doubled quote", "SELECT 'it''s; fine'", none},
		{"in a quoted identifier", `SELECT 1 AS "a;b"`, none},
		{"in a quoted identifier with a doubled quote", `SELECT 1 AS "a"";b"`, none},
		{"in backquotes", "SELECT 1 AS `a;b`", none},
		{"in brackets", "SELECT 1 AS [a;b]", none},
		{"in a line comment", "SELECT 1 -- a; b\n", none},
		{"after a line comment", "SELECT 1 -- a\n; SELECT 2", both},
		{"in a block comment", "SELECT /* a; b */ 1", none},
		{"after a string that hides a comment start", "SELECT '--'; SELECT 2", both},
		{"sqlite trigger", `CREATE TRIGGER tr AFTER INSERT ON t BEGIN
			UPDATE t SET n = n + 1; INSERT INTO log VALUES (CASE WHEN 1 THEN 'a;' ELSE 'b' END); END`, none},
		{"temp trigger, trailing semicolon", "CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER DELETE ON t BEGIN DELETE FROM u; END;", none},
		{"after a trigger", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END; DROP TABLE t", both},
		{"transaction is not a trigger", "BEGIN; DROP TABLE t", both},
		{"dollar quoted", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", dialects{sqlite: true}},
		{"dollar quoted with a tag", "DO $body$ BEGIN PERFORM 1; END $body$", dialects{sqlite: true}},
		{"after dollar quoted", "DO $$ BEGIN PERFORM 1; END $$; DROP TABLE t", both},
		// SQLite ends a comment at the first */, PostgreSQL nests them:
		// each reading is its database's own.
		{"nested comment", "SELECT /* a /* b */ ; c */ 1", dialects{sqlite: true}},
		{"nested comment hiding a quote", "SELECT 1 /* /* */ ' */ ; DROP TABLE t; --'", dialects{postgres: true}},
		// E'...' has backslash escapes on PostgreSQL only.
		{"escape string", `SELECT E'a\'; b'`, dialects{sqlite: true}},
		{"escape string ending early", `SELECT E'\''; DROP TABLE t; --'`, dialects{postgres: true}}, // SQLite reads one string to the end
		{"E as a word", `SELECT 1 AS e, 'x\'; DROP TABLE t`, both},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, d := range []struct {
				name    string
				dialect dialect.Dialect
				refused bool
			}{{"sqlite", sqlite.Dialect{}, tc.want.sqlite}, {"postgres", postgres.Dialect{}, tc.want.postgres}} {
				is := is.New(t)
				drv := &sentDriver{d: d.dialect}
				_, err := quarry.OpenDB(drv).Exec(context.Background(), quarry.UnsafeText(tc.sql))
				if d.refused {
					is.True(errors.Is(err, quarry.ErrInvalidArgument))                // refused
					is.True(strings.Contains(err.Error(), "more than one statement")) // says why
					is.Equal(len(drv.sent), 0)                                        // nothing sent
				} else {
					is.NoErr(err)              // one statement
					is.Equal(len(drv.sent), 1) // sent as written
				}
			}
		})
	}
}

func TestTextSecondStatementRefused(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		_, err := db.Exec(ctx, quarry.Text("CREATE TABLE tss_t (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
		is.NoErr(err)
		_, err = db.Exec(ctx, quarry.Text("INSERT INTO tss_t (id, name) VALUES (1, 'a;b');"))
		is.NoErr(err) // a ';' in a literal and a trailing one
		log.Reset()

		name := "x'; DROP TABLE tss_t; --" // as a careless caller would splice it
		_, err = db.Exec(ctx, quarry.UnsafeText("INSERT INTO tss_t (id, name) VALUES (2, '"+name+"')"))
		is.True(errors.Is(err, quarry.ErrInvalidArgument)) // refused, the same error on every backend
		_, err = db.Exec(ctx, quarry.UnsafeText("DELETE FROM tss_t; DELETE FROM tss_t WHERE id = :id").Bind("id", 1))
		is.True(errors.Is(err, quarry.ErrInvalidArgument)) // with parameters too
		_, err = quarry.Select(quarry.CountAll()).FromText(quarry.UnsafeText("SELECT 1; DROP TABLE tss_t")).All(ctx, db)
		is.True(errors.Is(err, quarry.ErrInvalidArgument)) // as a query
		is.Equal(log.Count(), 0)                           // nothing was sent

		n, err := db.Exec(ctx, quarry.Text("UPDATE tss_t SET name = name"))
		is.NoErr(err)
		is.Equal(n, int64(1)) // the table and its one row are still there
	})
}
