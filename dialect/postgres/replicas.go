package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
)

// Read replicas: a DB opened with WithReplicas keeps one pool per node
// and sends the reads that may go elsewhere (see [dialect.ReadRouter];
// the root package decides which) to a usable replica, round robin,
// falling back to the primary. PostgreSQL's own streaming replication
// does the replicating; this file only routes.

const (
	defaultMaxLag   = 10 * time.Second
	defaultInterval = 2 * time.Second
	checkTimeout    = 2 * time.Second
)

// replicaConfig is what the replica options asked for, read by Open,
// OpenConfig and OpenPool once the DB exists.
type replicaConfig struct {
	urls     []string
	pools    []*pgxpool.Pool
	maxLag   time.Duration
	interval time.Duration
	err      error // the first bad option
}

// replicaOption records an option on the driver of a DB opened by this
// package. A DB of another driver has nowhere to record it and ignores
// it: these options mean something to postgres.Open only.
func replicaOption(f func(*replicaConfig)) quarry.OpenOption {
	return func(db *quarry.DB) {
		if d, ok := db.Driver().(*driver); ok {
			f(&d.replicas)
		}
	}
}

// WithReplicas adds read replicas by URL (postgres:// or key=value, as
// [Open] takes), each with a pool of its own that the DB owns: a
// Session's reads before its first write, and reads run on the DB
// itself, go to them (see the README's "Read replicas"). A replica that
// cannot be reached when the DB opens is not an error: it is unhealthy
// until a health check reaches it.
func WithReplicas(urls ...string) quarry.OpenOption {
	return replicaOption(func(c *replicaConfig) { c.urls = append(c.urls, urls...) })
}

// WithReplicaPools adds read replicas over pools the application already
// has; the DB's Close leaves them open.
func WithReplicaPools(pools ...*pgxpool.Pool) quarry.OpenOption {
	return replicaOption(func(c *replicaConfig) {
		for _, p := range pools {
			if p == nil {
				c.fail(errors.New("quarry/postgres: WithReplicaPools: nil pool"))
				continue
			}
			c.pools = append(c.pools, p)
		}
	})
}

// WithMaxLag sets how far behind its primary (in replay time, as of the
// last health check) a replica may be and still take reads; 10 seconds
// by default. Zero or less means no bound.
func WithMaxLag(d time.Duration) quarry.OpenOption {
	return replicaOption(func(c *replicaConfig) { c.maxLag = d })
}

// WithHealthInterval sets how often the replicas' health and lag are
// checked (every 2 seconds by default; at least 10ms). Between checks, a
// replica whose connection fails is marked unhealthy at once.
func WithHealthInterval(d time.Duration) quarry.OpenOption {
	return replicaOption(func(c *replicaConfig) {
		if d < 10*time.Millisecond {
			c.fail(fmt.Errorf("quarry/postgres: WithHealthInterval(%v): want at least 10ms", d))
			return
		}
		c.interval = d
	})
}

func (c *replicaConfig) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Stats returns the per-node statistics of a DB opened by this package
// with replicas, the primary first; nil for other DBs. It is the same as
// db.Stats().
func Stats(db *quarry.DB) []dialect.NodeStats {
	if d, ok := db.Driver().(*driver); ok {
		return d.Stats()
	}
	return nil
}

// router holds the nodes and the health checker.
type router struct {
	primary  *node
	replicas []*node
	maxLag   time.Duration
	interval time.Duration
	next     atomic.Uint64 // round robin
	cancel   context.CancelFunc
	done     chan struct{} // closed when the health checker has stopped
}

// node is one server with its pool and what is known of it.
type node struct {
	name     string
	pool     *pgxpool.Pool
	owned    bool
	primary  bool
	healthy  atomic.Bool
	lagging  atomic.Bool
	replayed atomic.Uint64
	lag      atomic.Int64 // nanoseconds
	lagBytes atomic.Int64
	reads    atomic.Uint64
	errs     atomic.Uint64
	retries  atomic.Uint64
	checked  atomic.Int64 // Unix nanoseconds
}

func newNode(pool *pgxpool.Pool, owned, primary bool) *node {
	cc := pool.Config().ConnConfig
	n := &node{name: fmt.Sprintf("%s:%d", cc.Host, cc.Port), pool: pool, owned: owned, primary: primary}
	n.healthy.Store(true)
	return n
}

func (n *node) usable() bool { return n.healthy.Load() && !n.lagging.Load() }

// fail marks the node unhealthy until a health check reaches it again.
func (n *node) fail() {
	n.errs.Add(1)
	n.healthy.Store(false)
}

// startReplicas sets up the router when replica options were given;
// ctx bounds the first health check, run before the DB is handed out so
// that its first reads already know which replicas are up.
func (d *driver) startReplicas(ctx context.Context) error {
	c := &d.replicas
	if c.err != nil {
		return c.err
	}
	if len(c.urls) == 0 && len(c.pools) == 0 {
		return nil
	}
	r := &router{primary: newNode(d.pool, false, true), maxLag: defaultMaxLag, interval: defaultInterval}
	if c.maxLag != 0 {
		r.maxLag = c.maxLag
	}
	if c.interval != 0 {
		r.interval = c.interval
	}
	for _, u := range c.urls {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			r.closePools()
			return fmt.Errorf("quarry/postgres: replica: %w", err)
		}
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			r.closePools()
			return fmt.Errorf("quarry/postgres: replica: %w", err)
		}
		r.replicas = append(r.replicas, newNode(p, true, false))
	}
	for _, p := range c.pools {
		r.replicas = append(r.replicas, newNode(p, false, false))
	}
	r.check(ctx)
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel, r.done = cancel, make(chan struct{})
	go r.run(hctx)
	d.router = r
	return nil
}

// close stops the health checker, waiting for it, and closes the pools
// the DB owns.
func (r *router) close() {
	r.cancel()
	<-r.done
	r.closePools()
}

func (r *router) closePools() {
	for _, n := range r.replicas {
		if n.owned {
			n.pool.Close()
		}
	}
}

// pick takes a connection for a read that must see after: from the next
// usable replica (skipping those in skip) that has replayed it, else from
// the primary.
func (r *router) pick(ctx context.Context, after dialect.Position, skip []*node) (*node, *pgxpool.Conn, error) {
	start := r.next.Add(1)
	for i := range len(r.replicas) {
		n := r.replicas[(start+uint64(i))%uint64(len(r.replicas))]
		if !n.usable() || slices.Contains(skip, n) {
			continue
		}
		c, err := n.pool.Acquire(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, err
			}
			n.fail()
			continue
		}
		ok, err := r.caughtUp(ctx, n, c, after)
		if err != nil {
			c.Release()
			if ctx.Err() != nil {
				return nil, nil, err
			}
			n.fail()
			continue
		}
		if !ok {
			c.Release()
			continue
		}
		return n, c, nil
	}
	c, err := r.primary.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	return r.primary, c, nil
}

// caughtUp reports whether replica n has replayed after: known from the
// last check or read, or asked on c (one round trip, only when the last
// known position is behind).
func (r *router) caughtUp(ctx context.Context, n *node, c *pgxpool.Conn, after dialect.Position) (bool, error) {
	if after == 0 || dialect.Position(n.replayed.Load()) >= after {
		return true, nil
	}
	var lsn *string
	if err := c.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn()::text").Scan(&lsn); err != nil {
		return false, err
	}
	if lsn == nil {
		return false, nil // not (or no longer) a standby: no replay to trust
	}
	pos, err := parseLSN(*lsn)
	if err != nil {
		return false, err
	}
	n.noteReplayed(pos)
	return pos >= after, nil
}

// noteReplayed raises the node's known replay position (it only grows).
func (n *node) noteReplayed(pos dialect.Position) {
	for {
		old := n.replayed.Load()
		if uint64(pos) <= old || n.replayed.CompareAndSwap(old, uint64(pos)) {
			return
		}
	}
}

// Stats implements [dialect.StatsReporter]: the primary, then the
// replicas in the order they were given; nil without replicas.
func (d *driver) Stats() []dialect.NodeStats {
	r := d.router
	if r == nil {
		return nil
	}
	out := make([]dialect.NodeStats, 0, 1+len(r.replicas))
	for _, n := range append([]*node{r.primary}, r.replicas...) {
		var checked time.Time
		if ns := n.checked.Load(); ns != 0 {
			checked = time.Unix(0, ns)
		}
		out = append(out, dialect.NodeStats{
			Name: n.name, Primary: n.primary, Healthy: n.healthy.Load(), Usable: n.usable(),
			Lag: time.Duration(n.lag.Load()), LagBytes: n.lagBytes.Load(),
			Replayed: dialect.Position(n.replayed.Load()),
			Reads:    n.reads.Load(), Errors: n.errs.Load(), Retries: n.retries.Load(),
			Checked: checked,
		})
	}
	return out
}

// parseLSN reads PostgreSQL's text form of a WAL location, two
// hexadecimal halves separated by a slash.
func parseLSN(s string) (dialect.Position, error) {
	var hi, lo uint32
	if _, err := fmt.Sscanf(s, "%X/%X", &hi, &lo); err != nil {
		return 0, fmt.Errorf("quarry/postgres: WAL location %q: %w", s, err)
	}
	return dialect.Position(uint64(hi)<<32 | uint64(lo)), nil
}
