package dialect

import (
	"context"
	"time"
)

// Position is a point in the primary's write history that a replica
// reaches by replaying it (on PostgreSQL, a WAL location, an LSN). The
// zero Position is "none": any replica will do.
type Position uint64

// ReadRouter is implemented by a [Driver] that can send reads to other
// nodes than the one that takes writes (read replicas). The root package
// calls it for statements it knows only read, outside any transaction;
// everything else goes through the Driver as usual, to the primary.
//
// after is the position a read must see (a commit of the same Session,
// or of the same key: see quarry.ReadYourWrites): the driver sends the
// read to a node that has replayed it, or to the primary.
type ReadRouter interface {
	// Routing reports whether reads go anywhere but the primary (the
	// driver was given replicas); when it is false the root package
	// runs everything through the Driver as usual.
	Routing() bool
	// AcquireRead holds a connection for reads only (Query); its Exec
	// and Begin fail. A read that fails on a broken node before any row
	// arrived is retried by the connection on another node.
	AcquireRead(ctx context.Context, after Position) (Conn, error)
	// QueryRead runs one read on a usable node, as Query does on the
	// pool, with the same retry.
	QueryRead(ctx context.Context, after Position, sql string, args []any) (Rows, error)
}

// CommitPositioner is implemented by a [Tx] that knows the position of
// its commit once Commit has returned nil (zero when it does not).
type CommitPositioner interface {
	CommitPosition() Position
}

// NodeStats is what a routing driver reports about one node.
type NodeStats struct {
	// Name is the node's address (host:port).
	Name string
	// Primary says the node takes the writes.
	Primary bool
	// Healthy says the last health check (or the last read) reached the
	// node; a replica also needs Lag within the bound to be used.
	Healthy bool
	// Usable says reads are routed to the node: healthy and, for a
	// replica, not lagging beyond the bound.
	Usable bool
	// Lag is how far the replica's replay is behind in time (zero when
	// it has replayed all it received), as of the last check.
	Lag time.Duration
	// LagBytes is how far the replica's replay is behind the primary's
	// WAL, in bytes, as of the last check.
	LagBytes int64
	// Replayed is the position the replica had replayed at the last
	// check.
	Replayed Position
	// Reads counts the reads routed to the node, Errors the node
	// failures seen (a failed connection or health check), Retries the
	// reads that failed on the node and were sent to another.
	Reads, Errors, Retries uint64
	// Checked is the time of the last health check.
	Checked time.Time
}

// StatsReporter is implemented by a [Driver] that reports per-node
// statistics.
type StatsReporter interface {
	Stats() []NodeStats
}
