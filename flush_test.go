package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// TestSessionFlushBatches inserts more rows than one statement takes:
// batched multi-row INSERTs fill every generated key in Add order.
func TestSessionFlushBatches(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		users := make([]*SessUser, 2500)
		for i := range users {
			users[i] = &SessUser{Name: fmt.Sprintf("u%04d", i), Fullname: "x"}
		}
		is.NoErr(quarry.AddAll(s, users))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		var inserts []int
		for _, e := range log.Entries() {
			if strings.HasPrefix(e.SQL, "INSERT") {
				inserts = append(inserts, len(e.Args))
			}
		}
		is.Equal(inserts, []int{3000, 3000, 1500}) // 1000 + 1000 + 500 rows of 3 columns
		for i, u := range users {
			is.Equal(u.ID, int64(i+1))
		}
		// Every object got the key of its own row.
		rows, err := quarry.Select2(SessUsers.ID, SessUsers.Name).OrderBy(SessUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), len(users))
		for i, r := range rows {
			is.Equal(r.V2, users[i].Name)
		}
	})
}

// TestSessionFlushDefaults reads server defaults of zero omitzero fields
// back through RETURNING and writes given values of defaulted columns
// (TestUVZeroValuesWritten covers fields without omitzero).
func TestSessionFlushDefaults(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		a := &SessAccount{Email: "a@x"}
		b := &SessAccount{Email: "b@x", Status: "vip", Credit: 9}
		is.NoErr(s.Add(a, b))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(*a, SessAccount{ID: 1, Email: "a@x", Status: "new", Credit: 5})
		is.Equal(*b, SessAccount{ID: 2, Email: "b@x", Status: "vip", Credit: 9})
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"INSERT INTO sess_accounts (email) VALUES (?) RETURNING id, status, credit",
			"INSERT INTO sess_accounts (email, status, credit) VALUES (?, ?, ?) RETURNING id",
			"COMMIT",
		})
		// Nothing changed: nothing is sent but the transaction.
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(log.Count(), 0)
	})
}

// TestSessionFlushOrder writes parents before children and deletes
// children before parents, whatever the order of Add and Delete.
func TestSessionFlushOrder(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		acc := &SessAccount{ID: 10, Email: "p@x"}
		o1 := &SessOrder{AccountID: 10, Total: 1}
		o2 := &SessOrder{AccountID: 10, Total: 2}
		is.NoErr(s.Add(o1, o2, acc)) // children first
		log.Reset()
		is.NoErr(s.Commit(ctx))
		st := sessSQL(log)
		is.True(strings.HasPrefix(st[1], "INSERT INTO sess_accounts"))
		is.True(strings.HasPrefix(st[2], "INSERT INTO sess_orders"))

		is.NoErr(s.Delete(acc, o2, o1)) // parent first
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"DELETE FROM sess_orders WHERE sess_orders.id IN (?, ?)",
			"DELETE FROM sess_accounts WHERE sess_accounts.id = ?",
			"COMMIT",
		})
	})
}

// TestSessionFlushIdentityConflict refuses a second object for a row
// before sending any DML, and rolls back the transaction the Get began,
// as any failed flush does.
func TestSessionFlushIdentityConflict(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(&SessUser{Name: "ed"}))
		is.NoErr(s.Commit(ctx))
		_, err := quarry.Get(ctx, s, SessUsers, 1)
		is.NoErr(err)
		dup := &SessUser{ID: 1, Name: "ed again"}
		is.NoErr(s.Add(dup))
		log.Reset()
		err = s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrIdentityConflict))
		is.Equal(len(log.Statements()), 0) // the check fails before the first write: no transaction to roll back
		s.Expunge(dup)
		is.NoErr(s.Commit(ctx))
	})
}

// failureFixture commits one account, then prepares a Session with an
// update of it and two new accounts, so that a flush sends an UPDATE and
// then an INSERT.
func failureFixture(t *testing.T, ctx context.Context, db *quarry.DB, before ...func(s *quarry.Session)) (*quarry.Session, *SessAccount, []*SessAccount) {
	t.Helper()
	is := is.New(t)
	setup := db.Session()
	is.NoErr(setup.Add(&SessAccount{Email: "a@x", Status: "old", Credit: 1}))
	is.NoErr(setup.Commit(ctx))
	is.NoErr(setup.Close(ctx))

	s := db.Session()
	a, err := quarry.Get(ctx, s, SessAccounts, 1)
	is.NoErr(err)
	for _, f := range before {
		f(s)
	}
	a.Status = "changed"
	news := []*SessAccount{{Email: "b@x", Status: "s", Credit: 1}, {Email: "a@x", Status: "s", Credit: 1}} // the second collides
	is.NoErr(quarry.AddAll(s, news))
	return s, a, news
}

// checkUntouched asserts that the database holds only the fixture's row,
// unchanged, and that no connection was left behind: another Session can
// take the write lock and commit at once.
func checkUntouched(t *testing.T, db *quarry.DB) {
	t.Helper()
	is := is.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := quarry.Select2(SessAccounts.Email, SessAccounts.Status).All(ctx, db)
	is.NoErr(err)
	is.Equal(rows, []quarry.Row2[string, string]{{V1: "a@x", V2: "old"}}) // nothing half-applied
	if pool := postgres.Pool(db); pool != nil {
		// pgxpool destroys a broken connection in the background (it
		// counts as acquired until closed): wait for that, not for a leak.
		for deadline := time.Now().Add(5 * time.Second); pool.Stat().AcquiredConns() != 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		is.Equal(pool.Stat().AcquiredConns(), int32(0)) // no connection leaked
	}
	other := db.Session()
	is.NoErr(other.Add(&SessCounter{ID: 99}))
	is.NoErr(other.Commit(ctx)) // the write lock is free
	is.NoErr(other.Close(ctx))
}

// checkRetry corrects the failure and commits again.
func checkRetry(t *testing.T, s *quarry.Session, a *SessAccount, news []*SessAccount, db *quarry.DB) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	news[1].Email = "c@x"
	is.NoErr(s.Commit(ctx))
	is.True(news[0].ID > 1 && news[1].ID > 1)
	rows, err := quarry.Select2(SessAccounts.Email, SessAccounts.Status).OrderBy(SessAccounts.Email).All(ctx, db)
	is.NoErr(err)
	is.Equal(rows, []quarry.Row2[string, string]{{V1: "a@x", V2: "changed"}, {V1: "b@x", V2: "s"}, {V1: "c@x", V2: "s"}})
	is.NoErr(s.Close(ctx))
}

// checkRebased asserts the Session's state after a failed flush: the
// update still pending, the new objects pending with no key.
func checkRebased(t *testing.T, s *quarry.Session, a *SessAccount, news []*SessAccount) {
	t.Helper()
	is := is.New(t)
	is.Equal(s.Dirty(), []any{a})
	is.Equal(s.New(), []any{news[0], news[1]})
	is.Equal(news[0].ID, int64(0))
	is.Equal(news[1].ID, int64(0))
	is.Equal(a.Status, "changed")
}

func TestSessionFlushUniqueViolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sessSchema(t, db)
		s, a, news := failureFixture(t, ctx, db)
		err := s.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrUniqueViolation))
		var de *quarry.DriverError
		is.True(errors.As(err, &de)) // the driver's error is underneath
		checkRebased(t, s, a, news)
		checkUntouched(t, db)
		checkRetry(t, s, a, news, db)
	})
}

// hookHandler calls fn with the SQL of every statement a DB runs, after it
// ran.
type hookHandler struct{ fn func(sql string) }

func (h hookHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h hookHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h hookHandler) WithGroup(string) slog.Handler            { return h }
func (h hookHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "sql" {
			h.fn(a.Value.String())
		}
		return true
	})
	return nil
}

func TestSessionFlushCancelled(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b, func(t *testing.T) {
			is := is.New(t)
			var cancel context.CancelFunc
			var once sync.Once
			h := hookHandler{fn: func(sql string) {
				if strings.HasPrefix(sql, "UPDATE") && cancel != nil {
					once.Do(cancel) // mid-flush: after the UPDATE, before the INSERT
				}
			}}
			db := testdb.Open(t, b, quarry.WithLogger(slog.New(h)))
			sessSchema(t, db)
			ctx := context.Background()
			s, a, news := failureFixture(t, ctx, db)
			news[1].Email = "c@x" // no collision: the cancellation is the failure
			cctx, c := context.WithCancel(ctx)
			cancel = c
			err := s.Commit(cctx)
			is.True(errors.Is(err, context.Canceled))
			checkRebased(t, s, a, news)
			checkUntouched(t, db)
			checkRetry(t, s, a, news, db)
		})
	}
}

// TestSessionFlushTerminated kills the Session's PostgreSQL backend in
// the middle of a flush, from another connection.
func TestSessionFlushTerminated(t *testing.T) {
	is := is.New(t)
	var (
		pid  int64
		once sync.Once
		kill func()
	)
	h := hookHandler{fn: func(sql string) {
		if strings.HasPrefix(sql, "UPDATE") && kill != nil {
			once.Do(kill)
		}
	}}
	db := testdb.Open(t, testdb.PostgreSQL, quarry.WithLogger(slog.New(h)))
	sessSchema(t, db)
	ctx := context.Background()
	s, a, news := failureFixture(t, ctx, db, func(s *quarry.Session) {
		var err error
		pid, err = quarry.Select(quarry.Func[int64]("pg_backend_pid")).Scalar(ctx, s)
		is.NoErr(err)
	})
	news[1].Email = "c@x"
	kill = func() {
		pool := postgres.Pool(db)
		_, err := pool.Exec(ctx, "SELECT pg_terminate_backend($1)", pid)
		is.NoErr(err)
		// Wait until the backend is gone, so the next statement meets a
		// dead connection.
		for i := 0; i < 1000; i++ { // up to 20 s on a loaded machine
			var n int
			is.NoErr(pool.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n))
			if n == 0 {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Error("backend did not terminate")
	}
	err := s.Commit(ctx)
	is.True(err != nil)
	t.Logf("flush error: %v", err)
	checkRebased(t, s, a, news)
	checkUntouched(t, db)
	checkRetry(t, s, a, news, db)
}

// TestSessionFlushReplace deletes an object and adds a new one with the
// same primary key: the flush writes one UPDATE of the row, as
// SQLAlchemy does, and the Session treats it as a delete and an insert
// (Rollback brings the old object back and expunges the new one). A
// failed flush leaves both as they were, for a retry.
func TestSessionFlushReplace(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadTutorial(t, db)
		s := db.Session()
		defer s.Close(ctx)
		keywordOf := func(id int64) string {
			k, err := quarry.Select(TKeywords.Keyword).Where(TKeywords.ID.Eq(id)).One(ctx, s)
			is.NoErr(err)
			return k
		}

		old, err := quarry.Get(ctx, s, TKeywords, int64(1))
		is.NoErr(err)
		is.NoErr(s.Delete(old))
		repl := &TKeyword{ID: 1, Keyword: "replacement"}
		is.NoErr(s.Add(repl))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		var writes []string
		for _, st := range log.Statements() {
			if strings.HasPrefix(st, "UPDATE") || strings.HasPrefix(st, "INSERT") || strings.HasPrefix(st, "DELETE FROM \"keywords\"") {
				writes = append(writes, normSQL(st))
			}
		}
		is.Equal(writes, []string{"UPDATE keywords SET keyword = ? WHERE keywords.id = ?"})
		is.True(s.Contains(repl))
		is.True(!s.Contains(old))
		got, err := quarry.Get(ctx, s, TKeywords, int64(1))
		is.NoErr(err)
		is.True(got == repl)
		is.Equal(keywordOf(1), "replacement")

		// Rollback: the old object is back, the new one is gone.
		is.NoErr(s.Rollback(ctx))
		is.True(s.Contains(old))
		is.True(!s.Contains(repl))
		is.Equal(keywordOf(1), old.Keyword)

		// A failed flush (a duplicate keyword) keeps the replacement
		// pending; the corrected retry writes it.
		is.NoErr(s.Delete(old))
		repl = &TKeyword{ID: 1, Keyword: "replacement"}
		dup := &TKeyword{ID: 50, Keyword: "replacement"} // (the fixture's ids leave PostgreSQL's sequence behind)
		is.NoErr(s.Add(repl, dup))
		is.True(s.Flush(ctx) != nil)
		is.Equal(s.Deleted(), []any{old}) // as before the flush
		is.Equal(len(s.New()), 2)
		is.Equal(repl.ID, int64(1))
		dup.Keyword = "another"
		is.NoErr(s.Commit(ctx))
		is.Equal(keywordOf(1), "replacement")
		is.Equal(keywordOf(50), "another")
	})
}
