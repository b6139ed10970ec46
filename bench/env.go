package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// The databases.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Env is one database with the table, and every peer opened on it. The
// peers of one database share its connection pools where their drivers
// are the same (pgxpool for raw pgx and quarry; one *sql.DB for the
// database/sql baseline, GORM and bob, and on SQLite bun too), so that
// they differ only in what they do on top.
type Env struct {
	// Kind is Postgres or SQLite.
	Kind string
	// Peers are the implementations, the baseline first.
	Peers []Peer

	sdb     *sql.DB       // the database/sql pool, which also seeds and checks
	pool    *pgxpool.Pool // PostgreSQL only
	bunDB   *sql.DB       // PostgreSQL only: bun's pool (simple protocol)
	qdb     *quarry.DB
	closers []func() error
	keys    atomic.Int64
}

// ddl creates the table every peer works on, written by hand so that no
// peer's schema tool decides the column types.
var ddl = map[string]string{
	Postgres: `CREATE TABLE "ops_users" ("id" bigserial PRIMARY KEY, "name" text NOT NULL, "fullname" text NOT NULL, "nickname" text)`,
	SQLite:   `CREATE TABLE "ops_users" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "fullname" TEXT NOT NULL, "nickname" TEXT)`,
}

// OpenPostgres opens every PostgreSQL peer on the database of url (an
// empty schema), creates the table and seeds SeedRows rows.
func OpenPostgres(ctx context.Context, url string) (*Env, error) {
	e := &Env{Kind: Postgres}
	err := e.openPostgres(ctx, url)
	if err == nil {
		err = e.setUp(ctx)
	}
	if err != nil {
		return nil, errors.Join(err, e.Close())
	}
	return e, nil
}

func (e *Env) openPostgres(ctx context.Context, url string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	e.pool = pool
	e.closers = append(e.closers, func() error { pool.Close(); return nil })
	if e.sdb, err = sql.Open("pgx", url); err != nil {
		return err
	}
	e.closers = append(e.closers, e.sdb.Close)
	if e.qdb, err = postgres.OpenPool(pool); err != nil {
		return err
	}
	e.closers = append(e.closers, e.qdb.Close)

	// bun writes its arguments into the SQL text and sends no
	// parameters, so nearly every statement is new to pgx's default
	// cache of prepared statements, which would prepare (one more round
	// trip) and soon evict one per call. bun gets a pool of its own in
	// the simple protocol, which sends such a text in one round trip.
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	e.bunDB = stdlib.OpenDB(*cfg)
	e.closers = append(e.closers, e.bunDB.Close)

	gp, err := newGormPeer(gormPostgres(e.sdb))
	if err != nil {
		return err
	}
	e.Peers = []Peer{
		newPgxPeer(pool),
		newSQLPeer(e.sdb, Postgres),
		newQuarryPeer(e.qdb),
		newSessionPeer(e.qdb),
		gp,
		newBunPeer(bunPostgres(e.bunDB)),
		newBobPeer(e.sdb, bobPostgres),
	}
	return nil
}

var memSeq atomic.Int64

// OpenSQLite opens every SQLite peer on a new in-memory database (the
// memdb VFS of modernc.org/sqlite, shared by the connections of the
// pool), creates the table and seeds SeedRows rows.
func OpenSQLite(ctx context.Context) (*Env, error) {
	e := &Env{Kind: SQLite}
	err := e.openSQLite(ctx)
	if err == nil {
		err = e.setUp(ctx)
	}
	if err != nil {
		return nil, errors.Join(err, e.Close())
	}
	return e, nil
}

func (e *Env) openSQLite(ctx context.Context) error {
	dsn := fmt.Sprintf("file:/peerbench-%d?vfs=memdb&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)", memSeq.Add(1))
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	// The memdb database lives while a connection is open: keep them.
	sdb.SetMaxIdleConns(4)
	sdb.SetConnMaxIdleTime(0)
	sdb.SetConnMaxLifetime(0)
	e.sdb = sdb
	e.closers = append(e.closers, sdb.Close)
	if e.qdb, err = sqlite.OpenDB(ctx, sdb); err != nil {
		return err
	}
	e.closers = append(e.closers, e.qdb.Close)
	gp, err := newGormPeer(gormSQLite(sdb))
	if err != nil {
		return err
	}
	e.Peers = []Peer{
		newSQLPeer(sdb, SQLite),
		newQuarryPeer(e.qdb),
		newSessionPeer(e.qdb),
		gp,
		newBunPeer(bunSQLite(sdb)),
		newBobPeer(sdb, bobSQLite),
	}
	return nil
}

func (e *Env) setUp(ctx context.Context) error {
	if _, err := e.sdb.ExecContext(ctx, ddl[e.Kind]); err != nil {
		return err
	}
	e.keys.Store(1_000_000) // inserted rows' names differ from the seeded ones
	return e.Reset(ctx, SeedRows)
}

// Close closes every pool, in the reverse order of opening.
func (e *Env) Close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	return errors.Join(errs...)
}

// Next reserves the keys of n new rows and returns the first.
func (e *Env) Next(n int) int64 { return e.keys.Add(int64(n)) - int64(n) + 1 }

// Baseline returns the raw driver the other peers are compared with: raw
// pgx on PostgreSQL, database/sql on SQLite.
func (e *Env) Baseline() Peer { return e.Peers[0] }

// Reset empties the table, restarts its ids at 1 and seeds the rows of
// ids and keys 1..n.
func (e *Env) Reset(ctx context.Context, n int) error {
	empty := `DELETE FROM "ops_users"` // SQLite's next rowid is then 1
	if e.Kind == Postgres {
		empty = `TRUNCATE "ops_users" RESTART IDENTITY`
	}
	if _, err := e.sdb.ExecContext(ctx, empty); err != nil {
		return err
	}
	ph := placeholders(e.Kind)
	for lo := 1; lo <= n; lo += BatchRows {
		hi := min(lo+BatchRows-1, n)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO "ops_users" ("id", "name", "fullname", "nickname") VALUES `)
		args := make([]any, 0, 4*(hi-lo+1))
		for k := lo; k <= hi; k++ {
			if k > lo {
				sb.WriteString(", ")
			}
			j := len(args)
			fmt.Fprintf(&sb, "(%s, %s, %s, %s)", ph(j+1), ph(j+2), ph(j+3), ph(j+4))
			name, full, nick := NewRow(int64(k))
			args = append(args, int64(k), name, full, nick)
		}
		if _, err := e.sdb.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	if e.Kind == Postgres {
		// The seed wrote its ids itself: the sequence goes on after them.
		if _, err := e.sdb.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('ops_users', 'id'), $1, $2)`, max(n, 1), n > 0); err != nil {
			return err
		}
		// Plan with the statistics of the table as it is, not a guess.
		_, err := e.sdb.ExecContext(ctx, `ANALYZE "ops_users"`)
		return err
	}
	return nil
}

// Trim removes the rows inserted above the seed, between measurements,
// so that every measurement starts from a table of SeedRows rows.
//
// On PostgreSQL it also vacuums and analyzes the table, so that no
// measurement pays for the dead rows an earlier one left, and closes
// every pooled connection, so that each measurement starts with no
// prepared statement: the plan cache of one that an earlier op ran with
// other values (Read10000's `id <= $1`, reused by Read100) would
// otherwise decide this op's plan, differently for each peer, on
// whichever connections it happened to run. The first round of
// testing.Benchmark (one op) opens the connections again.
func (e *Env) Trim(ctx context.Context) error {
	if _, err := e.sdb.ExecContext(ctx, `DELETE FROM "ops_users" WHERE "id" > `+placeholders(e.Kind)(1), SeedRows); err != nil {
		return err
	}
	if e.Kind != Postgres {
		// No plan cache to reset, and the in-memory database would not
		// survive its last connection.
		return nil
	}
	if _, err := e.sdb.ExecContext(ctx, `VACUUM ANALYZE "ops_users"`); err != nil {
		return err
	}
	e.pool.Reset()
	for _, db := range []*sql.DB{e.sdb, e.bunDB} {
		db.SetMaxIdleConns(0) // closes the idle connections
		db.SetMaxIdleConns(2) // database/sql's default
	}
	return nil
}

// Rows returns every row of the table in id order, read with
// database/sql, for the correctness test.
func (e *Env) Rows(ctx context.Context) ([]User, error) {
	rows, err := e.sdb.QueryContext(ctx, `SELECT "id", "name", "fullname", "nickname" FROM "ops_users" ORDER BY "id"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Version returns the server's version, for the report.
func (e *Env) Version(ctx context.Context) (string, error) {
	q := `SELECT 'SQLite ' || sqlite_version()`
	if e.Kind == Postgres {
		q = `SELECT 'PostgreSQL ' || current_setting('server_version')`
	}
	var v string
	err := e.sdb.QueryRowContext(ctx, q).Scan(&v)
	return v, err
}
