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

// More classifications, for constraints that only some databases name.
var (
	// ErrCheckViolation: a CHECK constraint.
	ErrCheckViolation = errors.New("quarry: check constraint violated")
	// ErrExclusionViolation: an EXCLUDE constraint (PostgreSQL).
	ErrExclusionViolation = errors.New("quarry: exclusion constraint violated")
)

// ConstraintViolation is the classification a [Driver] gives an error
// raised by a constraint, with what the database said about it. It
// unwraps to its Kind (ErrUniqueViolation, ErrForeignKeyViolation,
// ErrNotNullViolation, ErrCheckViolation or ErrExclusionViolation), so a
// driver's Classify may return it wherever it would return the sentinel.
// Fields the database does not report are empty.
type ConstraintViolation struct {
	Kind       error
	Constraint string // the constraint's name
	Table      string
	Column     string // for NOT NULL, and for UNIQUE where the database names it
}

// Error returns the message of the kind.
func (v *ConstraintViolation) Error() string { return v.Kind.Error() }

// Unwrap returns the kind.
func (v *ConstraintViolation) Unwrap() error { return v.Kind }
