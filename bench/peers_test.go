package bench

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/quarrytest"
)

// The peers are only comparable if they do the same work: every op of
// every peer runs once, on both databases, from the same table, and the
// rows it returns and the rows it leaves must be the ones the op asks
// for, to the value.

func TestMain(m *testing.M) {
	// Without PostgreSQL half of the comparison is unchecked: fail
	// rather than skip, whatever the environment says.
	os.Setenv(quarrytest.EnvRequirePostgres, "1")
	quarrytest.Main(m)
}

func TestPeersDoTheWork(t *testing.T) {
	ctx := context.Background()
	open := map[string]func(t *testing.T) *Env{
		Postgres: func(t *testing.T) *Env {
			e, err := OpenPostgres(ctx, quarrytest.PostgresURL(t))
			is.New(t).NoErr(err)
			return e
		},
		SQLite: func(t *testing.T) *Env {
			e, err := OpenSQLite(ctx)
			is.New(t).NoErr(err)
			return e
		},
	}
	for _, kind := range []string{Postgres, SQLite} {
		t.Run(kind, func(t *testing.T) {
			e := open[kind](t)
			t.Cleanup(func() { is.New(t).NoErr(e.Close()) })
			for _, op := range Ops {
				for _, p := range e.Peers {
					t.Run(op.String()+"/"+p.Name(), func(t *testing.T) {
						checkOp(t, e, p, op)
					})
				}
			}
		})
	}
}

// seedFor is the seed an op's check starts from: enough rows for what
// it reads and updates, few where it only adds.
func seedFor(op Op) int {
	switch op {
	case Read10000:
		return 10000
	case ReadOne, UpdateOne, Read100:
		return 100
	}
	return 10
}

// checkOp runs op once on p from a fresh seed and compares what it
// returned and the whole table with what the op must produce.
func checkOp(t *testing.T, e *Env, p Peer, op Op) {
	is := is.New(t)
	ctx := context.Background()
	seed := seedFor(op)
	is.NoErr(e.Reset(ctx, seed))
	table := seededRows(seed)

	const k = 5_000_001 // the key of the first row an insert writes
	// i picks the call: UpdateOne and ReadOne use the id i%UpdateKeys+1.
	const i = 41
	const id = i%UpdateKeys + 1
	next := func(n int) int64 { return k }
	is.NoErr(Call{Op: op, I: i}.Run(ctx, p, next))

	var returned []User
	switch op {
	case InsertOne, Insert100, Insert10000Tx:
		n := map[Op]int{InsertOne: 1, Insert100: 100, Insert10000Tx: 10000}[op]
		for j := range n {
			u := NewUser(k + int64(j))
			u.ID = int64(seed + 1 + j) // the ids the table gives next, in order
			returned = append(returned, u)
		}
		table = append(table, returned...)
	case UpdateOne:
		table[id-1].Fullname = fmt.Sprint("n", i)
		returned = nil
	case ReadOne:
		returned = table[id-1 : id]
	case Read100:
		returned = table[:100]
	case Read10000:
		returned = table[:10000]
	}
	is.NoErr(sameRows("returned", p.Result(), returned))
	rows, err := e.Rows(ctx)
	is.NoErr(err)
	is.NoErr(sameRows("table", rows, table))
}

// seededRows is the table Env.Reset(n) leaves.
func seededRows(n int) []User {
	us := make([]User, n)
	for i := range us {
		us[i] = NewUser(int64(i + 1))
		us[i].ID = int64(i + 1)
	}
	return us
}

// sameRows reports the first difference of two lists of rows; it
// prints one row, not thousands.
func sameRows(what string, got, want []User) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if g, w := got[i], want[i]; g.ID != w.ID || g.Name != w.Name || g.Fullname != w.Fullname || !sameNick(g.Nickname, w.Nickname) {
			return fmt.Errorf("%s: row %d is %s, want %s", what, i, show(g), show(w))
		}
	}
	return nil
}

func sameNick(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func show(u User) string {
	nick := "NULL"
	if u.Nickname != nil {
		nick = fmt.Sprintf("%q", *u.Nickname)
	}
	return fmt.Sprintf("{%d %q %q %s}", u.ID, u.Name, u.Fullname, nick)
}
