package testdb

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
)

// Entry is one statement a database ran, as quarry logged it.
type Entry struct {
	SQL  string
	Args []any
}

// Log records the statements a [quarry.DB] runs, through the logger given
// to [quarry.WithLogger]. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	entries []Entry
}

// NewLog returns an empty Log. Pass its [Log.Logger] to
// [quarry.WithLogger]; [EachLogged] does this for you.
func NewLog() *Log { return &Log{} }

// Logger returns a logger that records into the Log every record carrying
// a "sql" attribute, with its "args".
func (l *Log) Logger() *slog.Logger { return slog.New(logHandler{l}) }

// Statements returns the SQL of the statements recorded so far, in order.
func (l *Log) Statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.SQL
	}
	return out
}

// Entries returns the statements recorded so far, with their arguments,
// in order.
func (l *Log) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, len(l.entries))
	for i, e := range l.entries {
		out[i] = Entry{SQL: e.SQL, Args: slices.Clone(e.Args)}
	}
	return out
}

// Count returns the number of statements recorded so far.
func (l *Log) Count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// Reset forgets the statements recorded so far.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
}

func (l *Log) dump(t testing.TB) {
	for i, e := range l.Entries() {
		t.Logf("sql[%d]: %s %v", i, e.SQL, e.Args)
	}
}

type logHandler struct{ l *Log }

func (h logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h logHandler) Handle(_ context.Context, r slog.Record) error {
	var (
		e     Entry
		found bool
	)
	r.Attrs(func(a slog.Attr) bool {
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
	h.l.mu.Lock()
	h.l.entries = append(h.l.entries, e)
	h.l.mu.Unlock()
	return nil
}

func (h logHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logHandler) WithGroup(string) slog.Handler      { return h }
