// Package bench compares quarry with the raw drivers and with peer ORMs
// (GORM, bun, bob) on the usual seven operations, on PostgreSQL and on
// in-memory SQLite. Each peer does each operation with its own idiomatic
// API, building its statements per call as a request handler does; the
// program cmd/peerbench measures them and prints Markdown tables, and the
// package's test checks that every peer really does the same work.
package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// User is one row of the ops_users table, the shape every operation
// reads and writes: a generated key, two texts and a nullable text.
type User struct {
	ID       int64
	Name     string
	Fullname string
	Nickname *string
}

// Op is one of the seven operations.
type Op int

// The operations, in the order of the tables.
const (
	InsertOne     Op = iota // insert one row and read its id back
	Insert100               // insert 100 rows, ids back, in one statement or the ORM's batch insert
	UpdateOne               // update one row by key
	ReadOne                 // read one row by key
	Read100                 // read 100 rows
	Read10000               // read 10,000 rows
	Insert10000Tx           // insert 10,000 rows, ids back, in one transaction
)

// Ops lists every operation.
var Ops = []Op{InsertOne, Insert100, UpdateOne, ReadOne, Read100, Read10000, Insert10000Tx}

var opNames = [...]string{"InsertOne", "Insert100", "UpdateOne", "ReadOne", "Read100", "Read10000", "Insert10000Tx"}

var opTitles = [...]string{
	"Insert one row, id back",
	"Insert 100 rows",
	"Update one row by key",
	"Read one row by key",
	"Read 100 rows",
	"Read 10,000 rows",
	"Insert 10,000 rows in one transaction",
}

// String returns the op's name, as the -ops flag spells it.
func (o Op) String() string { return opNames[o] }

// Title describes the op for the tables.
func (o Op) Title() string { return opTitles[o] }

// ParseOps parses a comma-separated list of op names; "" and "all" mean
// every op.
func ParseOps(s string) ([]Op, error) {
	if s == "" || s == "all" {
		return Ops, nil
	}
	var out []Op
	for name := range strings.SplitSeq(s, ",") {
		found := false
		for _, o := range Ops {
			if strings.EqualFold(strings.TrimSpace(name), o.String()) {
				out, found = append(out, o), true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown op %q (want some of %s)", name, strings.Join(opNames[:], ","))
		}
	}
	return out, nil
}

// BatchRows is the number of rows per INSERT statement when a
// transaction inserts 10,000: every peer cuts the same way, which keeps
// each statement well under both databases' limits on parameters.
const BatchRows = 1000

// SeedRows is the number of rows the table keeps between measurements,
// ids 1..SeedRows, for the updates and reads; the inserts add rows above
// it, which Env.Trim removes again.
const SeedRows = 10000

// UpdateKeys is how many of the seeded rows UpdateOne and ReadOne cycle
// through.
const UpdateKeys = 1000

// Peer is one implementation of the seven operations on one database.
// The methods that insert build their rows with [NewRow] from the key k
// of their first row on; each call builds its statements afresh.
type Peer interface {
	// Name names the implementation, as the tables' columns do.
	Name() string
	// InsertOne inserts the row of key k with the single-object API and
	// reads its id back.
	InsertOne(ctx context.Context, k int64) error
	// InsertMany inserts the n rows of keys k.. with one statement, or
	// the ORM's batch insert, and reads their ids back.
	InsertMany(ctx context.Context, k int64, n int) error
	// InsertManyTx inserts the n rows of keys k.. in one transaction, in
	// statements of BatchRows rows, and reads their ids back.
	InsertManyTx(ctx context.Context, k int64, n int) error
	// UpdateOne sets the fullname of the row of the id.
	UpdateOne(ctx context.Context, id int64, fullname string) error
	// ReadOne reads the row of the id.
	ReadOne(ctx context.Context, id int64) error
	// ReadMany reads the rows with ids 1..n, in id order.
	ReadMany(ctx context.Context, n int) error
	// Result returns what the last call returned, as Users: the rows
	// read, or the rows inserted with the ids the database gave them;
	// nil after UpdateOne. Peers keep their own objects and convert only
	// here, so that the measured calls do no extra work for the check.
	Result() []User
}

// NewRow returns the values of the row of key k. Every third row has a
// nickname, so that NULL and non-NULL values both travel.
func NewRow(k int64) (name, fullname string, nickname *string) {
	name = "user" + strconv.FormatInt(k, 10)
	if k%3 == 0 {
		nick := "nick" + strconv.FormatInt(k, 10)
		nickname = &nick
	}
	return name, "Full Name", nickname
}

// NewUser returns the User of key k, without an id.
func NewUser(k int64) User {
	name, fullname, nick := NewRow(k)
	return User{Name: name, Fullname: fullname, Nickname: nick}
}

// Call is one call of an op: the arguments its i-th run passes to a
// peer. next gives the key of the first row of each insert, reserving n.
type Call struct {
	Op Op
	I  int
}

// Run does the call on the peer: InsertOne, Insert100, Insert10000Tx
// take their keys from next; UpdateOne and ReadOne cycle through the ids
// 1..UpdateKeys.
func (c Call) Run(ctx context.Context, p Peer, next func(n int) int64) error {
	id := int64(c.I%UpdateKeys + 1)
	switch c.Op {
	case InsertOne:
		return p.InsertOne(ctx, next(1))
	case Insert100:
		return p.InsertMany(ctx, next(100), 100)
	case UpdateOne:
		return p.UpdateOne(ctx, id, "n"+strconv.Itoa(c.I))
	case ReadOne:
		return p.ReadOne(ctx, id)
	case Read100:
		return p.ReadMany(ctx, 100)
	case Read10000:
		return p.ReadMany(ctx, 10000)
	case Insert10000Tx:
		return p.InsertManyTx(ctx, next(10000), 10000)
	}
	return fmt.Errorf("bench: unknown op %d", c.Op)
}

// wantRows fails a read that returned another number of rows than asked:
// a peer cannot pass by reading less.
func wantRows(got, want int) error {
	if got != want {
		return fmt.Errorf("bench: read %d rows, want %d", got, want)
	}
	return nil
}

// derefUsers converts what a peer's reads and inserts keep to Users.
func derefUsers(us []*User) []User {
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = *u
	}
	return out
}
