// Command tour walks through the storylines of SQLAlchemy's 1.3 ORM
// tutorial and 2.0 querying guide with quarry, printing every SQL statement
// it runs and what comes back. It runs on an in-memory SQLite database, or
// on PostgreSQL given -postgres URL. It first drops the tables it creates,
// so it runs again on the same database.
//
//	go run ./examples/tour
//	go run ./examples/tour -postgres postgres://localhost/tour
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

func main() {
	pgURL := flag.String("postgres", "", "run on the PostgreSQL database at this URL instead of in-memory SQLite")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *pgURL); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

// run opens the database with an echo of every statement to w, then tells
// both stories on it.
func run(ctx context.Context, w io.Writer, pgURL string) error {
	echo := quarry.WithLogger(slog.New(&echoHandler{w: w}))
	var (
		db  *quarry.DB
		err error
	)
	if pgURL != "" {
		db, err = postgres.Open(ctx, pgURL, echo)
	} else {
		db, err = sqlite.Open(ctx, ":memory:", echo)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	t := &tour{ctx: ctx, w: w, db: db}
	if err := t.reset(); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if err := t.tutorial(); err != nil {
		return fmt.Errorf("tutorial: %w", err)
	}
	if err := t.guide(); err != nil {
		return fmt.Errorf("guide: %w", err)
	}
	if err := t.beyond(); err != nil {
		return fmt.Errorf("beyond the documents: %w", err)
	}
	return nil
}

// reset drops the tables an earlier run left, so that the tour runs
// again on the same database (on SQLite in memory there are none).
func (t *tour) reset() error {
	t.say("DropAll drops the tour's tables that an earlier run left, children first:")
	return t.db.DropAll(t.ctx, Users, Addresses, Posts, Keywords, PostKeywords,
		GUsers, GAddresses, GOrders, GItems, OrderItems, Comments, Employees, Devices)
}

// tour carries what every section needs.
type tour struct {
	ctx context.Context
	w   io.Writer
	db  *quarry.DB
	s   *quarry.Session
	// objects the tutorial keeps using from section to section
	ed, jack, wendy *User
}

func (t *tour) section(title string) {
	fmt.Fprintf(t.w, "\n## %s\n\n", title)
}

// say prints a line of narration or a result.
func (t *tour) say(format string, args ...any) {
	fmt.Fprintf(t.w, format+"\n", args...)
}

// show prints a statement without running it, like print(stmt).
func (t *tour) show(stmt fmt.Stringer) {
	fmt.Fprintf(t.w, "-- %s\n", stmt)
}

// echoHandler prints each statement and its arguments the way
// SQLAlchemy's echo does.
type echoHandler struct{ w io.Writer }

func (h *echoHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *echoHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *echoHandler) WithGroup(string) slog.Handler            { return h }

func (h *echoHandler) Handle(_ context.Context, r slog.Record) error {
	var sql string
	var args []any
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "sql":
			sql = a.Value.String()
		case "args":
			args, _ = a.Value.Any().([]any)
		}
		return true
	})
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = formatArg(a)
	}
	fmt.Fprintf(h.w, "   %s\n   (%s)\n", sql, strings.Join(parts, ", "))
	return nil
}

func formatArg(a any) string {
	switch v := a.(type) {
	case nil:
		return "None"
	case string:
		return "'" + v + "'"
	case *string:
		if v == nil {
			return "None"
		}
		return "'" + *v + "'"
	case *int64:
		if v == nil {
			return "None"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprint(a)
}
