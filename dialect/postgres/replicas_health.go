package postgres

import (
	"context"
	"time"
)

// run checks the nodes every interval until ctx ends (the DB's Close).
func (r *router) run(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.check(ctx)
		}
	}
}

// replicaCheck asks a standby how far it has replayed and how far behind
// in time that is: zero when it has replayed everything it received (an
// idle primary sends nothing, and the last replayed commit may be old
// without the replica lagging), else the age of the last replayed commit.
const replicaCheck = `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
	CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
	ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8`

// check runs one round of health checks: the primary's WAL position,
// then each replica's replay position and lag. A node that does not
// answer within checkTimeout is unhealthy; one that answers is healthy
// again.
func (r *router) check(ctx context.Context) {
	var primaryPos uint64
	var lsn string
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	err := r.primary.pool.QueryRow(cctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn)
	cancel()
	r.primary.checked.Store(time.Now().UnixNano())
	if err == nil {
		if p, perr := parseLSN(lsn); perr == nil {
			primaryPos = uint64(p)
		}
		r.primary.healthy.Store(true)
	} else if ctx.Err() == nil {
		r.primary.fail()
	}
	for _, n := range r.replicas {
		if ctx.Err() != nil {
			return
		}
		r.checkReplica(ctx, n, primaryPos)
	}
}

func (r *router) checkReplica(ctx context.Context, n *node, primaryPos uint64) {
	var (
		standby bool
		lsn     *string
		lagSecs float64
	)
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	err := n.pool.QueryRow(cctx, replicaCheck).Scan(&standby, &lsn, &lagSecs)
	cancel()
	n.checked.Store(time.Now().UnixNano())
	if err != nil {
		if ctx.Err() == nil {
			n.fail()
		}
		return
	}
	if !standby || lsn == nil {
		// Promoted, or never a standby: not a replica of this primary
		// to read from.
		n.fail()
		return
	}
	if pos, err := parseLSN(*lsn); err == nil {
		n.noteReplayed(pos)
		if primaryPos > uint64(pos) {
			n.lagBytes.Store(int64(primaryPos - uint64(pos)))
		} else {
			n.lagBytes.Store(0)
		}
	}
	lag := time.Duration(lagSecs * float64(time.Second))
	n.lag.Store(int64(lag))
	n.lagging.Store(r.maxLag > 0 && lag > r.maxLag)
	n.healthy.Store(true)
}
