package quarry_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/internal/testdb"
	"github.com/quarry-orm/quarry/quarrytest"
)

type PbAuthor struct {
	ID    int64
	Email string
	Books []*PbBook
}

type PbAuthorTable struct {
	quarry.Entity[PbAuthor]
	ID    quarry.Column[int64]          `quarry:"id,pk"`
	Email quarry.Column[string]         `quarry:"email,unique"`
	Books quarry.Many[PbAuthor, PbBook] `quarry:"order=id,back=Author,cascade=all"`
}

type PbBook struct {
	ID       int64
	AuthorID int64
	Title    string
	Author   *PbAuthor
}

type PbBookTable struct {
	quarry.Entity[PbBook]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	AuthorID quarry.Column[int64] `quarry:"author_id,fk=pb_authors.id"`
	Title    quarry.Column[string]
	Author   quarry.One[PbBook, PbAuthor] `quarry:"back=Books"`
}

var (
	PbAuthors = quarry.Table[PbAuthor, PbAuthorTable]("pb_authors")
	PbBooks   = quarry.Table[PbBook, PbBookTable]("pb_books")
)

// TestPgBouncerSession runs Session work through PgBouncer in
// transaction mode, in each exec mode that needs no server-side state:
// inserts, flush, a relationship load, savepoints, a unique violation
// and Retry under contention. It checks what quarry sends: no SET, no
// PREPARE, no savepoint outside a transaction.
func TestPgBouncerSession(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  quarry.OpenOption
	}{
		{"ForPooler", postgres.ForPooler()},
		{"CacheDescribe", postgres.WithExecMode(pgx.QueryExecModeCacheDescribe)},
		{"SimpleProtocol", postgres.WithExecMode(pgx.QueryExecModeSimpleProtocol)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			ctx := context.Background()
			log := testdb.NewLog()
			db := quarrytest.PgBouncer(t, tc.opt, quarry.WithLogger(log.Logger()))
			is.NoErr(db.CreateAll(ctx, PbAuthors, PbBooks, RtCounters))

			// Inserts and flush, with a cascade through the relationship.
			s := db.Session()
			defer s.Close(ctx)
			ann := &PbAuthor{Email: "ann@example.com", Books: []*PbBook{{Title: "one"}, {Title: "two"}}}
			is.NoErr(s.Add(ann))
			is.NoErr(s.Flush(ctx))
			is.True(ann.ID != 0 && ann.Books[1].AuthorID == ann.ID)
			is.NoErr(s.Commit(ctx))

			// A relationship load in a new Session, many times over (each
			// statement may run on another server connection).
			for range 5 {
				s2 := db.Session()
				a, err := quarry.Select(PbAuthors).Where(PbAuthors.Email.Eq("ann@example.com")).
					Options(quarry.SelectIn(PbAuthors.Books)).One(ctx, s2)
				is.NoErr(err)
				is.Equal(len(a.Books), 2)
				is.Equal(a.Books[0].Title, "one")
				is.NoErr(s2.Close(ctx))
			}

			// Savepoints: the inner change is rolled back, the outer kept.
			sp, err := s.BeginNested(ctx)
			is.NoErr(err)
			ann.Books[0].Title = "uno"
			inner, err := s.BeginNested(ctx)
			is.NoErr(err)
			is.NoErr(s.Add(&PbBook{AuthorID: ann.ID, Title: "three"}))
			is.NoErr(s.Flush(ctx))
			is.NoErr(inner.Rollback(ctx))
			is.NoErr(sp.Commit(ctx))
			is.NoErr(s.Commit(ctx))
			titles, err := quarry.Select(PbBooks.Title).OrderBy(PbBooks.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(titles, []string{"uno", "two"})

			// A unique violation fails the flush, rolls back, and the
			// Session goes on.
			is.NoErr(s.Add(&PbAuthor{Email: "ann@example.com"}))
			err = s.Commit(ctx)
			is.True(errors.Is(err, quarry.ErrUniqueViolation))
			s.ExpungeAll()
			is.NoErr(s.Add(&PbAuthor{Email: "bob@example.com"}))
			is.NoErr(s.Commit(ctx))
			n, err := quarry.Select(quarry.CountAll()).SelectFrom(PbAuthors).Scalar(ctx, db)
			is.NoErr(err)
			is.Equal(n, int64(2))

			// Retry under contention at SERIALIZABLE.
			rtSeed(t, db, 2)
			done, retries := rtContend(t, db, 6, 10, 2)
			is.Equal(done, int64(60))
			var sum int64
			for _, c := range rtCounts(t, db) {
				sum += c
			}
			is.Equal(sum, done)
			t.Logf("through PgBouncer: %d transactions, %d retries", done, retries)

			// Nothing sent depends on session state.
			inTx := false
			for _, q := range log.Statements() {
				up := strings.ToUpper(q)
				is.True(!strings.HasPrefix(up, "SET ") && !strings.HasPrefix(up, "PREPARE") && !strings.HasPrefix(up, "LISTEN")) // no session state
				switch {
				case q == "BEGIN":
					inTx = true
				case q == "COMMIT" || q == "ROLLBACK":
					inTx = false
				case strings.Contains(up, "SAVEPOINT"):
					is.True(inTx) // savepoints only inside a transaction
				}
			}
		})
	}
}

// rtSeed inserts counters 1..n at zero.
func rtSeed(t testing.TB, db *quarry.DB, n int) {
	t.Helper()
	err := db.Transaction(context.Background(), func(s *quarry.Session) error {
		for i := 1; i <= n; i++ {
			if err := s.Add(&RtCounter{ID: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rtContend runs workers goroutines of perWorker transactions each,
// incrementing counters 1..rows at SERIALIZABLE with Retry, and returns
// the number committed and the retries; any error fails the test.
func rtContend(t testing.TB, db *quarry.DB, workers, perWorker, rows int) (done, retries int64) {
	t.Helper()
	ctx := context.Background()
	var nDone, nRetries atomic.Int64
	p := quarry.RetryPolicy{
		MaxAttempts: 200, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond,
		OnRetry: func(quarry.RetryInfo) { nRetries.Add(1) },
	}
	ser := quarry.WithTxOptions(quarry.TxOptions{Isolation: sql.LevelSerializable, Write: true})
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			var err error
			for i := 0; i < perWorker && err == nil; i++ {
				id := int64((w+i)%rows + 1)
				err = db.Transaction(ctx, func(s *quarry.Session) error {
					c, err := quarry.Get(ctx, s, RtCounters, id)
					if err != nil {
						return err
					}
					c.N++
					return nil
				}, ser, quarry.Retry(p))
				if err == nil {
					nDone.Add(1)
				}
			}
			errs <- err
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	return nDone.Load(), nRetries.Load()
}
