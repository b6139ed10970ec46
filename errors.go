package quarry

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/errs"
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
	ErrInvalidIdentifier = errs.ErrInvalidIdentifier
	// ErrMapping is wrapped by every error about a mapping definition.
	ErrMapping = errs.ErrMapping
	// ErrInvalidArgument is wrapped by the error of a call given a nil or
	// zero argument it cannot use: a nil Executor, statement, expression,
	// option or object, or a zero table struct, Column, relationship, DB
	// or Session (one not made by [Table], OpenDB or [DB.Session]). A
	// builder records it in the statement, returned when the statement is
	// rendered or run; nothing panics.
	ErrInvalidArgument = errs.ErrInvalidArgument
	// ErrNotMapped is returned by the Session methods (Add, Delete,
	// Refresh, AddAll, Get) given a value that is not a pointer to a
	// struct mapped with [Table]. It is a mistake in the program's use of
	// an object, not in a mapping definition, so it does not wrap
	// [ErrMapping].
	ErrNotMapped = errors.New("quarry: not a mapped entity")
	// ErrJoin is wrapped by the error of a join whose left side or ON
	// clause cannot be inferred: no foreign key or several link the
	// tables, the relationship's parent is not in the FROM list, or a
	// table is joined to itself without an alias. Give the ON clause, or
	// the left side with JoinFrom or SelectFrom.
	ErrJoin = errors.New("quarry: cannot infer the join")
	// ErrCartesian is wrapped by the error of a SELECT whose FROM clause
	// holds items that no join or condition links (a cartesian product,
	// usually a forgotten join). [Query.AllowCartesian] allows it.
	ErrCartesian = errors.New("quarry: cartesian product")
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
	// ErrValueNotStorable is wrapped by the error of a write whose value
	// the database cannot store as it is, returned before any SQL runs
	// and naming the table, the column and the value: a NaN on SQLite
	// (which would store NULL), a string with a NUL byte on PostgreSQL
	// (whose text cannot hold one). The dialect's Capabilities say which.
	ErrValueNotStorable = errors.New("quarry: value not storable by this database")
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
	return errs.Mapping(format, args...)
}

// invalidArg is the error of a nil or zero argument: it wraps
// [ErrInvalidArgument] and says which.
func invalidArg(format string, args ...any) error {
	return errs.InvalidArg(format, args...)
}

// The errors of the nil and zero arguments met most often.
var (
	errNilExecutor = invalidArg("nil Executor: pass a *DB or a *Session")
	errNilExpr     = invalidArg("nil expression or condition")
	errNilStmt     = invalidArg("nil Statement")
	errZeroExpr    = invalidArg("use of a zero Column or Expr (was the table struct created with quarry.Table?)")
	errZeroRel     = invalidArg("use of a zero relationship (was the table struct created with quarry.Table?)")
	errNilRel      = invalidArg("nil relationship")
	errNilOrder    = invalidArg("nil ORDER BY term")
	errNilQuery    = invalidArg("nil *Query")
)

// joinError is the error of a join quarry cannot infer: its own message,
// and errors.Is(err, ErrJoin).
type joinError struct{ msg string }

func joinErrorf(format string, args ...any) error {
	return &joinError{msg: "quarry: " + fmt.Sprintf(format, args...)}
}

func (e *joinError) Error() string        { return e.msg }
func (e *joinError) Is(target error) bool { return target == ErrJoin }

// StatementError is the error of a statement that could not be built or
// rendered, so was never sent: a nil or zero argument given to a builder
// ([ErrInvalidArgument]), an identifier the dialect cannot hold
// ([ErrInvalidIdentifier]), a join that cannot be inferred ([ErrJoin]),
// a feature the dialect lacks ([ErrUnsupported]), a missing [Text]
// parameter ([ErrMissingParam]). It names the statement and wraps the
// first problem met, so errors.Is finds that problem's sentinel.
type StatementError struct {
	// Kind is the kind of statement: SELECT, UNION, UNION ALL, EXCEPT,
	// INTERSECT or TEXT.
	Kind string
	// Entity is the Go type of the first entity or column the statement
	// selects, when it selects one.
	Entity string
	// Err is the first problem met.
	Err error
}

// Error names the statement and its problem.
func (e *StatementError) Error() string {
	what := e.Kind
	if e.Entity != "" {
		what += " of " + e.Entity
	}
	return "quarry: " + what + ": " + strings.TrimPrefix(e.Err.Error(), "quarry: ")
}

// Unwrap returns the problem.
func (e *StatementError) Unwrap() error { return e.Err }

// statementError wraps the error of rendering st in a [StatementError],
// unless it is one already (a nested statement's).
func statementError(st statementNode, err error) error {
	var se *StatementError
	if errors.As(err, &se) {
		return err
	}
	e := &StatementError{Err: err}
	switch s := st.(type) {
	case *selectCore:
		e.Kind, e.Entity = "SELECT", describeItems(s.items)
	case *compoundNode:
		e.Kind = s.op
		if len(s.members) > 0 {
			e.Entity = describeItems(s.members[0].items)
		}
	case *TextClause:
		e.Kind = "TEXT"
	case *insertNode:
		e.Kind, e.Entity = "INSERT", dmlEntity(s)
	case *updateNode:
		e.Kind, e.Entity = "UPDATE", dmlEntity(s)
	case *deleteNode:
		e.Kind, e.Entity = "DELETE", dmlEntity(s)
	}
	return e
}

// dmlEntity names the entity a write statement writes.
func dmlEntity(n dmlNode) string {
	if t := n.target(); t != nil && t.GoType != nil {
		return t.GoType.String()
	}
	return ""
}

// describeItems names the entity of the first mapped column selected.
func describeItems(items []node) string {
	for _, n := range items {
		if c, ok := n.(*colRef); ok && c.src.table != nil {
			return c.src.table.GoType.String()
		}
	}
	return ""
}

// wrapErr is fmt.Errorf("quarry: <context>: %w", err) without a second
// "quarry: " in the message when err is one of quarry's own errors.
func wrapErr(err error, format string, args ...any) error {
	return &wrappedError{msg: "quarry: " + fmt.Sprintf(format, args...) + ": " + strings.TrimPrefix(err.Error(), "quarry: "), err: err}
}

type wrappedError struct {
	msg string
	err error
}

func (e *wrappedError) Error() string { return e.msg }
func (e *wrappedError) Unwrap() error { return e.err }
