package quarry

import "github.com/quarry-orm/quarry/internal/field"

// Options of a statement that change how its rows are locked and read
// into a Session, rather than which rows it selects: FOR UPDATE, and
// SQLAlchemy's populate_existing execution option.

// runOptions are the locking and population options of a SELECT.
type runOptions struct {
	// lock asks for row locks (FOR UPDATE and the other strengths of
	// lock.go), and makes the Session check the version counter of the
	// objects it already holds.
	lock bool
	// locking is the strength and options of the lock (lock.go).
	locking lockSpec
	// populate overwrites objects already in the identity map with the
	// rows read.
	populate bool
}

// ForUpdate makes the statement lock the rows it reads until the
// transaction ends: SELECT ... FOR UPDATE on PostgreSQL, as SQLAlchemy's
// with_for_update(). SQLite has no row locks (a Session's write
// transaction holds the database's write lock from BEGIN IMMEDIATE), so
// there the statement is sent without the clause. The clause is left out
// where the statement is nested (a subquery, Count). Run through a
// Session, the statement also checks versions: an object of a table with
// a version counter that the Session already holds at another version
// than the row just locked makes the read fail with a
// [*StaleObjectError], rather than hand back an object whose values are
// stale (SQLAlchemy's StaleDataError); [Session.Expire] or
// [Session.Refresh] the object to lock it afresh. On PostgreSQL a
// statement with a Joined loader cannot be locked (the database refuses
// FOR UPDATE on the nullable side of an outer join): use SelectIn.
// ForUpdate cannot be combined with FromStatement (write the clause in
// the statement given to it).
func (q *Query[T]) ForUpdate() *Query[T] {
	return q.lockWith(lockUpdate)
}

// PopulateExisting makes the statement, run through a Session, overwrite
// the objects the Session already holds with the rows it reads, as
// SQLAlchemy's populate_existing execution option: every column and the
// snapshot the next flush compares with, so unflushed changes of those
// objects are discarded, and the relationship fields its loader options
// load (Joined, SelectIn, SubqueryLoad), with the related objects they
// read. With autoflush on (the default) pending changes are flushed
// before the statement runs, so what is discarded is only what the
// program changed with autoflush off. Outside a Session every row is a
// new object anyway, and PopulateExisting changes nothing.
func (q *Query[T]) PopulateExisting() *Query[T] {
	return q.with(func(c *selectCore) { c.run.populate = true })
}

// runOptionsOf returns the run options of a statement (none for
// compound and text statements).
func runOptionsOf(st statementNode) runOptions {
	if c, ok := st.(*selectCore); ok {
		return c.run
	}
	return runOptions{}
}

// runIDs is the identity map a Result with run options reads through: it
// merges rows into the Session with those options and keeps the first
// error a merge met (a stale version), which the Result reports.
type runIDs struct {
	s   *Session
	o   runOptions
	err error
}

func (r *runIDs) merge(t *table, obj field.Ptr, seq uint64) (field.Ptr, bool) {
	p, repeat, err := r.s.mergeRow(t, obj, seq, r.o)
	if err != nil && r.err == nil {
		r.err = err
	}
	return p, repeat
}

// mergeErr returns, once, the error a merge through ids met.
func mergeErr(ids identityMap) error {
	r, ok := ids.(*runIDs)
	if !ok || r.err == nil {
		return nil
	}
	err := r.err
	r.err = nil
	return err
}

// runSession returns the Session behind an identity map, and whether
// loads through it overwrite fields holding unflushed changes
// (PopulateExisting); nil outside a Session.
func runSession(ids identityMap) (s *Session, overwrite bool) {
	switch x := ids.(type) {
	case *Session:
		return x, false
	case *runIDs:
		return x.s, x.o.populate
	}
	return nil, false
}

// any reports whether the statement has run options, which make its rows
// merge into a Session through runIDs.
func (o runOptions) any() bool { return o.lock || o.populate }
