package quarry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Session benchmarks, on SQLite in memory and on PostgreSQL when it is
// available:
//
//	go test -run '^$' -bench 'Session' -benchmem .

const benchRows = 10000

func benchBackends(b *testing.B, fn func(b *testing.B, db *quarry.DB)) {
	for _, name := range []string{testdb.SQLiteMemory, testdb.PostgreSQL} {
		b.Run(name, func(b *testing.B) {
			db := testdb.Open(b, name)
			sessSchema(b, db)
			fn(b, db)
		})
	}
}

func newUsers(n int) []*SessUser {
	us := make([]*SessUser, n)
	for i := range us {
		us[i] = &SessUser{Name: "user" + fmt.Sprint(i), Fullname: "Full Name"}
	}
	return us
}

// BenchmarkSessionFlushInsert flushes 10,000 new objects in one commit.
func BenchmarkSessionFlushInsert(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *quarry.DB) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			us := newUsers(benchRows)
			b.StartTimer()
			s := db.Session()
			if err := quarry.AddAll(s, us); err != nil {
				b.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			s.Close(ctx)
		}
	})
}

// BenchmarkSessionRollback is a Session that writes one row and rolls
// it back: BEGIN and the INSERT in one batch, then the ROLLBACK.
func BenchmarkSessionRollback(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *quarry.DB) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			s := db.Session()
			if err := s.Add(newUsers(1)[0]); err != nil {
				b.Fatal(err)
			}
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			if err := s.Rollback(ctx); err != nil {
				b.Fatal(err)
			}
			s.Close(ctx)
		}
	})
}

// BenchmarkSessionHandInsert is the hand-written equivalent: batched
// multi-row INSERT ... RETURNING id over the same driver, in one
// transaction, filling the ids in.
func BenchmarkSessionHandInsert(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *quarry.DB) {
		ctx := context.Background()
		d := db.Dialect()
		const batch = 1000
		var sb strings.Builder
		sb.WriteString(`INSERT INTO "sess_users" ("name", "fullname", "nickname") VALUES `)
		for r := 0; r < batch; r++ {
			if r > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for c := 0; c < 3; c++ {
				if c > 0 {
					sb.WriteString(", ")
				}
				sb.Write(d.AppendPlaceholder(nil, r*3+c+1))
			}
			sb.WriteByte(')')
		}
		sb.WriteString(` RETURNING "id"`)
		sql := sb.String()
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			us := newUsers(benchRows)
			b.StartTimer()
			tx, err := db.Driver().Begin(ctx, quarry.TxOptions{Write: true})
			if err != nil {
				b.Fatal(err)
			}
			args := make([]any, 0, batch*3)
			for i := 0; i < len(us); i += batch {
				args = args[:0]
				for _, u := range us[i : i+batch] {
					args = append(args, u.Name, u.Fullname, u.Nickname)
				}
				rows, err := tx.Query(ctx, sql, args)
				if err != nil {
					b.Fatal(err)
				}
				j := i
				for rows.Next() {
					if err := rows.Scan(&us[j].ID); err != nil {
						b.Fatal(err)
					}
					j++
				}
				rows.Close()
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func seedUsers(b *testing.B, db *quarry.DB) {
	ctx := context.Background()
	n, err := quarry.Select(quarry.CountAll()).SelectFrom(SessUsers).Scalar(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	if n >= benchRows {
		return
	}
	s := db.Session()
	if err := quarry.AddAll(s, newUsers(benchRows)); err != nil {
		b.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		b.Fatal(err)
	}
}

var loadQuery = quarry.Select(SessUsers).Limit(benchRows)

// BenchmarkSessionLoad loads 10,000 entities through a Session.
func BenchmarkSessionLoad(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *quarry.DB) {
		ctx := context.Background()
		seedUsers(b, db)
		b.ReportAllocs()
		for b.Loop() {
			s := db.Session(quarry.WithTxOptions(quarry.TxOptions{}))
			us, err := loadQuery.All(ctx, s)
			if err != nil || len(us) != benchRows {
				b.Fatal(err, len(us))
			}
			s.Close(ctx)
		}
	})
}

// BenchmarkSessionLoadNoSession loads the same entities without a
// Session (no identity map, no snapshots).
func BenchmarkSessionLoadNoSession(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *quarry.DB) {
		ctx := context.Background()
		seedUsers(b, db)
		b.ReportAllocs()
		for b.Loop() {
			us, err := loadQuery.All(ctx, db)
			if err != nil || len(us) != benchRows {
				b.Fatal(err, len(us))
			}
		}
	})
}

// BenchmarkSessionGetHit gets an object already in the identity map: no
// SQL, no allocation.
func BenchmarkSessionGetHit(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *quarry.DB) {
		ctx := context.Background()
		seedUsers(b, db)
		s := db.Session()
		defer s.Close(ctx)
		if _, err := quarry.Get(ctx, s, SessUsers, int64(5000)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			u, err := quarry.Get(ctx, s, SessUsers, int64(5000))
			if err != nil || u.ID != 5000 {
				b.Fatal(err)
			}
		}
	})
}
