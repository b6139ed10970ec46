package quarrytest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// server is the PostgreSQL server the tests of this binary use: the one
// at QUARRY_TEST_POSTGRES, or a cluster started for the binary.
type server struct {
	url     string        // connects to the server's maintenance database
	admin   *pgxpool.Pool // creates and drops the tests' schemas
	cluster *cluster      // nil for a server given by URL
}

var (
	pgOnce    sync.Once
	pgSrv     *server
	pgErr     error
	schemaSeq atomic.Int64
)

// errNoMain is a mistake in the test package rather than a missing
// PostgreSQL: it fails the test even without QUARRY_REQUIRE_POSTGRES.
var errNoMain = errors.New("quarrytest: this test binary has no TestMain calling quarrytest.Main, " +
	"so the PostgreSQL cluster would never be stopped; add\n\tfunc TestMain(m *testing.M) { quarrytest.Main(m) }")

func getServer() (*server, error) {
	pgOnce.Do(func() { pgSrv, pgErr = startServer() })
	return pgSrv, pgErr
}

func startServer() (*server, error) {
	srv := &server{url: os.Getenv(EnvPostgres)}
	if srv.url == "" {
		if !mainCalled.Load() {
			return nil, errNoMain
		}
		c, err := startCluster()
		if err != nil {
			return nil, err
		}
		srv.cluster, srv.url = c, c.url
	}
	cfg, err := pgxpool.ParseConfig(srv.url)
	if err != nil {
		srv.stop()
		return nil, fmt.Errorf("%s: %w", EnvPostgres, err)
	}
	cfg.MaxConns = 4
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv.admin, err = pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		err = srv.admin.Ping(ctx)
	}
	if err != nil {
		srv.stop()
		return nil, fmt.Errorf("connect to %s: %w", redact(srv.url), err)
	}
	return srv, nil
}

func (s *server) stop() error {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.cluster != nil {
		return s.cluster.stop()
	}
	return nil
}

// shutdown stops the server of this binary, if one was started.
func shutdown() error {
	if err := stopBouncer(); err != nil {
		return err
	}
	var srv *server
	pgOnce.Do(func() { pgErr = errors.New("quarrytest: shut down") })
	srv = pgSrv
	if srv == nil {
		return nil
	}
	return srv.stop()
}

// freshSchema creates an empty schema for the test, dropped when it ends,
// and returns a URL whose connections use it as their search_path. It
// skips or fails the test when there is no server.
func freshSchema(t testing.TB) (string, error) {
	t.Helper()
	srv, err := getServer()
	if err != nil {
		if errors.Is(err, errNoMain) {
			t.Fatal(err)
		}
		if requirePostgres() {
			t.Fatalf("quarrytest: PostgreSQL is required (%s=1) but unavailable: %v", EnvRequirePostgres, err)
		}
		t.Skipf("quarrytest: SKIPPING: PostgreSQL UNAVAILABLE: %v (set %s to a server URL, or install PostgreSQL; %s=1 makes this a failure)",
			err, EnvPostgres, EnvRequirePostgres)
	}
	name := schemaName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := srv.admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", fmt.Errorf("create schema %s: %w", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := srv.admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE"); err != nil {
			t.Errorf("quarrytest: drop schema %s: %v", name, err)
		}
	})
	return withSearchPath(srv.url, name)
}

// schemaName returns a new schema name made of the test's name, a counter
// and a random suffix (other binaries may share the server). It has only
// lower-case letters, digits and underscores, so it needs no quoting in
// SQL nor in search_path.
func schemaName(test string) string {
	var b strings.Builder
	b.WriteString("qt_")
	under := false
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 32 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	suffix := strings.ToLower(rand.Text()[:8])
	fmt.Fprintf(&b, "_%d_%s", schemaSeq.Add(1), suffix)
	return b.String()
}

// withSearchPath adds search_path=schema to a connection string, a URL or
// key=value pairs. pgx sends parameters it does not know, search_path
// among them, as run-time parameters in the startup message, so every
// connection of the pool starts in the schema.
func withSearchPath(conn, schema string) (string, error) {
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		u, err := url.Parse(conn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", EnvPostgres, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return conn + " search_path=" + schema, nil
}

// redact hides the password of a URL for messages.
func redact(conn string) string {
	if u, err := url.Parse(conn); err == nil && u.User != nil {
		return u.Redacted()
	}
	if strings.Contains(conn, "password") {
		return "(connection string)"
	}
	return conn
}
