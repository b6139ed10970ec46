package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/quarry-orm/quarry/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite testdata/tour.golden with the tour's output")

func TestMain(m *testing.M) { testdb.Main(m) }

// TestTourGolden runs the tour on in-memory SQLite and compares every line
// it prints, SQL and results, with testdata/tour.golden. Run
// go test ./examples/tour -update after a deliberate change, and review
// the diff of the golden file.
func TestTourGolden(t *testing.T) {
	is := is.New(t)
	var out bytes.Buffer
	is.NoErr(run(context.Background(), &out, ""))
	golden := filepath.Join("testdata", "tour.golden")
	if *update {
		is.NoErr(os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	is.NoErr(err)
	if got := out.String(); got != string(want) {
		t.Errorf("tour output differs from %s (go test -update rewrites it):\n%s", golden, firstDifference(string(want), got))
	}
}

// TestTourPostgres runs the same tour on PostgreSQL, twice on one
// database (the second run drops what the first left): each must finish,
// print every section the SQLite run prints and the same results.
func TestTourPostgres(t *testing.T) {
	is := is.New(t)
	url := testdb.PostgresURL(t)
	var sqliteOut, pgOut, againOut bytes.Buffer
	is.NoErr(run(context.Background(), &sqliteOut, ""))
	is.NoErr(run(context.Background(), &pgOut, url))
	is.Equal(results(pgOut.String()), results(sqliteOut.String()))
	is.NoErr(run(context.Background(), &againOut, url))               // the same database again
	is.Equal(results(againOut.String()), results(sqliteOut.String())) // the same story and rows
	is.True(strings.Contains(againOut.String(), `DROP TABLE IF EXISTS "users"`))
}

// results keeps the lines that are not echoed SQL, parameters or printed
// statements: section titles, narration and rows, which are the same on
// every dialect.
func results(out string) []string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "   ") || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "-- ") || strings.HasPrefix(line, ")") {
			continue
		}
		keep = append(keep, line)
	}
	return keep
}

// firstDifference shows the first line where want and got part.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}
