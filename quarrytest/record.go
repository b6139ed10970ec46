package quarrytest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/quarry-orm/quarry"
)

// Statement is one statement a database ran, as quarry sent it: the SQL
// with the dialect's placeholders, and the bound arguments in order.
type Statement struct {
	SQL  string
	Args []any
}

// Recorder records the statements a [quarry.DB] runs, BEGIN, COMMIT,
// ROLLBACK and savepoints included, in the order they ran. Attach it when
// the database is opened, with [Recorder.Option]. It is safe for
// concurrent use.
//
// It listens to quarry's statement log ([quarry.WithLogger]), which takes
// one logger per DB: a DB given both a Recorder and a logger of its own
// keeps the last option of the two.
type Recorder struct {
	mu    sync.Mutex
	stmts []Statement
}

// Record returns an empty Recorder.
func Record() *Recorder { return &Recorder{} }

// Option returns the option that attaches the Recorder to a DB, for
// [SQLite], [Postgres], or any driver's Open.
func (r *Recorder) Option() quarry.OpenOption { return quarry.WithLogger(r.Logger()) }

// Logger returns a logger that records into the Recorder every record of
// quarry's statement log (those carrying a "sql" attribute).
func (r *Recorder) Logger() *slog.Logger { return slog.New(recordHandler{r}) }

// Statements returns the SQL of the statements recorded so far, in order.
func (r *Recorder) Statements() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.stmts))
	for i, e := range r.stmts {
		out[i] = e.SQL
	}
	return out
}

// Entries returns the statements recorded so far, with their arguments,
// in order.
func (r *Recorder) Entries() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Statement, len(r.stmts))
	for i, e := range r.stmts {
		out[i] = Statement{SQL: e.SQL, Args: slices.Clone(e.Args)}
	}
	return out
}

// Count returns the number of statements recorded so far.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.stmts)
}

// Reset forgets the statements recorded so far: call it after a test's
// setup, so that the assertions see only the code under test.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = nil
}

// AssertStatements fails the test (with Errorf, so the test goes on)
// unless the SQL of the statements recorded so far is exactly want, in
// order. The message shows the first difference and every statement
// recorded.
func (r *Recorder) AssertStatements(t testing.TB, want ...string) {
	t.Helper()
	got := r.Statements()
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "statement %d differs:\n  want: %s\n  got:  %s\n", i, orNone(i, len(want), w), orNone(i, len(got), g))
			break
		}
	}
	t.Errorf("quarrytest: %d statements recorded, %d wanted; %s%s", len(got), len(want), b.String(), r.listing())
}

// AssertCount fails the test (with Errorf) unless exactly n statements
// were recorded so far; the message lists them. Asserting the count of a
// code path is how an N+1 query pattern shows up in a test.
func (r *Recorder) AssertCount(t testing.TB, n int) {
	t.Helper()
	if got := r.Count(); got != n {
		t.Errorf("quarrytest: %d statements recorded, %d wanted\n%s", got, n, r.listing())
	}
}

// Dump writes the statements recorded so far, with their arguments, to
// the test log.
func (r *Recorder) Dump(t testing.TB) {
	t.Helper()
	for i, e := range r.Entries() {
		t.Logf("sql[%d]: %s %v", i, e.SQL, e.Args)
	}
}

func (r *Recorder) listing() string {
	var b strings.Builder
	b.WriteString("recorded:\n")
	for i, s := range r.Statements() {
		fmt.Fprintf(&b, "  [%d] %s\n", i, s)
	}
	return b.String()
}

func orNone(i, n int, s string) string {
	if i >= n {
		return "(none)"
	}
	return s
}

type recordHandler struct{ r *Recorder }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h recordHandler) Handle(_ context.Context, rec slog.Record) error {
	var (
		e     Statement
		found bool
	)
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "sql":
			e.SQL, found = a.Value.String(), true
		case "args":
			if args, ok := a.Value.Any().([]any); ok {
				e.Args = slices.Clone(args)
			}
		}
		return true
	})
	if !found {
		return nil
	}
	h.r.mu.Lock()
	h.r.stmts = append(h.r.stmts, e)
	h.r.mu.Unlock()
	return nil
}

func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }
