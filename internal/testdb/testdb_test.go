package testdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// createAndInsert fails unless db is empty: CREATE TABLE t fails when
// another test's t is visible.
func createAndInsert(t *testing.T, db *quarry.DB) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	_, err := db.Exec(ctx, quarry.Text("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR)"))
	is.NoErr(err) // create table in a fresh database
	n, err := db.Exec(ctx, quarry.Text("INSERT INTO t (id, name) VALUES (:id, :name)").Bind("id", 1).Bind("name", "x"))
	is.NoErr(err)         // insert
	is.Equal(n, int64(1)) // one row inserted
}

func TestEach(t *testing.T) {
	var ran []string
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		ran = append(ran, t.Name()[strings.LastIndexByte(t.Name(), '/')+1:])
		createAndInsert(t, db)
	})
	is := is.New(t)
	is.Equal(ran, testdb.Backends()[:len(ran)]) // one subtest per backend, in order
	is.True(len(ran) >= 2)                      // the SQLite backends never skip
}

// TestIsolationA and TestIsolationB create the same table: each would
// fail if it saw the other's.
func TestIsolationA(t *testing.T) { testdb.Each(t, createAndInsert) }
func TestIsolationB(t *testing.T) { testdb.Each(t, createAndInsert) }

func TestIsolationWithinTest(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b, func(t *testing.T) {
			createAndInsert(t, testdb.Open(t, b))
			createAndInsert(t, testdb.Open(t, b))
		})
	}
}

func TestParallel(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				t.Parallel()
				createAndInsert(t, db)
			})
		})
	}
}

func TestSingleBackends(t *testing.T) {
	createAndInsert(t, testdb.SQLite(t))
	createAndInsert(t, testdb.Postgres(t))
}

func TestPostgresSchema(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	var schema string
	t.Run("inner", func(t *testing.T) {
		is := is.New(t)
		db := testdb.Postgres(t)
		pool := postgres.Pool(db)
		is.True(pool != nil) // a pgx pool behind the DB
		is.NoErr(pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
		is.True(strings.HasPrefix(schema, "qt_testpostgresschema_inner_")) // the test's own schema
		createAndInsert(t, db)
		var table string
		is.NoErr(pool.QueryRow(ctx, "SELECT table_schema FROM information_schema.tables WHERE table_name = 't'").Scan(&table))
		is.Equal(table, schema) // the table went into the test's schema
	})
	var exists bool
	err := postgres.Pool(testdb.Postgres(t)).QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists)
	is.NoErr(err)
	is.True(!exists) // the schema was dropped when its test ended
}

func TestEachLogged(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.Equal(log.Count(), 0) // nothing logged before the test's first statement
		createAndInsert(t, db)
		is.Equal(log.Count(), 2) // CREATE and INSERT
		stmts := log.Statements()
		is.True(strings.HasPrefix(stmts[0], "CREATE TABLE t"))
		is.True(strings.HasPrefix(stmts[1], "INSERT INTO t"))
		e := log.Entries()[1]
		is.Equal(e.Args, []any{1, "x"})          // the bound arguments, in order
		is.True(!strings.Contains(e.SQL, ":id")) // named parameters rewritten to placeholders

		log.Reset()
		is.Equal(log.Count(), 0) // reset
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				_, err := db.Exec(ctx, quarry.Text("INSERT INTO t (id, name) VALUES (:id, :name)").Bind("id", 10+i).Bind("name", "y"))
				is.NoErr(err)
			})
		}
		wg.Wait()
		is.Equal(log.Count(), 8) // concurrent statements all logged
		is.Equal(len(slices.Compact(log.Statements())), 1)
	})
}
