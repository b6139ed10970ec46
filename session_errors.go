package quarry

import (
	"errors"
	"fmt"

	"github.com/quarry-orm/quarry/dialect"
)

var (
	// ErrSessionClosed is returned by operations on a closed Session.
	// errors.Is(err, ErrClosed) also holds.
	ErrSessionClosed error = sessionClosed{}
	// ErrNotInSession is wrapped by the errors of operations that need an
	// object the Session holds (Delete, Refresh) when given another.
	ErrNotInSession = errors.New("quarry: object is not in the session")
	// ErrIdentityConflict is returned by a flush that would insert an
	// object whose primary key is already held by another object of the
	// Session: a Session keeps one object per row.
	ErrIdentityConflict = errors.New("quarry: another object of the session has this primary key")
	// ErrStale is wrapped by [*StaleObjectError]: an UPDATE or DELETE of
	// the unit of work matched no row, because another transaction
	// deleted the row or (with a version column) changed it since this
	// Session read it.
	ErrStale = errors.New("quarry: stale object")
	// ErrKeyChanged is wrapped, with [ErrIdentityConflict], by the error
	// of a flush that finds the primary key of a persistent object
	// changed to the key of another object the Session holds (one that
	// keeps its key, another changed object, or a new one). A primary
	// key may otherwise change: the flush updates the row and the rows
	// that refer to it (see the README's "Changing a primary key"). The
	// flush is rolled back and writes nothing.
	ErrKeyChanged = errors.New("quarry: primary key changed")
	// ErrCircularDependency is wrapped by the error of a flush whose rows
	// refer to each other in a cycle (two new rows each holding the
	// other's key), which INSERTs alone cannot write. Tag one of the
	// relationships of the cycle post_update. The flush writes nothing.
	ErrCircularDependency = errors.New("quarry: circular dependency between rows")
	// ErrCommitUnknown is wrapped (with the driver's error) by the error
	// of a Commit whose COMMIT failed in a way that does not say whether
	// the transaction was committed: the connection broke or the context
	// ended while COMMIT was in flight. The Session then ends its
	// transaction, keeps its objects as they are and expires them; the
	// program should reload what it needs to know and decide whether to
	// retry. A COMMIT that the database refused (a deferred constraint or
	// trigger, a serialization failure, an aborted transaction: see
	// [ErrTxAborted]) is reported with the driver's error instead, as a
	// rolled-back transaction, and the Session is rebased as after a
	// failed flush.
	ErrCommitUnknown = dialect.ErrCommitUnknown
	// ErrResultOpen is returned when a Session is asked to run a
	// statement, flush or commit while a [Result] it returned is still
	// open, on a database whose connections run one statement at a time
	// (PostgreSQL). Read the Result to the end (All, or a finished Seq)
	// or Close it first. (Rollback and Close end open Results instead:
	// reading on reports an error.)
	ErrResultOpen = errors.New("quarry: a Result of this session is still open: read it to the end or Close it before running another statement (the connection runs one statement at a time)")
)

// errRolledBack is the error of a Result that Rollback ended while open.
var errRolledBack = errors.New("quarry: the session was rolled back while this result was open")

// invalid returns the error of an operation on a Session that was never
// usable: nil, the zero Session (not made by [DB.Session]), or one of a
// nil or zero DB.
func (s *Session) invalid() error {
	switch {
	case s == nil:
		return invalidArg("nil *Session")
	case s.pendingBy == nil:
		return invalidArg("zero Session: make one with DB.Session")
	}
	return s.db.invalid()
}

// usable is invalid, or [ErrSessionClosed] for a closed Session.
func (s *Session) usable() error {
	if err := s.invalid(); err != nil {
		return err
	}
	if s.closed {
		return ErrSessionClosed
	}
	return nil
}

type sessionClosed struct{}

func (sessionClosed) Error() string        { return "quarry: session is closed" }
func (sessionClosed) Is(target error) bool { return target == ErrClosed }

// StaleObjectError reports an UPDATE or DELETE that matched no row, or
// (Op "SELECT") a row read FOR UPDATE at another version than the object
// the Session holds for it (see [Query.ForUpdate]). It wraps [ErrStale].
// The flush that met it was rolled back; reload the object (a new
// Session, Refresh, or Rollback and query again), re-apply the change and
// retry.
type StaleObjectError struct {
	// Op is "UPDATE", "DELETE" or "SELECT".
	Op string
	// Table is the table's name.
	Table string
	// Key holds the primary-key values of the row.
	Key []any
	// Version is the version the Session expected the row to have, when
	// the table has a version column.
	Version *int64
	// Found is the version the row was read at, for Op "SELECT".
	Found *int64
}

// Error describes the statement, the table, the key and the version.
func (e *StaleObjectError) Error() string {
	if e.Version != nil && e.Found != nil {
		return fmt.Sprintf("quarry: stale object: %s %v is held at version %d, but its row was read FOR UPDATE at version %d (changed by another transaction): Expire or Refresh it", e.Table, e.Key, *e.Version, *e.Found)
	}
	if e.Version != nil {
		return fmt.Sprintf("quarry: stale object: %s of %s %v at version %d matched no row (changed or deleted by another transaction)", e.Op, e.Table, e.Key, *e.Version)
	}
	return fmt.Sprintf("quarry: stale object: %s of %s %v matched no row (deleted by another transaction)", e.Op, e.Table, e.Key)
}

// Unwrap returns [ErrStale].
func (e *StaleObjectError) Unwrap() error { return ErrStale }
