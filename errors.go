package quarry

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/quarry-orm/quarry/dialect"
)

var (
	// ErrNoResult is returned by One, First and Scalar when the statement
	// returned no row. It wraps [sql.ErrNoRows].
	ErrNoResult = fmt.Errorf("quarry: no result: %w", sql.ErrNoRows)
	// ErrMultipleResults is returned by One, OneOrNone and Scalar when the
	// statement returned more than one row.
	ErrMultipleResults = errors.New("quarry: multiple results where one was expected")
	// ErrClosed is returned by any operation on a closed [DB] or Session.
	ErrClosed = errors.New("quarry: database is closed")
	// ErrUniqueViolation classifies a driver error raised by a UNIQUE or
	// PRIMARY KEY constraint.
	ErrUniqueViolation = dialect.ErrUniqueViolation
	// ErrForeignKeyViolation classifies a driver error raised by a FOREIGN
	// KEY constraint.
	ErrForeignKeyViolation = dialect.ErrForeignKeyViolation
	// ErrNotNullViolation classifies a driver error raised by a NOT NULL
	// constraint.
	ErrNotNullViolation = dialect.ErrNotNullViolation
	// ErrCheckViolation classifies a driver error raised by a CHECK
	// constraint.
	ErrCheckViolation = dialect.ErrCheckViolation
	// ErrExclusionViolation classifies a driver error raised by an EXCLUDE
	// constraint (PostgreSQL).
	ErrExclusionViolation = dialect.ErrExclusionViolation
	// ErrSerialization classifies a serialization failure or deadlock that
	// a retry of the whole transaction may resolve.
	ErrSerialization = dialect.ErrSerialization
	// ErrUnsupported is returned when a statement uses a feature the
	// dialect does not have (for example Match on SQLite).
	ErrUnsupported = errors.New("quarry: not supported by this dialect")
	// ErrInvalidIdentifier is returned when a table, column, alias or label
	// name cannot be used as an identifier.
	ErrInvalidIdentifier = errors.New("quarry: invalid identifier")
	// ErrMapping is wrapped by every error about a mapping definition.
	ErrMapping = errors.New("quarry: invalid mapping")
	// ErrMissingParam is returned when a [Text] parameter has no value.
	ErrMissingParam = errors.New("quarry: missing text parameter")
	// ErrTxAborted classifies the error of a statement sent in a
	// transaction that an earlier failed statement aborted (PostgreSQL
	// ignores every statement until the transaction ends: SQLSTATE 25P02),
	// and of a COMMIT that the database turned into a rollback for that
	// reason. Nothing more can run in the transaction: roll it back
	// ([Session.Rollback], or [Savepoint.Rollback] of a savepoint begun
	// before the failed statement) and start again. A [Session.Commit] that meets
	// it has already rolled back and kept the Session's changes pending,
	// as after a failed flush.
	ErrTxAborted = dialect.ErrTxAborted
)

// DriverError wraps an error returned by the database with the statement
// that caused it. errors.Is matches both the quarry classification (such as
// [ErrUniqueViolation]) and the driver's own error underneath.
type DriverError struct {
	SQL  string
	kind error
	Err  error
}

// Error returns the driver's message, prefixed by quarry's description of
// the failure.
func (e *DriverError) Error() string {
	if e.kind != nil {
		return fmt.Sprintf("%v: %v", e.kind, e.Err)
	}
	return "quarry: " + e.Err.Error()
}

// Unwrap returns the classification and the driver error.
func (e *DriverError) Unwrap() []error {
	if e.kind != nil {
		return []error{e.kind, e.Err}
	}
	return []error{e.Err}
}

// ConstraintError is the [DriverError] of a statement that violated a
// constraint, with what the database said about it: errors.As(err, &ce)
// finds it, and errors.Is(err, ErrUniqueViolation) (or another kind)
// matches it. PostgreSQL reports the constraint, table and column; SQLite
// the table and columns of UNIQUE and NOT NULL failures and the name of a
// CHECK, and nothing for a FOREIGN KEY. Fields not reported are empty.
type ConstraintError struct {
	DriverError
	// Kind is ErrUniqueViolation, ErrForeignKeyViolation,
	// ErrNotNullViolation, ErrCheckViolation or ErrExclusionViolation.
	Kind       error
	Constraint string
	Table      string
	// Column is the column (columns, comma-separated) named by the
	// database.
	Column string
}

// Unwrap returns the DriverError, which unwraps to the kind and the
// driver's error.
func (e *ConstraintError) Unwrap() error { return &e.DriverError }

// driverError wraps err, a driver error of the statement sql, with the
// dialect's classification kind.
func driverError(sql string, kind, err error) error {
	var v *dialect.ConstraintViolation
	if errors.As(kind, &v) {
		return &ConstraintError{
			DriverError: DriverError{SQL: sql, kind: v.Kind, Err: err},
			Kind:        v.Kind, Constraint: v.Constraint, Table: v.Table, Column: v.Column,
		}
	}
	return &DriverError{SQL: sql, kind: kind, Err: err}
}

func mappingErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMapping}, args...)...)
}
