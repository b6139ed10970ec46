// Package quarrytest helps test code that uses quarry: a fresh database
// per test (SQLite, or PostgreSQL from a throwaway server started for the
// test binary), a [Recorder] of the statements a database runs with
// assertions over them, and, with [quarry.WithRaiseLoad], a database on
// which every relationship Load that was not eager-loaded fails, to catch
// N+1 query patterns.
//
//	func TestMain(m *testing.M) { quarrytest.Main(m) }
//
//	func TestSignup(t *testing.T) {
//		rec := quarrytest.Record()
//		db := quarrytest.Postgres(t, rec.Option())
//		// ... create the tables, run the code under test on db ...
//		rec.AssertCount(t, 3)
//	}
//
// PostgreSQL is the server at the URL in QUARRY_TEST_POSTGRES when it is
// set. Otherwise the first call to [Postgres] or [PostgresURL] starts a
// throwaway cluster, once per test binary: initdb and postgres found on
// PATH or in /usr/lib/postgresql/*/bin (Debian's place), no Docker, on a
// free loopback port, with fsync off; [Main] stops it and removes its
// files. Run as root, the server runs as the postgres user (created if
// missing), since PostgreSQL refuses root. On Linux a server outlives no
// test binary: it gets SIGTERM when the binary dies, and the next run
// removes what a killed binary left behind.
//
// Each test gets a new schema on that server, made the search_path of
// every connection of its pool and dropped (CASCADE) when the test ends,
// so tests never see each other's tables and may run in parallel. When
// PostgreSQL cannot be had, the test is skipped, or fails when
// QUARRY_REQUIRE_POSTGRES=1 (as in CI).
package quarrytest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// Environment variables read by the package.
const (
	// EnvPostgres names the variable holding the URL of a PostgreSQL
	// server to test against instead of a throwaway cluster. Each test
	// still gets a schema of its own on it.
	EnvPostgres = "QUARRY_TEST_POSTGRES"
	// EnvRequirePostgres names the variable that, set to 1, turns a
	// missing PostgreSQL from a skip into a failure.
	EnvRequirePostgres = "QUARRY_REQUIRE_POSTGRES"
)

// SQLite returns a fresh, empty in-memory SQLite database, closed when
// the test ends. opts are passed to [sqlite.Open].
func SQLite(t testing.TB, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), ":memory:", opts...)
	if err != nil {
		t.Fatalf("quarrytest: open SQLite: %v", err)
	}
	closeAtEnd(t, db, "SQLite")
	return db
}

// Postgres returns a fresh, empty PostgreSQL database (a new schema on
// the test server, see the package documentation), closed and dropped
// when the test ends. opts are passed to [postgres.Open]. It skips the
// test when PostgreSQL is not available, or fails it when
// QUARRY_REQUIRE_POSTGRES=1. The test binary needs a TestMain calling
// [Main], unless QUARRY_TEST_POSTGRES names a server.
func Postgres(t testing.TB, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), PostgresURL(t), opts...)
	if err != nil {
		t.Fatalf("quarrytest: open PostgreSQL: %v", err)
	}
	closeAtEnd(t, db, "PostgreSQL")
	return db
}

// PostgresURL returns the URL of a fresh PostgreSQL schema on the test
// server, dropped when the test ends, for code under test that opens its
// own connections (its search_path is the schema). It skips or fails
// like [Postgres].
func PostgresURL(t testing.TB) string {
	t.Helper()
	url, err := freshSchema(t)
	if err != nil {
		t.Fatalf("quarrytest: %v", err)
	}
	return url
}

func closeAtEnd(t testing.TB, db *quarry.DB, what string) {
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("quarrytest: close %s: %v", what, err)
		}
	})
}

var mainCalled atomic.Bool

// Main runs the tests of a package, then stops the PostgreSQL cluster
// that [Postgres] started (if any), removes its files and exits. Call it
// from the package's TestMain:
//
//	func TestMain(m *testing.M) { quarrytest.Main(m) }
func Main(m *testing.M) {
	mainCalled.Store(true)
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "quarrytest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func requirePostgres() bool {
	v, _ := strconv.ParseBool(os.Getenv(EnvRequirePostgres))
	return v
}
