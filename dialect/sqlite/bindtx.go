package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/dialect/internal/bound"
)

// BindTx returns a DB that runs everything inside tx, a transaction the
// application opened on a *sql.DB of the modernc.org/sqlite driver, so
// that a test can roll back all that quarry did, or quarry's work joins
// the application's own transaction. The application keeps the
// transaction: it commits or rolls it back, and the DB's Close leaves it
// open. As for [OpenDB], the connection must enforce foreign keys:
// BindTx checks PRAGMA foreign_keys in tx and refuses it otherwise.
//
// A Session's transaction on the DB is a savepoint in tx: its BEGIN is
// SAVEPOINT quarry_tx, its Commit RELEASE SAVEPOINT quarry_tx (the work
// commits only with tx), its Rollback ROLLBACK TO SAVEPOINT quarry_tx and
// RELEASE. quarry's statement log still shows them as BEGIN, COMMIT and
// ROLLBACK. A Session's [quarry.TxOptions] are ignored: the transaction
// is tx, and it takes SQLite's write lock at its first write (database/sql
// begins DEFERRED), not at BEGIN.
//
// tx is one connection, so the DB serves one Session at a time: a
// Session holds tx from its first statement until its transaction ends
// and its results are closed, and another Session's first statement
// waits for that (or for its context to end). Calls into tx are
// serialised, so goroutines may share the DB; statements run on the DB
// itself do not wait and run inside the savepoint of the Session that
// holds tx, if any. A second Session used while the first still holds tx,
// from the same goroutine, waits for its context: end or commit the first
// Session before. Bind a transaction once.
func BindTx(ctx context.Context, tx *sql.Tx, opts ...quarry.OpenOption) (*quarry.DB, error) {
	if tx == nil {
		return nil, errors.New("quarry/sqlite: BindTx: nil *sql.Tx")
	}
	var on int
	if err := tx.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, fmt.Errorf("quarry/sqlite: BindTx: %w", err)
	}
	if on != 1 {
		return nil, errors.New("quarry/sqlite: BindTx: foreign keys are not enforced on this connection: open the database with ?_pragma=foreign_keys(1)")
	}
	d := &driver{}
	return quarry.OpenDB(bound.New(txRunner{tx}, Dialect{}, d.Classify), opts...), nil
}

// txRunner runs statements in the application's *sql.Tx; prepared
// statements are not cached there (the transaction is the
// application's, and usually short).
type txRunner struct{ tx *sql.Tx }

func (r txRunner) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	rows, err := r.tx.QueryContext(ctx, sql, bindArgs(args)...)
	if err != nil {
		return nil, err
	}
	return &rowsAdapter{Rows: rows}, nil
}

func (r txRunner) Exec(ctx context.Context, sql string, args []any) (int64, error) {
	res, err := r.tx.ExecContext(ctx, sql, bindArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
