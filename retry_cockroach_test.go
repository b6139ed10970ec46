package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// rtVerbs keeps the transaction-control statements of a log, with the
// writes to the counters shortened to their verb.
func rtVerbs(log *testdb.Log) []string {
	var out []string
	for _, q := range log.Statements() {
		q = strings.ReplaceAll(q, `"`, "")
		switch {
		case q == "BEGIN", q == "COMMIT", q == "ROLLBACK", strings.Contains(q, "SAVEPOINT"):
			out = append(out, q)
		case strings.HasPrefix(q, "INSERT INTO rt_counters"):
			out = append(out, "INSERT")
		case strings.HasPrefix(q, "UPDATE rt_counters"):
			out = append(out, "UPDATE")
		case strings.HasPrefix(q, "SELECT") && strings.Contains(q, "rt_counters"):
			out = append(out, "SELECT")
		case strings.HasPrefix(q, "DO "):
			out = append(out, "DO")
		}
	}
	return out
}

// TestRetryCockroachSavepoint: with CockroachSavepoint, a conflict rolls
// back to SAVEPOINT cockroach_restart and runs fn again in a fresh
// Session inside the same transaction (one BEGIN), and the savepoint is
// released before COMMIT; the failed attempt's writes are gone.
func TestRetryCockroachSavepoint(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		rtSchema(t, db, 1)
		log.Reset()
		var sessions []*quarry.Session
		var retries []quarry.RetryInfo
		err := db.Transaction(ctx, func(s *quarry.Session) error {
			sessions = append(sessions, s)
			c, err := quarry.Get(ctx, s, RtCounters, int64(1))
			if err != nil {
				return err
			}
			c.N++
			if err := s.Add(&RtCounter{ID: int64(1 + len(sessions))}); err != nil {
				return err
			}
			if len(sessions) == 1 {
				if err := s.Flush(ctx); err != nil {
					return err
				}
				return errConflict // as CockroachDB's retry error at a statement
			}
			return nil
		}, quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{
			CockroachSavepoint: true,
			OnRetry:            func(ri quarry.RetryInfo) { retries = append(retries, ri) },
		}, &quarry.FakeClock{})))
		is.NoErr(err)
		is.Equal(len(sessions), 2)
		is.True(sessions[0] != sessions[1]) // a fresh Session for the restart
		is.Equal(len(retries), 1)
		is.Equal(rtVerbs(log), []string{
			"BEGIN", "SAVEPOINT cockroach_restart", // the transaction begins at the first statement
			"SELECT", "UPDATE", "INSERT", // a table's UPDATEs before its INSERTs, as SQLAlchemy's flush
			"ROLLBACK TO SAVEPOINT cockroach_restart",
			"SELECT", "UPDATE", "INSERT", // a table's UPDATEs before its INSERTs, as SQLAlchemy's flush
			"RELEASE SAVEPOINT cockroach_restart", "COMMIT",
		})
		is.Equal(rtCounts(t, db), []int64{1, 0}) // row 1 incremented once; row 3 of attempt 2 only
		ids, err := quarry.Select(RtCounters.ID).OrderBy(RtCounters.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{1, 3})
	})
}

// TestRetryCockroachSavepointServerError: on PostgreSQL, a serialization
// failure raised by the server aborts the transaction, and ROLLBACK TO
// SAVEPOINT cockroach_restart recovers it for the next attempt.
func TestRetryCockroachSavepointServerError(t *testing.T) {
	is := is.New(t)
	log := testdb.NewLog()
	db := testdb.Postgres(t, quarry.WithLogger(log.Logger()))
	ctx := context.Background()
	rtSchema(t, db, 1)
	log.Reset()
	attempts := 0
	err := db.Transaction(ctx, func(s *quarry.Session) error {
		attempts++
		c, err := quarry.Get(ctx, s, RtCounters, int64(1))
		if err != nil {
			return err
		}
		c.N += 5
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if attempts == 1 {
			_, err := s.Exec(ctx, quarry.Text(`DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '40001'; END $$`))
			is.True(errors.Is(err, quarry.ErrSerialization)) // classified
			return err
		}
		return nil
	}, quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{CockroachSavepoint: true}, &quarry.FakeClock{})))
	is.NoErr(err)
	is.Equal(attempts, 2)
	is.Equal(rtVerbs(log), []string{
		"BEGIN", "SAVEPOINT cockroach_restart", "SELECT", "UPDATE", "DO",
		"ROLLBACK TO SAVEPOINT cockroach_restart",
		"SELECT", "UPDATE", "RELEASE SAVEPOINT cockroach_restart", "COMMIT",
	})
	is.Equal(rtCounts(t, db), []int64{5})
}

// TestRetryCockroachSavepointFlushFailure: a conflict raised by a flush
// rolls back the whole transaction (as a failed flush always does), so
// the protocol starts over with a new one.
func TestRetryCockroachSavepointFlushFailure(t *testing.T) {
	is := is.New(t)
	log := testdb.NewLog()
	db := testdb.Postgres(t, quarry.WithLogger(log.Logger()))
	ctx := context.Background()
	is.NoErr(db.CreateAll(ctx, RtCounters))
	_, err := db.Exec(ctx, quarry.Text(`CREATE FUNCTION rt_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.id = 1 THEN RAISE EXCEPTION 'injected' USING ERRCODE = '40001'; END IF; RETURN NEW; END $$`))
	is.NoErr(err)
	_, err = db.Exec(ctx, quarry.Text(`CREATE TRIGGER rt_fail BEFORE INSERT ON rt_counters FOR EACH ROW EXECUTE FUNCTION rt_fail()`))
	is.NoErr(err)
	log.Reset()
	attempts := 0
	err = db.Transaction(ctx, func(s *quarry.Session) error {
		attempts++
		return s.Add(&RtCounter{ID: int64(attempts)}) // id 1 fails at the flush
	}, quarry.Retry(quarry.WithFakeClock(quarry.RetryPolicy{CockroachSavepoint: true}, &quarry.FakeClock{})))
	is.NoErr(err)
	is.Equal(attempts, 2)
	is.Equal(rtVerbs(log), []string{
		"BEGIN", "SAVEPOINT cockroach_restart", "INSERT", "ROLLBACK",
		"BEGIN", "SAVEPOINT cockroach_restart", "INSERT", "RELEASE SAVEPOINT cockroach_restart", "COMMIT",
	})
	is.Equal(rtCounts(t, db), []int64{0})
}
