package quarrytest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
)

// EnvRequirePgBouncer names the variable that, set to 1, turns a missing
// PgBouncer from a skip into a failure (as in CI).
const EnvRequirePgBouncer = "QUARRY_REQUIRE_PGBOUNCER"

// bouncer is a throwaway PgBouncer in transaction mode on a loopback
// port, in front of the test server, for the life of the test binary.
type bouncer struct {
	proc *cluster // the process and its temporary directory
	port int
}

var (
	pgbOnce sync.Once
	pgbSrv  *bouncer
	pgbErr  error
)

// PgBouncer returns a fresh, empty PostgreSQL database reached through a
// PgBouncer in transaction mode (pool_mode = transaction: each
// transaction, and each statement outside one, may run on another server
// connection), closed and dropped when the test ends. Pass
// postgres.ForPooler() in opts for the mode quarry recommends there.
//
// Each call makes a new database (not a schema, as [Postgres] does: a
// search_path given at connection is session state, which the pooler
// does not carry). PgBouncer is found on PATH or in /usr/sbin, started
// once per test binary and stopped by [Main]. When it or PostgreSQL
// cannot be had the test is skipped, or fails when
// QUARRY_REQUIRE_PGBOUNCER=1 (or, for PostgreSQL,
// QUARRY_REQUIRE_POSTGRES=1).
func PgBouncer(t testing.TB, opts ...quarry.OpenOption) *quarry.DB {
	t.Helper()
	srv, err := getServer()
	if err != nil {
		freshSchema(t) // skips or fails as for PostgreSQL
		t.Fatalf("quarrytest: %v", err)
	}
	pgbOnce.Do(func() { pgbSrv, pgbErr = startBouncer(srv) })
	if pgbErr != nil {
		if v, _ := strconv.ParseBool(os.Getenv(EnvRequirePgBouncer)); v {
			t.Fatalf("quarrytest: PgBouncer is required (%s=1) but unavailable: %v", EnvRequirePgBouncer, pgbErr)
		}
		t.Skipf("quarrytest: SKIPPING: PgBouncer UNAVAILABLE: %v (install pgbouncer; %s=1 makes this a failure)", pgbErr, EnvRequirePgBouncer)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := schemaName(t.Name())
	if _, err := srv.admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("quarrytest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// FORCE ends the pooler's server connections to it.
		if _, err := srv.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("quarrytest: drop database %s: %v", name, err)
		}
	})
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pgbSrv.port, name)
	db, err := postgres.Open(ctx, url, opts...)
	if err != nil {
		t.Fatalf("quarrytest: open through PgBouncer: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("quarrytest: close PgBouncer database: %v", err)
		}
	})
	return db
}

// findPgBouncer returns the pgbouncer binary: on PATH, else where Debian
// puts it.
func findPgBouncer() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	if isExec("/usr/sbin/pgbouncer") {
		return "/usr/sbin/pgbouncer", nil
	}
	return "", errors.New("quarrytest: no pgbouncer on PATH nor in /usr/sbin (apt-get install pgbouncer)")
}

// startBouncer writes a configuration forwarding every database name to
// the test server and starts PgBouncer on it, as the server's user when
// this process is root (PgBouncer refuses to run as root).
func startBouncer(srv *server) (*bouncer, error) {
	bin, err := findPgBouncer()
	if err != nil {
		return nil, err
	}
	pc, err := pgx.ParseConfig(srv.url)
	if err != nil {
		return nil, fmt.Errorf("quarrytest: %w", err)
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tempBase(cred != nil), "quarry-pgbouncer-")
	if err != nil {
		return nil, fmt.Errorf("quarrytest: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("quarrytest: %w", err)
	}
	target := fmt.Sprintf("host=%s port=%d user=%s", pc.Host, pc.Port, pc.User)
	if pc.Password != "" {
		target += " password=" + pc.Password
	}
	// auth_type any: clients are not authenticated (loopback only), and
	// every database logs in to the server as the test server's user.
	ini := strings.Join([]string{
		"[databases]",
		"* = " + target,
		"[pgbouncer]",
		"listen_addr = 127.0.0.1",
		"listen_port = " + strconv.Itoa(port),
		"unix_socket_dir =",
		"auth_type = any",
		"auth_file = " + filepath.Join(dir, "userlist.txt"),
		"pool_mode = transaction",
		"default_pool_size = 4",
		"max_client_conn = 500",
		"ignore_startup_parameters = extra_float_digits",
		"logfile = " + filepath.Join(dir, "pgbouncer.log"),
		"",
	}, "\n")
	files := map[string]string{
		"pgbouncer.ini": ini,
		"userlist.txt":  fmt.Sprintf("%q \"\"\n", pc.User),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return nil, fmt.Errorf("quarrytest: %w", err)
		}
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("quarrytest: %w", err)
		}
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	proc, err := spawn(cmd, dir, cred)
	if err != nil {
		return nil, fmt.Errorf("quarrytest: start pgbouncer: %w", err)
	}
	url := fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable&default_query_exec_mode=simple_protocol", pc.User, port, pc.Database)
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			ok = true
			return &bouncer{proc: proc, port: port}, nil
		}
		select {
		case <-proc.done:
			return nil, fmt.Errorf("quarrytest: pgbouncer exited (%v): %s\n%s", proc.waitErr, out.String(), tail(filepath.Join(dir, "pgbouncer.log")))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			proc.kill()
			return nil, fmt.Errorf("quarrytest: pgbouncer did not accept connections within %v: %v\n%s", startTimeout, err, tail(filepath.Join(dir, "pgbouncer.log")))
		}
	}
}

// stopBouncer stops the PgBouncer of this binary, if one was started.
func stopBouncer() error {
	pgbOnce.Do(func() { pgbErr = errors.New("quarrytest: shut down") })
	if pgbSrv == nil {
		return nil
	}
	if err := pgbSrv.proc.stop(); err != nil {
		return fmt.Errorf("PgBouncer: %w", err)
	}
	return nil
}
