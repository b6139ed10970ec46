package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/quarrytest"
)

// BenchmarkReadReplicas reads one row by key from many goroutines, on
// the primary alone and with one streaming replica taking the reads
// (both servers on this machine), and reports reads per second.
//
//	go test -run '^$' -bench ReadReplicas ./dialect/postgres
func BenchmarkReadReplicas(b *testing.B) {
	ctx := context.Background()
	rp := quarrytest.StartReplicated(b)
	setup, err := postgres.Open(ctx, rp.PrimaryURL)
	if err != nil {
		b.Fatal(err)
	}
	if err := setup.CreateAll(ctx, RRNotes); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		if _, err := quarry.Insert(RRNotes).Values(&RRNote{ID: int64(i + 1), Body: "bench"}).Exec(ctx, setup); err != nil {
			b.Fatal(err)
		}
	}
	setup.Close()
	if err := rp.WaitReplay(ctx); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		opts []quarry.OpenOption
	}{
		{"primary-only", nil},
		{"primary+1-replica", []quarry.OpenOption{postgres.WithReplicas(rp.ReplicaURL)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db, err := postgres.Open(ctx, rp.PrimaryURL, bc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			q := quarry.Select(RRNotes).Where(RRNotes.ID.Eq(7))
			b.SetParallelism(4)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := q.One(ctx, db); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reads/s")
		})
	}
}
