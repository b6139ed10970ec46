package quarry

import (
	"context"
	"sync"

	"github.com/quarry-orm/quarry/dialect"
)

// Read replicas. A driver that routes reads ([dialect.ReadRouter], such
// as postgres.Open with postgres.WithReplicas) is handed the statements
// that only read and run outside any transaction: quarry's own SELECTs
// run on the DB, and those of a Session before its first write. Every
// statement that may write (DML, text, ForUpdate) and every statement of
// a transaction go to the primary. After a commit, later reads of the
// same Session (and, with [ReadYourWrites], of the same key) ask for the
// commit's position, which the driver routes to a replica that has
// replayed it, or to the primary.

// Primary sends every statement of the Session to the primary, reads
// before its first write included: for a Session that must read the
// latest committed state (of other Sessions' writes too).
func Primary() SessionOption { return func(s *Session) { s.primary = true } }

type rywKey struct{}

// ReadYourWrites returns a context under which the DB's commits are
// remembered per key (a user, a tenant, a request chain) and the reads
// that later run under the same key, on the DB or in any Session, are
// routed only to replicas that have replayed them: a user sees their own
// writes on the next request even when it lands on a lagging replica.
// Without replicas it changes nothing.
func ReadYourWrites(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, rywKey{}, key)
}

// Stats returns the driver's per-node statistics (the primary first,
// then the replicas), or nil when the driver routes no reads.
func (db *DB) Stats() []dialect.NodeStats {
	if db.invalid() != nil {
		return nil
	}
	if sr, ok := db.drv.(dialect.StatsReporter); ok {
		return sr.Stats()
	}
	return nil
}

// rywMax bounds the keys remembered before the ones every replica has
// replayed are forgotten.
const rywMax = 1024

// commitPositions holds the last commit position per ReadYourWrites key.
type commitPositions struct {
	mu    sync.Mutex
	pos   map[string]dialect.Position
	limit int
}

func (c *commitPositions) note(db *DB, key string, p dialect.Position) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pos == nil {
		c.pos, c.limit = map[string]dialect.Position{}, rywMax
	}
	if p > c.pos[key] {
		c.pos[key] = p
	}
	if len(c.pos) < c.limit {
		return
	}
	// A position every replica has replayed no longer routes anything.
	// Keys a lagging replica still needs stay (and the bound grows).
	floor, ok := replayedByAll(db)
	if ok {
		for k, v := range c.pos {
			if v <= floor {
				delete(c.pos, k)
			}
		}
	}
	c.limit = max(rywMax, 2*len(c.pos))
}

func (c *commitPositions) get(key string) dialect.Position {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos[key]
}

// replayedByAll returns the lowest position the replicas have replayed.
func replayedByAll(db *DB) (dialect.Position, bool) {
	var floor dialect.Position
	seen := false
	for _, n := range db.Stats() {
		if n.Primary {
			continue
		}
		if !seen || n.Replayed < floor {
			floor, seen = n.Replayed, true
		}
	}
	return floor, seen
}

// router returns the driver's read router when it routes reads.
func (db *DB) router() dialect.ReadRouter {
	if r, ok := db.drv.(dialect.ReadRouter); ok && r.Routing() {
		return r
	}
	return nil
}

// keyPosition is the commit position of ctx's ReadYourWrites key.
func (db *DB) keyPosition(ctx context.Context) dialect.Position {
	if key, ok := ctx.Value(rywKey{}).(string); ok {
		return db.ryw.get(key)
	}
	return 0
}

// querier is where a statement run on the DB goes: reads to the router.
func (db *DB) querier(ctx context.Context, write bool) dialect.Querier {
	if write {
		return db.drv
	}
	r := db.router()
	if r == nil {
		return db.drv
	}
	return replicaReads{r: r, drv: db.drv, after: db.keyPosition(ctx)}
}

// replicaReads runs a DB's reads through the router.
type replicaReads struct {
	r     dialect.ReadRouter
	drv   dialect.Driver
	after dialect.Position
}

func (q replicaReads) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	return q.r.QueryRead(ctx, q.after, sql, args)
}

// Exec goes to the primary: nothing sends one on a read's connection,
// and a write must never land on a replica.
func (q replicaReads) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	return q.drv.Exec(ctx, sql, args)
}

// holdRead returns the connection for a read of the Session outside a
// transaction: a read connection of the router, unless the Session reads
// on the primary (Primary, no replicas), where it is [Session.hold]'s.
func (s *Session) holdRead(ctx context.Context) (dialect.Conn, error) {
	r := s.db.router()
	if r == nil || s.primary {
		return s.hold(ctx)
	}
	if s.rheld != nil {
		return s.rheld, nil
	}
	if s.db.closed.Load() {
		return nil, ErrClosed
	}
	c, err := r.AcquireRead(ctx, max(s.after, s.db.keyPosition(ctx)))
	if err != nil {
		return nil, s.db.wrapErr("", err)
	}
	s.rheld = c
	return c, nil
}

// unholdRead releases the read connection once no cursor is open on it.
func (s *Session) unholdRead() {
	if s.rheld != nil && s.openResults == 0 {
		s.rheld.Release()
		s.rheld = nil
	}
}

// noteCommit records the position of a commit that succeeded, for the
// Session's later reads and for ctx's ReadYourWrites key.
func (s *Session) noteCommit(ctx context.Context, tx dialect.Tx) {
	cp, ok := tx.(dialect.CommitPositioner)
	if !ok {
		return
	}
	p := cp.CommitPosition()
	if p == 0 {
		return
	}
	s.after = max(s.after, p)
	if key, ok := ctx.Value(rywKey{}).(string); ok {
		s.db.ryw.note(s.db, key, p)
	}
}
