package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteMarkdown writes one Markdown table per database: a row per op, a
// column per peer. The baseline's column (the first) gives its median
// time per op; every other cell gives the median, over the repetitions,
// of the peer's time divided by the baseline's in the same repetition
// (a ratio taken close in time survives the machine's drift better than
// a ratio of medians), and its allocations per op.
func WriteMarkdown(w io.Writer, rs []*Results) error {
	var b strings.Builder
	for _, r := range rs {
		base := r.Peers[0]
		fmt.Fprintf(&b, "%s (%s), ratio of time per op to %s, median of the repetitions:\n\n", title(r.Kind), r.Version, base)
		b.WriteString("| Operation |")
		for _, p := range r.Peers {
			fmt.Fprintf(&b, " %s |", p)
		}
		b.WriteString("\n|---|")
		b.WriteString(strings.Repeat("---:|", len(r.Peers)))
		b.WriteString("\n")
		for _, op := range r.Ops {
			fmt.Fprintf(&b, "| %s |", op.Title())
			baseline := r.Samples[op][base]
			for i, p := range r.Peers {
				ss := r.Samples[op][p]
				allocs := medianInt(ss)
				if i == 0 {
					fmt.Fprintf(&b, " %s (%d allocs) |", micros(medianNs(ss)), allocs)
					continue
				}
				fmt.Fprintf(&b, " %.2fx (%d allocs) |", medianRatio(ss, baseline), allocs)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func title(kind string) string {
	if kind == Postgres {
		return "PostgreSQL"
	}
	return "SQLite in memory"
}

// micros formats a time per op in µs, with three significant digits or
// more.
func micros(ns float64) string {
	us := ns / 1e3
	switch {
	case us >= 100:
		return fmt.Sprintf("%.0f µs", us)
	case us >= 10:
		return fmt.Sprintf("%.1f µs", us)
	}
	return fmt.Sprintf("%.2f µs", us)
}

func medianNs(ss []Sample) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = s.NsPerOp
	}
	return median(v)
}

func medianInt(ss []Sample) int64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = float64(s.AllocsPerOp)
	}
	return int64(median(v) + 0.5)
}

// medianRatio pairs the samples of a peer with the baseline's by
// repetition.
func medianRatio(ss, base []Sample) float64 {
	v := make([]float64, 0, len(ss))
	for i := range min(len(ss), len(base)) {
		v = append(v, ss[i].NsPerOp/base[i].NsPerOp)
	}
	return median(v)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
