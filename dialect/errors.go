package dialect

import "errors"

// The classifications a [Driver] gives the database's errors, and the
// outcome of a COMMIT that never answered. The quarry package re-exports
// each under the same name; applications test for them there.
var (
	// ErrUniqueViolation: a UNIQUE or PRIMARY KEY constraint.
	ErrUniqueViolation = errors.New("quarry: unique constraint violated")
	// ErrForeignKeyViolation: a FOREIGN KEY constraint.
	ErrForeignKeyViolation = errors.New("quarry: foreign key constraint violated")
	// ErrNotNullViolation: a NOT NULL constraint.
	ErrNotNullViolation = errors.New("quarry: not-null constraint violated")
	// ErrSerialization: a serialization failure or deadlock that a retry
	// of the whole transaction may resolve.
	ErrSerialization = errors.New("quarry: serialization failure")
	// ErrTxAborted: a statement sent in a transaction that an earlier
	// failed statement aborted, or a COMMIT the database turned into a
	// rollback for that reason.
	ErrTxAborted = errors.New("quarry: the transaction was aborted by an earlier failed statement and must be rolled back")
	// ErrCommitUnknown is wrapped by [Tx.Commit]'s error when the answer
	// to COMMIT never arrived.
	ErrCommitUnknown = errors.New("quarry: commit outcome unknown")
)
