package quarry

import "fmt"

// Locking reads beyond FOR UPDATE: the other lock strengths of
// PostgreSQL, what to do about rows another transaction has locked
// (SKIP LOCKED, NOWAIT), and which tables of a join are locked (OF).
//
// SQLite has no row locks: a Session's locking read begins its write
// transaction (BEGIN IMMEDIATE), which holds the database's write lock
// until COMMIT or ROLLBACK, so every locking clause is left out of the
// SQL there. Each strength is then at least as strong as asked, and SKIP
// LOCKED is satisfied trivially: while one Session holds the lock, no
// other transaction has a row locked that it could skip; a second
// Session's locking read waits for the first to end (up to the busy
// timeout) and then sees its committed writes. NOWAIT is not honoured on
// SQLite: the read waits for the write lock as any write does.

// lockStrength is the strength of a row lock.
type lockStrength uint8

const (
	lockNone lockStrength = iota
	lockUpdate
	lockNoKeyUpdate
	lockShare
	lockKeyShare
)

// lockClauses are the SQL of each strength after FOR.
var lockClauses = [...]string{
	lockUpdate:      "UPDATE",
	lockNoKeyUpdate: "NO KEY UPDATE",
	lockShare:       "SHARE",
	lockKeyShare:    "KEY SHARE",
}

// lockWait is what a locking read does about rows locked by another
// transaction.
type lockWait uint8

const (
	waitBlock lockWait = iota // wait for the lock (the default)
	waitSkip                  // SKIP LOCKED
	waitNone                  // NOWAIT
)

// lockSpec is the locking clause of a SELECT.
type lockSpec struct {
	strength lockStrength
	wait     lockWait
	of       []*source
}

func (q *Query[T]) lockWith(s lockStrength) *Query[T] {
	return q.with(func(c *selectCore) {
		c.run.lock = true
		c.run.locking.strength = s
	})
}

// ForShare makes the statement take shared row locks (SELECT ... FOR
// SHARE on PostgreSQL): other transactions may read and share-lock the
// rows but not update or delete them until this transaction ends. Like
// [Query.ForUpdate] it checks versions of the objects a Session holds
// and is left out where the statement is nested. On SQLite it is sent
// without the clause and takes the database's write lock (see
// [Query.SkipLocked]).
func (q *Query[T]) ForShare() *Query[T] { return q.lockWith(lockShare) }

// ForNoKeyUpdate is [Query.ForUpdate] with PostgreSQL's weaker FOR NO
// KEY UPDATE lock, which does not block inserts of rows referencing the
// locked ones (FOR KEY SHARE): the lock an UPDATE that leaves the key
// alone takes. On SQLite it is the database's write lock.
func (q *Query[T]) ForNoKeyUpdate() *Query[T] { return q.lockWith(lockNoKeyUpdate) }

// ForKeyShare takes PostgreSQL's FOR KEY SHARE lock, which only blocks
// deleting the rows and changing their keys. On SQLite it is the
// database's write lock.
func (q *Query[T]) ForKeyShare() *Query[T] { return q.lockWith(lockKeyShare) }

// SkipLocked makes a locking read skip the rows that another transaction
// has locked instead of waiting for them (FOR UPDATE SKIP LOCKED), the
// way several workers take different jobs from one queue table. It needs
// one of ForUpdate, ForShare, ForNoKeyUpdate or ForKeyShare, in any
// order; without one the statement fails when rendered. On SQLite, which
// has no row locks, the clause is left out: the read takes the database's
// write lock, which a second worker waits for, and that worker then sees
// the first one's committed writes, so no row is ever taken twice, as
// with SKIP LOCKED, though workers run one at a time.
func (q *Query[T]) SkipLocked() *Query[T] {
	return q.with(func(c *selectCore) { c.run.locking.wait = waitSkip })
}

// NoWait makes a locking read fail at once, with the database's lock
// error, when a row it would lock is locked by another transaction (FOR
// UPDATE NOWAIT on PostgreSQL). It needs a lock strength, as
// [Query.SkipLocked] does. SQLite cannot honour it: there the read waits
// for the write lock up to the busy timeout, as every write does.
func (q *Query[T]) NoWait() *Query[T] {
	return q.with(func(c *selectCore) { c.run.locking.wait = waitNone })
}

// Of limits a locking read to the rows of the given tables or aliases
// (FOR UPDATE OF "users"), which PostgreSQL needs when the statement
// joins a table whose rows it should not lock, or the nullable side of
// an outer join, which cannot be locked at all. Each must be a FROM item
// of the statement; a table or alias that is not is refused by the
// database. SQLite leaves the clause out with the rest.
func (q *Query[T]) Of(tables ...FromItem) *Query[T] {
	return q.with(func(c *selectCore) {
		of := make([]*source, 0, len(c.run.locking.of)+len(tables))
		of = append(of, c.run.locking.of...)
		for _, t := range tables {
			var src *source
			if t != nil {
				src = t.fromSource()
			}
			if src == nil {
				c.fail(fmt.Errorf("%w (given to Of)", errZeroSource))
				continue
			}
			of = append(of, src)
		}
		c.run.locking.of = of
	})
}

// renderLock appends the locking clause to a top-level SELECT that asks
// for one, on a database with row locks (Capabilities.ForUpdate set).
func (c *selectCore) renderLock(b *builder, nested bool) {
	l := c.run.locking
	if l.strength == lockNone {
		if l.wait != waitBlock || len(l.of) > 0 {
			b.Fail(invalidArg("SkipLocked, NoWait and Of need a lock: add ForUpdate, ForShare, ForNoKeyUpdate or ForKeyShare"))
		}
		return
	}
	if nested || b.Caps.ForUpdate == "" {
		return
	}
	b.WriteChar(' ')
	if l.strength == lockUpdate {
		b.Write(b.Caps.ForUpdate)
	} else {
		b.Write("FOR ")
		b.Write(lockClauses[l.strength])
	}
	for i, s := range l.of {
		if i == 0 {
			b.Write(" OF ")
		} else {
			b.Write(", ")
		}
		if s.err != nil {
			b.Fail(s.err)
		}
		b.Ident(b.sourceName(s.identity()))
	}
	switch l.wait {
	case waitSkip:
		b.Write(" SKIP LOCKED")
	case waitNone:
		b.Write(" NOWAIT")
	}
}
