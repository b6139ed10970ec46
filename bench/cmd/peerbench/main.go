// Command peerbench measures quarry against the raw drivers and GORM, bun
// and bob on the seven usual operations, on PostgreSQL (a throwaway
// server it starts, as quarry's tests do) and on in-memory SQLite, and
// prints a Markdown table per database. Progress goes to stderr.
//
//	cd bench && go run ./cmd/peerbench [-reps 3] [-ops InsertOne,Read100] [-db postgres,sqlite] [-benchtime 1s]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/quarry-orm/quarry/bench"
	"github.com/quarry-orm/quarry/quarrytest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

func run() (err error) {
	// testing.Benchmark reads the testing package's flags (benchtime).
	testing.Init()
	reps := flag.Int("reps", 3, "repetitions; each cell is the median over them")
	opsFlag := flag.String("ops", "all", "comma-separated ops: "+strings.Join(opNames(), ","))
	dbFlag := flag.String("db", "postgres,sqlite", "comma-separated databases: postgres, sqlite")
	benchtime := flag.String("benchtime", "1s", "run time of each (op, implementation) measurement, as go test's -benchtime")
	seed := flag.Uint64("seed", 0, "seed of the shuffles (0: from the clock)")
	flag.Parse()
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		return err
	}
	ops, err := bench.ParseOps(*opsFlag)
	if err != nil {
		return err
	}
	if *reps < 1 {
		return errors.New("-reps must be at least 1")
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var (
		envs    []*bench.Env
		servers []func() error // stop the PostgreSQL server, after the pools on it close
	)
	defer func() {
		for _, e := range envs {
			err = errors.Join(err, e.Close())
		}
		for _, stop := range servers {
			err = errors.Join(err, stop())
		}
	}()
	for db := range strings.SplitSeq(*dbFlag, ",") {
		var e *bench.Env
		switch strings.TrimSpace(db) {
		case bench.Postgres:
			url, stopPG, serr := quarrytest.ServePostgres()
			if serr != nil {
				return fmt.Errorf("start PostgreSQL: %w", serr)
			}
			servers = append(servers, stopPG)
			if e, err = bench.OpenPostgres(ctx, url); err != nil {
				return err
			}
		case bench.SQLite:
			if e, err = bench.OpenSQLite(ctx); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown -db %q", db)
		}
		envs = append(envs, e)
	}

	started := time.Now()
	rs, err := bench.Measure(ctx, envs, ops, *reps, rand.New(rand.NewPCG(*seed, 0)), os.Stderr)
	if err != nil {
		return err
	}
	fmt.Printf("`go run ./cmd/peerbench -reps %d -benchtime %s` (seed %d), %s, %s, %s/%s, %d CPUs (%s), %s.\n\n",
		*reps, *benchtime, *seed, started.Format("2006-01-02"), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), cpuModel(), time.Since(started).Round(time.Second))
	return bench.WriteMarkdown(os.Stdout, rs)
}

func opNames() []string {
	var names []string
	for _, o := range bench.Ops {
		names = append(names, o.String())
	}
	return names
}

// cpuModel returns the processor's name from /proc/cpuinfo, or "".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
