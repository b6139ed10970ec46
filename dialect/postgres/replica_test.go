package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/internal/testdb"
	"github.com/quarry-orm/quarry/quarrytest"
)

// RRNote is a row of the read-replica tests.
type RRNote struct {
	ID   int64
	Body string
}

// RRNoteTable maps RRNote to rr_notes.
type RRNoteTable struct {
	quarry.Entity[RRNote]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Body quarry.Column[string]
}

var RRNotes = quarry.Table[RRNote, RRNoteTable]("rr_notes")

// rrPort is the port of the server that ran the read: which node the
// statement was routed to.
func rrPort(t *testing.T, ctx context.Context, ex quarry.Executor) int {
	t.Helper()
	p, err := quarry.Select(quarry.Func[int64]("inet_server_port")).One(ctx, ex)
	if err != nil {
		t.Fatalf("inet_server_port: %v", err)
	}
	return int(p)
}

func portOf(t *testing.T, u string) int {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(pu.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rrBodies returns the bodies of the notes read through ex.
func rrBodies(t *testing.T, ctx context.Context, ex quarry.Executor) []string {
	t.Helper()
	notes, err := quarry.Select(RRNotes).OrderBy(RRNotes.ID.Asc()).All(ctx, ex)
	if err != nil {
		t.Fatalf("select notes: %v", err)
	}
	var out []string
	for _, n := range notes {
		out = append(out, n.Body)
	}
	return out
}

func rrStats(t *testing.T, db *quarry.DB) (primary, replica dialect.NodeStats) {
	t.Helper()
	st := db.Stats()
	if len(st) != 2 || !st[0].Primary || st[1].Primary {
		t.Fatalf("stats: want the primary and one replica, got %+v", st)
	}
	return st[0], st[1]
}

// Reads go to the replica, writes and transactions to the primary, a
// Session moves to the primary at its first write, a commit is read back
// by its Session and by its ReadYourWrites key while the replica's replay
// is paused, and reads fail over to the primary when the replica stops.
// Everything runs against a real streaming replica.
func TestReadReplicas(t *testing.T) {
	ctx := context.Background()
	rp := quarrytest.StartReplicated(t)
	primaryPort, replicaPort := portOf(t, rp.PrimaryURL), portOf(t, rp.ReplicaURL)
	log := testdb.NewLog()
	// No periodic check while the test runs (an hour): what moves the
	// routing here is the reads themselves and the lazy replay checks.
	db, err := postgres.Open(ctx, rp.PrimaryURL,
		postgres.WithReplicas(rp.ReplicaURL), postgres.WithMaxLag(time.Hour),
		postgres.WithHealthInterval(time.Hour), quarry.WithLogger(log.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateAll(ctx, RRNotes); err != nil {
		t.Fatal(err)
	}
	if err := rp.WaitReplay(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("routing", func(t *testing.T) {
		is := is.New(t)
		_, before := rrStats(t, db)
		is.Equal(rrPort(t, ctx, db), replicaPort) // a DB read goes to the replica
		_, after := rrStats(t, db)
		is.Equal(after.Reads, before.Reads+1)
		is.True(after.Healthy && after.Usable)
		// DML on the DB goes to the primary (the replica would refuse it:
		// read-only).
		n, err := quarry.Insert(RRNotes).Values(&RRNote{ID: 1, Body: "db insert"}).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		_, err = db.Exec(ctx, quarry.Text("UPDATE rr_notes SET body = body || '!' WHERE id = 1"))
		is.NoErr(err)
		is.NoErr(rp.WaitReplay(ctx))
		is.Equal(rrBodies(t, ctx, db), []string{"db insert!"})
		// Primary() keeps a Session's reads on the primary.
		s := db.Session(quarry.Primary())
		defer s.Close(ctx)
		is.Equal(rrPort(t, ctx, s), primaryPort)
	})

	t.Run("session switches at first write", func(t *testing.T) {
		is := is.New(t)
		s := db.Session()
		defer s.Close(ctx)
		is.Equal(rrPort(t, ctx, s), replicaPort) // before any write
		is.NoErr(s.Add(&RRNote{ID: 2, Body: "session"}))
		log.Reset()
		is.Equal(rrPort(t, ctx, s), primaryPort) // autoflush wrote: in the transaction now
		stmts := log.Statements()
		is.True(len(stmts) == 3)
		is.Equal(stmts[0], "BEGIN")
		is.True(strings.HasPrefix(stmts[1], `INSERT INTO "rr_notes"`))
		is.True(strings.Contains(stmts[2], "inet_server_port"))
		is.Equal(rrBodies(t, ctx, s), []string{"db insert!", "session"}) // its own write, on the primary
		is.NoErr(s.Commit(ctx))
		is.NoErr(rp.WaitReplay(ctx))
		is.Equal(rrPort(t, ctx, s), replicaPort) // committed and replayed: back on the replica
		is.Equal(rrBodies(t, ctx, s), []string{"db insert!", "session"})
	})

	t.Run("read your writes under lag", func(t *testing.T) {
		is := is.New(t)
		is.NoErr(rp.PauseReplay(ctx))
		defer rp.ResumeReplay(ctx)
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(&RRNote{ID: 3, Body: "paused"}))
		is.NoErr(s.Commit(ctx))
		// The replica has not replayed the commit: the Session's next
		// read goes to the primary and sees it ...
		is.Equal(rrPort(t, ctx, s), primaryPort)
		is.Equal(rrBodies(t, ctx, s), []string{"db insert!", "session", "paused"})
		// ... while a read with no claim on it still goes to the
		// (stale) replica.
		is.Equal(rrPort(t, ctx, db), replicaPort)
		is.Equal(rrBodies(t, ctx, db), []string{"db insert!", "session"})

		// The same for a key: a commit under ReadYourWrites("user-7") is
		// seen by the next reads under that key, in another Session or
		// on the DB, and not promised to other keys.
		u7 := quarry.ReadYourWrites(ctx, "user-7")
		is.NoErr(db.Transaction(u7, func(s *quarry.Session) error {
			return s.Add(&RRNote{ID: 4, Body: "user-7"})
		}))
		is.Equal(rrPort(t, u7, db), primaryPort)
		is.Equal(rrBodies(t, u7, db), []string{"db insert!", "session", "paused", "user-7"})
		other := db.Session()
		defer other.Close(ctx)
		is.Equal(rrBodies(t, u7, other), []string{"db insert!", "session", "paused", "user-7"})
		u8 := quarry.ReadYourWrites(ctx, "user-8")
		is.Equal(rrPort(t, u8, db), replicaPort)
		is.Equal(rrBodies(t, u8, db), []string{"db insert!", "session"})

		is.NoErr(rp.ResumeReplay(ctx))
		is.NoErr(rp.WaitReplay(ctx))
		is.Equal(rrPort(t, u7, db), replicaPort) // replayed: the replica will do again
		is.Equal(rrPort(t, ctx, s), replicaPort)
		is.Equal(rrBodies(t, u7, db), []string{"db insert!", "session", "paused", "user-7"})
	})

	t.Run("failover when the replica stops", func(t *testing.T) {
		is := is.New(t)
		is.NoErr(rp.StopReplica())
		for range 3 {
			is.Equal(rrPort(t, ctx, db), primaryPort) // every read still succeeds
		}
		fs := db.Session()
		defer fs.Close(ctx)
		is.Equal(rrBodies(t, ctx, fs), []string{"db insert!", "session", "paused", "user-7"})
		p, r := rrStats(t, db)
		is.True(!r.Healthy && !r.Usable)
		is.True(r.Errors >= 1)
		is.True(p.Healthy)
		is.True(p.Reads >= 4) // routed to the primary instead
		// Writes never depended on the replica.
		is.NoErr(db.Transaction(ctx, func(s *quarry.Session) error {
			return s.Add(&RRNote{ID: 5, Body: "after failover"})
		}))

		// A DB opened while the replica is down starts with it
		// unhealthy (the first check runs in Open) and reads on the
		// primary without trying it.
		db2, err := postgres.Open(ctx, rp.PrimaryURL, postgres.WithReplicas(rp.ReplicaURL),
			postgres.WithHealthInterval(20*time.Millisecond))
		is.NoErr(err)
		defer db2.Close()
		_, r2 := rrStats(t, db2)
		is.True(!r2.Healthy)
		is.True(!r2.Checked.IsZero())
		is.Equal(rrPort(t, ctx, db2), primaryPort)
		time.Sleep(60 * time.Millisecond) // a few periodic checks
		_, r2 = rrStats(t, db2)
		is.True(!r2.Healthy)
		is.Equal(r2.Reads, uint64(0))
		is.Equal(r2.Retries, uint64(0))
	})
}

// A replica that breaks under an open read connection: the read moves to
// another node without an error (reads only; a write never runs on a
// read connection).
func TestReadReplicaRetry(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	rp := quarrytest.StartReplicated(t)
	db, err := postgres.Open(ctx, rp.PrimaryURL, postgres.WithReplicas(rp.ReplicaURL),
		postgres.WithHealthInterval(time.Hour))
	is.NoErr(err)
	defer db.Close()
	drv, ok := db.Driver().(dialect.ReadRouter)
	is.True(ok)
	c, err := drv.AcquireRead(ctx, 0)
	is.NoErr(err)
	defer c.Release()
	rows, err := c.Query(ctx, "SELECT inet_server_port()", nil)
	is.NoErr(err)
	var port int
	is.True(rows.Next())
	is.NoErr(rows.Scan(&port))
	is.NoErr(rows.Close())
	is.Equal(port, portOf(t, rp.ReplicaURL))
	// The connection stays on the replica, which now goes away.
	is.NoErr(rp.StopReplica())
	rows, err = c.Query(ctx, "SELECT inet_server_port()", nil)
	is.NoErr(err)
	is.True(rows.Next())
	is.NoErr(rows.Scan(&port))
	is.NoErr(rows.Close())
	is.Equal(port, portOf(t, rp.PrimaryURL)) // retried on the primary
	_, r := rrStats(t, db)
	is.Equal(r.Retries, uint64(1))
	is.True(!r.Healthy)
	_, err = c.Exec(ctx, "DELETE FROM rr_notes", nil)
	is.True(err != nil) // a read connection runs no write
	_, err = c.Begin(ctx, dialect.TxOptions{})
	is.True(err != nil)
	// A statement's own error is not retried elsewhere.
	rows, err = c.Query(ctx, "SELECT 1/0", nil)
	if err == nil {
		is.True(!rows.Next())
		err = rows.Close()
	}
	is.True(err != nil && !errors.Is(err, context.Canceled))
}

// Without replicas, on every backend: Primary and ReadYourWrites change
// nothing, and the DB reports no node statistics.
func TestReadReplicaOptionsWithoutReplicas(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := quarry.ReadYourWrites(context.Background(), "user-1")
		is.NoErr(db.CreateAll(ctx, RRNotes))
		is.True(db.Stats() == nil)
		s := db.Session(quarry.Primary())
		defer s.Close(ctx)
		is.NoErr(s.Add(&RRNote{ID: 1, Body: "one"}))
		is.NoErr(s.Commit(ctx))
		log.Reset()
		is.Equal(rrBodies(t, ctx, s), []string{"one"})
		is.Equal(rrBodies(t, ctx, db), []string{"one"})
		is.Equal(len(log.Statements()), 2)
		is.True(strings.HasPrefix(log.Statements()[0], `SELECT "rr_notes"."id", "rr_notes"."body" FROM "rr_notes"`))
	})
}
