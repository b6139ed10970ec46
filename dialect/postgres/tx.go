package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/quarry-orm/quarry/dialect"
)

// tx is a transaction whose BEGIN travels with its first statement.
//
// pgx's own transaction sends BEGIN and waits for the answer before the
// first statement can go: one network round trip that carries nothing.
// Here Begin only remembers the BEGIN text; the first Query or Exec sends
// BEGIN and the statement in one batch (one round trip), and a
// transaction that ran no statement commits or rolls back without
// sending anything. Errors keep their meaning: a failed BEGIN is the
// first statement's error, and a statement's error is its own.
type tx struct {
	c *pgxpool.Conn
	// begin is the BEGIN statement still to send, empty once sent.
	begin string
	done  bool
	// release says the connection goes back to the pool when the
	// transaction ends (it was taken for it, not held by a Session).
	release bool
	// track says the commit records its WAL position, for
	// read-your-writes on replicas (replicas_commit.go); pos is it.
	track bool
	pos   dialect.Position
}

func newTx(c *pgxpool.Conn, opts dialect.TxOptions, release bool) *tx {
	return &tx{c: c, begin: beginSQL(opts), release: release}
}

// beginSQL is the BEGIN statement for opts, as pgx writes it.
func beginSQL(opts dialect.TxOptions) string {
	s := "BEGIN"
	switch opts.Isolation {
	case sql.LevelSerializable:
		s += " ISOLATION LEVEL SERIALIZABLE"
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		s += " ISOLATION LEVEL REPEATABLE READ"
	case sql.LevelReadCommitted:
		s += " ISOLATION LEVEL READ COMMITTED"
	case sql.LevelReadUncommitted:
		s += " ISOLATION LEVEL READ UNCOMMITTED"
	}
	if opts.ReadOnly {
		s += " READ ONLY"
	}
	return s
}

var errTxDone = errors.New("quarry/postgres: transaction has already been committed or rolled back")

func (t *tx) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	if t.done {
		return nil, errTxDone
	}
	if t.begin == "" {
		rows, err := t.c.Query(ctx, sql, nativeArgs(args)...)
		if err != nil {
			return nil, err
		}
		return &rowsAdapter{rows: rows}, nil
	}
	br, err := t.sendBegin(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &rowsAdapter{rows: rows, batch: br}, nil
}

func (t *tx) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	if t.done {
		return 0, errTxDone
	}
	if t.begin == "" {
		tag, err := t.c.Exec(ctx, sql, nativeArgs(args)...)
		if err != nil {
			return 0, err
		}
		return tag.RowsAffected(), nil
	}
	br, err := t.sendBegin(ctx, sql, args)
	if err != nil {
		return 0, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// sendBegin sends BEGIN and the first statement in one batch and reads
// BEGIN's answer; the caller reads the statement's.
func (t *tx) sendBegin(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(t.begin)
	b.Queue(sql, nativeArgs(args)...)
	br := t.c.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	t.begin = ""
	return br, nil
}

// Commit sends COMMIT. An error the server sent (a deferred constraint
// or trigger raising: a *pgconn.PgError), or its ROLLBACK answer to the
// COMMIT of an aborted transaction (pgx.ErrTxCommitRollback), means the
// transaction was rolled back and is returned as it is. Any other error
// means the answer never arrived (the connection broke, the context
// ended): it wraps [dialect.ErrCommitUnknown].
func (t *tx) Commit(ctx context.Context) error {
	if t.done {
		return errTxDone
	}
	defer t.end()
	if t.begin != "" {
		return nil // nothing was sent, nothing to commit
	}
	if t.track {
		return t.commitTracked(ctx)
	}
	tag, err := t.c.Exec(ctx, "COMMIT")
	if err == nil {
		if tag.String() == "ROLLBACK" {
			return pgx.ErrTxCommitRollback
		}
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w: %w", dialect.ErrCommitUnknown, err)
}

// Rollback uses a context that is not cancelled, so the connection is
// cleaned and returned to the pool even when ctx is done.
func (t *tx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	defer t.end()
	if t.begin != "" {
		return nil
	}
	_, err := t.c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	return err
}

// end marks the transaction done and returns a connection it owns to the
// pool; pgxpool closes a connection left inside a transaction (a COMMIT
// whose answer never came) instead of reusing it.
func (t *tx) end() {
	t.done = true
	if t.release {
		t.c.Release()
	}
}
