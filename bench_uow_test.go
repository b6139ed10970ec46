package quarry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Benchmarks of the relationship part of the unit of work:
//
//	go test -run '^$' -bench 'UOW' -benchmem .

// BenchmarkUOWFlushRelated inserts 1,000 users with 10 addresses each,
// brought in by the save-update cascade, in one commit.
func BenchmarkUOWFlushRelated(b *testing.B) {
	for _, backend := range []string{testdb.SQLiteMemory, testdb.PostgreSQL} {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			ctx := context.Background()
			if err := db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				users := make([]*TUser, 1000)
				for i := range users {
					u := &TUser{Name: fmt.Sprint("user", i)}
					for j := range 10 {
						u.Addresses = append(u.Addresses, &TAddress{EmailAddress: fmt.Sprint(i, "@", j)})
					}
					users[i] = u
				}
				b.StartTimer()
				s := db.Session()
				if err := quarry.AddAll(s, users); err != nil {
					b.Fatal(err)
				}
				if err := s.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				s.Close(ctx)
			}
		})
	}
}

// BenchmarkUOWFlushLoadedGraph changes one of 1,000 users whose 10,000
// addresses are loaded, and flushes: the cost of comparing a loaded
// graph with its snapshots.
func BenchmarkUOWFlushLoadedGraph(b *testing.B) {
	for _, backend := range []string{testdb.SQLiteMemory, testdb.PostgreSQL} {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			loadHundred(b, db, 1000, 10)
			ctx := context.Background()
			s := db.Session()
			defer s.Close(ctx)
			users, err := quarry.Select(TUsers).Options(quarry.SelectIn(TUsers.Addresses)).All(ctx, s)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				users[i%len(users)].Nickname = fmt.Sprint("n", i)
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
