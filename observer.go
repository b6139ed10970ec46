package quarry

import (
	"context"
	"strings"
	"time"

	"github.com/quarry-orm/quarry/dialect"
)

// Observer sees every statement a [DB] sends: the queries and DML of
// statements and Sessions, a flush's INSERTs, UPDATEs and DELETEs, DDL,
// and a Session's BEGIN, COMMIT, ROLLBACK and savepoints (CreateAll's own
// transaction around its DDL is not reported, only the DDL). Install one with
// [WithObserver]; the statement echo of [WithLogger] is one too.
//
// StatementStart is called before the statement is sent and returns the
// context that its StatementEnd receives (a tracer puts its span there;
// return ctx itself to keep nothing). StatementEnd is called once the
// statement is done: for a statement that returns no rows, when the
// database answered; for one that returns rows, when its cursor is
// closed or read to the end, so Duration covers reading the rows and
// Rows counts them (as pgx's tracer does). An error the database reports
// while the rows are read (PostgreSQL reports a constraint violation of
// INSERT ... RETURNING there) is in that StatementEnd's Err.
//
// Both methods are called on the goroutine that runs the statement, and
// several statements of one DB may be observed concurrently: an Observer
// must be safe for concurrent use. The [StatementInfo] is passed by
// value; it holds no argument values unless the Observer implements
// [ArgsObserver] and asks for them.
type Observer interface {
	StatementStart(ctx context.Context, info StatementInfo) context.Context
	StatementEnd(ctx context.Context, info StatementInfo)
}

// ArgsObserver is an [Observer] that may receive the statement's argument
// values in [StatementInfo.Args]. Argument values are kept out of
// observers by default, since they are often personal or secret data;
// one that records or logs them (a test recorder, the echo of
// [WithLogger] unless [WithLogArgs](false)) says so here.
type ArgsObserver interface {
	Observer
	// ObserveArgs reports whether the observer wants the argument values.
	// It is asked once, when the DB is opened.
	ObserveArgs() bool
}

// StatementInfo describes one statement to an [Observer].
type StatementInfo struct {
	// Op is the kind of statement.
	Op Op
	// SQL is the statement's text as sent, with placeholders: argument
	// values are never part of it.
	SQL string
	// NumArgs is the number of arguments bound to the statement.
	NumArgs int
	// Args are the argument values, only for an [ArgsObserver] that asked
	// for them (nil otherwise). They belong to the statement: an observer
	// that keeps them must copy the slice.
	Args []any
	// InTx reports whether the statement ran inside a transaction: a
	// Session's (its flush, its statements after its first write, its
	// savepoints) or the one CreateAll runs its DDL in. BEGIN itself is
	// outside, COMMIT and ROLLBACK inside.
	InTx bool
	// Dialect is the name of the database's dialect ([Dialect.Name]:
	// "sqlite", "postgres").
	Dialect string
	// Start is when the statement was sent.
	Start time.Time

	// Set for StatementEnd only:

	// Duration is the time from Start to the end of the statement (see
	// [Observer]).
	Duration time.Duration
	// Rows is the number of rows the statement affected (INSERT, UPDATE,
	// DELETE without RETURNING) or returned (queries, RETURNING), or -1
	// where no count is known (BEGIN, COMMIT, DDL on some drivers, a
	// failed statement).
	Rows int64
	// Err is the statement's error, as quarry returns it (a
	// [*DriverError] or [*ConstraintError] wrapping the driver's), or
	// nil.
	Err error
}

// Op is the kind of a statement, for an [Observer].
type Op uint8

// The kinds of statement. A statement of the program's own text ([Text],
// [UnsafeText]) is classified by its first keyword; one quarry cannot
// classify that way (WITH, a call) is OpOther.
const (
	OpOther Op = iota
	OpSelect
	OpInsert
	OpUpdate
	OpDelete
	// OpDDL is CREATE, DROP or ALTER.
	OpDDL
	OpBegin
	OpCommit
	OpRollback
	OpSavepoint
	OpReleaseSavepoint
	OpRollbackToSavepoint
)

var opNames = [...]string{
	OpOther:               "other",
	OpSelect:              "select",
	OpInsert:              "insert",
	OpUpdate:              "update",
	OpDelete:              "delete",
	OpDDL:                 "ddl",
	OpBegin:               "begin",
	OpCommit:              "commit",
	OpRollback:            "rollback",
	OpSavepoint:           "savepoint",
	OpReleaseSavepoint:    "release savepoint",
	OpRollbackToSavepoint: "rollback to savepoint",
}

// String returns the kind in lower case ("select", "insert", "ddl",
// "begin", "rollback to savepoint", ...).
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "other"
}

// WithObserver installs an [Observer] of every statement the DB sends.
// Several may be installed; they are called in the order given, after the
// echo of [WithLogger] (StatementEnd in the same order as
// StatementStart). A nil observer is skipped.
func WithObserver(o Observer) OpenOption {
	return func(db *DB) {
		if o != nil {
			db.userObs = append(db.userObs, o)
		}
	}
}

// installed is an observer with what it asked for when the DB opened.
type installed struct {
	o    Observer
	args bool
}

// setupObservers makes the final list, once options are applied: the
// echo first, then the program's observers in order.
func (db *DB) setupObservers() {
	var all []Observer
	if db.log != nil {
		all = append(all, &logObserver{log: db.log, level: db.level, args: !db.redact})
	}
	all = append(all, db.userObs...)
	db.userObs = nil
	for _, o := range all {
		in := installed{o: o}
		if ao, ok := o.(ArgsObserver); ok {
			in.args = ao.ObserveArgs()
		}
		db.obs = append(db.obs, in)
	}
	if db.dialect != nil {
		db.dialectName = db.dialect.Name()
	}
}

// observation is one observed statement between its start and its end.
type observation struct {
	db   *DB
	info StatementInfo
	args []any
	// ctxs are the contexts each observer's StatementStart returned.
	ctxs []context.Context
	done bool
}

// observe starts observing a statement; nil when no observer is
// installed, which is the whole cost of observation then.
func (db *DB) observe(ctx context.Context, q dialect.Querier, op Op, sql string, args []any) *observation {
	if len(db.obs) == 0 {
		return nil
	}
	_, inTx := q.(dialect.Tx)
	if op == opText {
		op = textOp(sql)
	}
	ob := &observation{db: db, args: args, ctxs: make([]context.Context, len(db.obs))}
	ob.info = StatementInfo{Op: op, SQL: sql, NumArgs: len(args), InTx: inTx, Dialect: db.dialectName, Start: time.Now(), Rows: -1}
	for i, in := range db.obs {
		info := ob.info
		if in.args {
			info.Args = args
		}
		ob.ctxs[i] = in.o.StatementStart(ctx, info)
		if ob.ctxs[i] == nil {
			ob.ctxs[i] = ctx
		}
	}
	return ob
}

// end reports the end of the statement to every observer, once.
func (ob *observation) end(rows int64, err error) {
	if ob == nil || ob.done {
		return
	}
	ob.done = true
	ob.info.Duration = time.Since(ob.info.Start)
	ob.info.Err = err
	if err != nil {
		ob.info.Rows = -1
	} else {
		ob.info.Rows = rows
	}
	for i, in := range ob.db.obs {
		info := ob.info
		if in.args {
			info.Args = ob.args
		}
		in.o.StatementEnd(ob.ctxs[i], info)
	}
}

// observedRows is a cursor whose end (exhausted or closed) ends its
// statement's observation, with the number of rows read.
type observedRows struct {
	dialect.Rows
	ob  *observation
	sql string
	n   int64
}

func (r *observedRows) Next() bool {
	if r.Rows.Next() {
		r.n++
		return true
	}
	r.finish(nil)
	return false
}

func (r *observedRows) Close() error {
	err := r.Rows.Close()
	r.finish(err)
	return err
}

func (r *observedRows) finish(closeErr error) {
	if r.ob.done {
		return
	}
	err := r.Rows.Err()
	if err == nil {
		err = closeErr
	}
	r.ob.end(r.n, r.ob.db.wrapErr(r.sql, err))
}

// textOp classifies a statement of the program's own text by its first
// keyword.
func textOp(sql string) Op {
	s := strings.TrimLeft(sql, " \t\r\n(")
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if end >= 0 {
		s = s[:end]
	}
	switch strings.ToUpper(s) {
	case "SELECT", "VALUES", "TABLE":
		return OpSelect
	case "INSERT":
		return OpInsert
	case "UPDATE":
		return OpUpdate
	case "DELETE":
		return OpDelete
	case "CREATE", "DROP", "ALTER":
		return OpDDL
	case "SAVEPOINT":
		return OpSavepoint
	case "RELEASE":
		return OpReleaseSavepoint
	case "ROLLBACK":
		if strings.Contains(strings.ToUpper(sql), " TO ") {
			return OpRollbackToSavepoint
		}
		return OpRollback
	case "BEGIN", "START":
		return OpBegin
	case "COMMIT", "END":
		return OpCommit
	}
	return OpOther
}

// opText asks observe to classify the statement by its text (textOp),
// which it does only when an observer is installed.
const opText Op = 255

// opOf is the kind of a statement node quarry rendered.
func opOf(st statementNode) Op {
	switch st.(type) {
	case *insertNode:
		return OpInsert
	case *updateNode:
		return OpUpdate
	case *deleteNode:
		return OpDelete
	case *TextClause:
		return opText
	}
	return OpSelect
}
