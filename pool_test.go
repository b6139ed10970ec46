package quarry_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// countingTracer counts the queries pgx runs.
type countingTracer struct{ n atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A DB opened over the application's pgxpool.Config uses its settings (a
// tracer sees quarry's statements); one opened over the application's pool
// shares it and leaves it open on Close.
func TestPostgresBringYourOwnPool(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	url := testdb.PostgresURL(t)

	cfg, err := pgxpool.ParseConfig(url)
	is.NoErr(err)
	tracer := &countingTracer{}
	cfg.ConnConfig.Tracer = tracer
	cfg.MaxConns = 2
	db, err := postgres.OpenConfig(ctx, cfg)
	is.NoErr(err)
	is.NoErr(db.CreateAll(ctx, TUsers, TAddresses))
	before := tracer.n.Load()
	_, err = quarry.Select(TUsers).All(ctx, db)
	is.NoErr(err)
	is.True(tracer.n.Load() > before) // the application's tracer saw the SELECT
	is.Equal(postgres.Pool(db).Config().MaxConns, int32(2))
	is.NoErr(db.Close())

	pool, err := pgxpool.New(ctx, url)
	is.NoErr(err)
	defer pool.Close()
	shared, err := postgres.OpenPool(pool)
	is.NoErr(err)
	s := shared.Session()
	is.NoErr(s.Add(&TUser{Name: "pool", Fullname: "Pool User"}))
	is.NoErr(s.Commit(ctx))
	is.NoErr(s.Close(ctx))
	is.NoErr(shared.Close())
	var n int
	is.NoErr(pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE name = 'pool'`).Scan(&n)) // still open
	is.Equal(n, 1)

	_, err = postgres.OpenPool(nil)
	is.True(err != nil)
	_, err = postgres.OpenConfig(ctx, nil)
	is.True(err != nil)
}

// A DB over the application's own *sql.DB of the SQLite driver works and
// leaves it open on Close; one without foreign keys enforced is refused.
func TestSQLiteBringYourOwnDB(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "own.db")
	sdb, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	is.NoErr(err)
	defer sdb.Close()
	db, err := sqlite.OpenDB(ctx, sdb)
	is.NoErr(err)
	is.NoErr(db.CreateAll(ctx, TUsers, TAddresses))
	s := db.Session()
	is.NoErr(s.Add(&TUser{Name: "own", Fullname: "Own DB", Addresses: []*TAddress{{EmailAddress: "own@x"}}}))
	is.NoErr(s.Commit(ctx))
	is.NoErr(s.Close(ctx))
	is.NoErr(db.Close())
	var n int
	is.NoErr(sdb.QueryRowContext(ctx, `SELECT count(*) FROM addresses`).Scan(&n)) // still open
	is.Equal(n, 1)

	plain, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "plain.db"))
	is.NoErr(err)
	defer plain.Close()
	_, err = sqlite.OpenDB(ctx, plain)
	is.True(err != nil && strings.Contains(err.Error(), "foreign_keys"))
	_, err = sqlite.OpenDB(ctx, nil)
	is.True(err != nil)
}
