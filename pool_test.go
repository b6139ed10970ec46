package quarry_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
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
