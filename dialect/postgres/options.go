package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/quarry-orm/quarry"
)

// WithExecMode sets the way pgx sends every statement of the DB (its
// DefaultQueryExecMode), for [Open] and [OpenConfig]. The default,
// pgx.QueryExecModeCacheStatement, prepares each statement once per
// connection as a named server-side prepared statement: the fastest, but
// a named statement is session state, which a pooler in transaction mode
// (PgBouncer's pool_mode = transaction) does not keep: the next
// transaction of the same client may run on another server connection,
// where the name is unknown, or on one where another client prepared the
// same name. Behind such a pooler use [ForPooler], or one of the modes
// that need no named statement:
//
//   - pgx.QueryExecModeDescribeExec: the unnamed statement, described
//     then executed (two round trips); values are bound. ForPooler's mode.
//   - pgx.QueryExecModeCacheDescribe: the unnamed statement, with the
//     result description cached per connection (one round trip); values
//     are bound, but a cached description goes stale if a table's columns
//     change under a running program.
//   - pgx.QueryExecModeSimpleProtocol: the simple protocol; pgx writes
//     the values into the SQL text client-side (escaped), so quarry's
//     values are no longer sent as bound parameters. Not recommended.
//
// quarry itself keeps no session state (no session-level SET, no
// PREPARE, savepoints only inside a transaction), so every mode is safe
// with a transaction pooler as far as quarry is concerned.
//
// With [OpenPool] the pool is the application's: set its
// ConnConfig.DefaultQueryExecMode instead (OpenPool refuses this option).
func WithExecMode(mode pgx.QueryExecMode) quarry.OpenOption {
	return func(db *quarry.DB) {
		if d, ok := db.Driver().(*driver); ok {
			d.execMode = &mode
		}
	}
}

// ForPooler configures the DB for a pooler in transaction mode (PgBouncer
// with pool_mode = transaction, or any pooler that may give each
// transaction another server connection): it is
// WithExecMode(pgx.QueryExecModeDescribeExec), the mode that keeps
// every value bound and needs no state on the server connection.
func ForPooler() quarry.OpenOption { return WithExecMode(pgx.QueryExecModeDescribeExec) }

// poolConfig returns cfg with the settings of this package's options, a
// copy when there are any (the caller's config is left alone).
func (d *driver) poolConfig(cfg *pgxpool.Config) *pgxpool.Config {
	if d.execMode == nil {
		return cfg
	}
	cfg = cfg.Copy()
	cfg.ConnConfig.DefaultQueryExecMode = *d.execMode
	return cfg
}

var errExecModeOpenPool = errors.New("quarry/postgres: OpenPool: WithExecMode and ForPooler configure a pool this package creates; " +
	"set the pool's ConnConfig.DefaultQueryExecMode instead")
