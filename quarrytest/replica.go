package quarrytest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Replicated is a PostgreSQL primary and one streaming replica started
// for one test (apart from the shared server, so that the test may stop
// or pause them), both stopped and removed when the test ends.
type Replicated struct {
	// PrimaryURL and ReplicaURL connect as the superuser to the
	// postgres database of each.
	PrimaryURL, ReplicaURL string
	primary, replica       *cluster
}

// StartReplicated starts a primary (initdb; wal_level=replica and the
// loopback replication entry of pg_hba.conf are initdb's defaults) and a
// replica made from it with pg_basebackup -R, on another free port. When
// that cannot be done the test is skipped, or fails with
// QUARRY_REQUIRE_POSTGRES=1 (as in CI).
func StartReplicated(t testing.TB) *Replicated {
	t.Helper()
	r, err := startReplicated()
	if r != nil {
		t.Cleanup(func() {
			if err := r.stop(); err != nil {
				t.Errorf("quarrytest: %v", err)
			}
		})
	}
	if err != nil {
		if requirePostgres() {
			t.Fatalf("quarrytest: a PostgreSQL replica is required (%s=1) but could not be started: %v", EnvRequirePostgres, err)
		}
		t.Skipf("quarrytest: SKIPPING: PostgreSQL replica UNAVAILABLE: %v (%s=1 makes this a failure)", err, EnvRequirePostgres)
	}
	return r
}

func startReplicated() (*Replicated, error) {
	p, err := startCluster()
	if err != nil {
		return nil, err
	}
	r := &Replicated{PrimaryURL: p.url, primary: p}
	r.replica, err = startReplica(p)
	if err != nil {
		return r, err
	}
	r.ReplicaURL = r.replica.url
	return r, nil
}

// startReplica copies primary with pg_basebackup (streaming the WAL it
// needs, writing standby.signal and primary_conninfo: -R) into a new
// directory and starts a server on it.
func startReplica(primary *cluster) (*cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := serverDir(tempBase(cred != nil), cred)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	basebackup, err := findTool(bin, "pg_basebackup")
	if err != nil {
		return nil, err
	}
	bb := exec.Command(basebackup,
		"-R", "-D", filepath.Join(dir, "data"), "-d", primary.url,
		"-X", "stream", "--checkpoint=fast", "--no-sync")
	if err := runTool(bb, dir, cred, "pg_basebackup"); err != nil {
		return nil, err
	}
	c, err := startOnFreePort(bin, dir, cred)
	ok = err == nil
	return c, err
}

// findTool finds a client program of the server in bin: beside initdb,
// or beside the file initdb links to (/usr/local/bin may link only the
// server programs into the Debian directory), or on PATH.
func findTool(bin, name string) (string, error) {
	dirs := []string{bin}
	if real, err := filepath.EvalSymlinks(filepath.Join(bin, "initdb")); err == nil {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, d := range dirs {
		if p := filepath.Join(d, name); isExec(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("quarrytest: no %s beside %s nor on PATH; install the PostgreSQL client programs", name, filepath.Join(bin, "initdb"))
}

func (r *Replicated) stop() error {
	var errs []error
	if r.replica != nil {
		if err := r.replica.stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := r.primary.stop(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("stop replicated pair: %v", errs)
	}
	return nil
}

// StopReplica shuts the replica down (fast shutdown: its clients are
// disconnected), for tests of reads failing over to the primary.
func (r *Replicated) StopReplica() error { return r.replica.stop() }

// PauseReplay stops the replica from applying the WAL it receives
// (pg_wal_replay_pause), so that commits on the primary stay invisible
// on it until ResumeReplay.
func (r *Replicated) PauseReplay(ctx context.Context) error {
	return r.onReplica(ctx, "SELECT pg_wal_replay_pause()")
}

// ResumeReplay resumes a paused replay.
func (r *Replicated) ResumeReplay(ctx context.Context) error {
	return r.onReplica(ctx, "SELECT pg_wal_replay_resume()")
}

// WaitReplay waits until the replica has replayed everything the primary
// has written so far (its WAL insert position), for tests that need
// their tables and rows on the replica before they read there.
func (r *Replicated) WaitReplay(ctx context.Context) error {
	var target string
	if err := queryOne(ctx, r.PrimaryURL, "SELECT pg_current_wal_insert_lsn()::text", nil, &target); err != nil {
		return err
	}
	for {
		var done bool
		err := queryOne(ctx, r.ReplicaURL, "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", []any{target}, &done)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("quarrytest: replica did not replay %s: %w", target, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (r *Replicated) onReplica(ctx context.Context, sql string) error {
	var ignored any
	return queryOne(ctx, r.ReplicaURL, sql, nil, &ignored)
}

// queryOne runs a one-row query on a connection of its own.
func queryOne(ctx context.Context, url, sql string, args []any, dest ...any) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("quarrytest: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
		return fmt.Errorf("quarrytest: %s: %w", sql, err)
	}
	return nil
}
