// Package testdb is the one harness that quarry's behavioural tests use to
// run against every supported database: SQLite in memory, SQLite in a file
// and PostgreSQL.
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
//	func TestInsert(t *testing.T) {
//		testdb.Each(t, func(t *testing.T, db *quarry.DB) {
//			// db is a fresh, empty database of one backend.
//		})
//	}
//
// Every call hands out a fresh, empty database: a new in-memory SQLite
// database, a new file in [testing.T.TempDir], or a new PostgreSQL schema
// (selected through the connection's search_path and dropped when the
// test ends), so tests never see each other's tables and may run in
// parallel.
//
// SQLite comes from the dialect's Open; PostgreSQL, and the harness's
// Main, from [quarrytest] (the helpers quarry offers its users), which
// connects to the server at QUARRY_TEST_POSTGRES or starts a throwaway
// cluster once per test binary. When PostgreSQL cannot be had, its
// subtests are skipped, or fail when QUARRY_REQUIRE_POSTGRES=1 (as in CI).
package testdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/quarrytest"
)

// The backend names, which are also the names of the subtests that [Each]
// runs.
const (
	SQLiteMemory = "sqlite-memory"
	SQLiteFile   = "sqlite-file"
	PostgreSQL   = "postgres"
)

// Environment variables read by the harness.
const (
	// EnvPostgres names the variable holding the URL of a PostgreSQL
	// server to test against instead of a throwaway cluster.
	EnvPostgres = quarrytest.EnvPostgres
	// EnvRequirePostgres names the variable that, set to 1, turns a
	// missing PostgreSQL from a skip into a failure.
	EnvRequirePostgres = quarrytest.EnvRequirePostgres
)

// Backends returns the names of the backends that [Each] runs, in order:
// [SQLiteMemory], [SQLiteFile] and [PostgreSQL].
func Backends() []string { return []string{SQLiteMemory, SQLiteFile, PostgreSQL} }

// Each runs fn once per backend, as subtests named after [Backends], each
// with a fresh, empty database that is closed (and, on PostgreSQL,
// dropped) when the subtest ends. fn may call t.Parallel.
func Each(t *testing.T, fn func(t *testing.T, db *quarry.DB)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b, func(t *testing.T) {
			fn(t, Open(t, b))
		})
	}
}

// EachLogged is [Each] with a [Log] of the statements the database runs,
// empty when fn starts. When the subtest fails, the statements are
// written to the test log.
func EachLogged(t *testing.T, fn func(t *testing.T, db *quarry.DB, log *Log)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b, func(t *testing.T) {
			log := NewLog()
			db := Open(t, b, quarry.WithLogger(log.Logger()))
			t.Cleanup(func() {
				if t.Failed() {
					log.Dump(t)
				}
			})
			fn(t, db, log)
		})
	}
}

// SQLite returns a fresh in-memory SQLite database, closed when the test
// ends.
func SQLite(t testing.TB, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	return Open(t, SQLiteMemory, opts...)
}

// Postgres returns a fresh PostgreSQL database (a new schema on the test
// server), closed and dropped when the test ends. It skips the test when
// PostgreSQL is not available, or fails it when QUARRY_REQUIRE_POSTGRES=1.
func Postgres(t testing.TB, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	return Open(t, PostgreSQL, opts...)
}

// PostgresURL returns the URL of a fresh PostgreSQL schema on the test
// server, dropped when the test ends, for code under test that opens its
// own connection. It skips or fails like [Postgres].
func PostgresURL(t testing.TB) string {
	t.Helper()
	return quarrytest.PostgresURL(t)
}

// Open returns a fresh database of the named backend (one of [Backends]),
// closed when the test ends.
func Open(t testing.TB, backend string, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	ctx := context.Background()
	var (
		db  *quarry.DB
		err error
	)
	switch backend {
	case SQLiteMemory:
		db, err = sqlite.Open(ctx, ":memory:", opts...)
	case SQLiteFile:
		db, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "quarry.db"), opts...)
	case PostgreSQL:
		db, err = postgres.Open(ctx, quarrytest.PostgresURL(t), opts...)
	default:
		t.Fatalf("testdb: unknown backend %q (want one of %q)", backend, Backends())
	}
	if err != nil {
		t.Fatalf("testdb: open %s: %v", backend, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("testdb: close %s: %v", backend, err)
		}
	})
	return db
}

// Main runs the tests of a package that uses this harness, then stops the
// PostgreSQL cluster (if one was started), removes its files and exits:
// it is [quarrytest.Main]. Call it from the package's TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
func Main(m *testing.M) { quarrytest.Main(m) }
