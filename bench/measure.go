package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// Sample is one measurement of one op by one peer: testing.Benchmark's
// figures.
type Sample struct {
	NsPerOp     float64
	AllocsPerOp int64
}

// Results are the samples of one database, one per repetition.
type Results struct {
	// Kind is Postgres or SQLite; Version the server's version.
	Kind, Version string
	// Peers names the peers in the order of the tables, the baseline
	// first.
	Peers []string
	// Ops are the ops measured.
	Ops []Op
	// Samples holds, per op and peer name, one sample per repetition.
	Samples map[Op]map[string][]Sample
}

// Measure runs every op of ops on every peer of every env reps times,
// each (op, peer) through testing.Benchmark (so its benchtime applies).
// Everything runs in this one process, interleaved: in each repetition
// the databases take turns, each database's ops come in a new random
// order, and each op's peers too, so that a drift of the machine's speed
// spreads over all peers instead of favouring whoever ran first. Every
// measurement starts from the seeded table (Env.Trim). progress, if not
// nil, gets a line per measurement.
func Measure(ctx context.Context, envs []*Env, ops []Op, reps int, rng *rand.Rand, progress io.Writer) ([]*Results, error) {
	all := make([]*Results, len(envs))
	for i, e := range envs {
		r := &Results{Kind: e.Kind, Ops: ops, Samples: map[Op]map[string][]Sample{}}
		for _, p := range e.Peers {
			r.Peers = append(r.Peers, p.Name())
		}
		for _, op := range ops {
			r.Samples[op] = map[string][]Sample{}
		}
		v, err := e.Version(ctx)
		if err != nil {
			return nil, err
		}
		r.Version = v
		all[i] = r
	}
	for rep := range reps {
		for ei, e := range envs {
			order := shuffled(rng, ops)
			for _, op := range order {
				for _, p := range shuffled(rng, e.Peers) {
					if err := ctx.Err(); err != nil {
						return nil, err
					}
					if err := e.Trim(ctx); err != nil {
						return nil, err
					}
					s, err := benchmark(ctx, e, op, p)
					if err != nil {
						return nil, fmt.Errorf("%s %s %s: %w", e.Kind, op, p.Name(), err)
					}
					all[ei].Samples[op][p.Name()] = append(all[ei].Samples[op][p.Name()], s)
					if progress != nil {
						fmt.Fprintf(progress, "rep %d/%d  %-8s %-13s %-14s %12s/op %7d allocs/op\n",
							rep+1, reps, e.Kind, op, p.Name(), time.Duration(s.NsPerOp).Round(100*time.Nanosecond), s.AllocsPerOp)
					}
				}
			}
		}
	}
	for _, e := range envs {
		if err := e.Trim(ctx); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// benchmark measures one op of one peer.
func benchmark(ctx context.Context, e *Env, op Op, p Peer) (Sample, error) {
	var runErr error
	i := 0 // goes on across testing.Benchmark's rounds, so that writes vary
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := (Call{Op: op, I: i}).Run(ctx, p, e.Next); err != nil {
				runErr = err
				b.FailNow()
			}
			i++
		}
	})
	if runErr != nil {
		return Sample{}, runErr
	}
	if r.N == 0 {
		return Sample{}, fmt.Errorf("bench: the benchmark did not run")
	}
	return Sample{NsPerOp: float64(r.T.Nanoseconds()) / float64(r.N), AllocsPerOp: r.AllocsPerOp()}, nil
}

func shuffled[T any](rng *rand.Rand, s []T) []T {
	out := append([]T(nil), s...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
