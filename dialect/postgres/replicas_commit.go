package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/quarry-orm/quarry/dialect"
)

var _ dialect.CommitPositioner = (*tx)(nil)

// commitLSN is sent instead of a bare COMMIT when the DB has replicas:
// one round trip (a simple-protocol query string of two statements)
// commits and reads the WAL insert position, which lies at or past the
// end of the commit record, so a replica that has replayed it sees the
// commit. (pg_current_wal_lsn, the write position, may still be short of
// the commit record under synchronous_commit=off.)
const commitLSN = "COMMIT; SELECT pg_current_wal_insert_lsn()::text"

// CommitPosition implements [dialect.CommitPositioner].
func (t *tx) CommitPosition() dialect.Position { return t.pos }

// commitTracked commits and records the commit's position. It sends the
// COMMIT and the position query as one simple-protocol string on the
// transaction's connection; the connection is idle (or closed)
// afterwards, which is all the pool checks at Release. The outcomes are
// those of [tx.Commit].
func (t *tx) commitTracked(ctx context.Context) error {
	pc := t.c.Conn().PgConn()
	results, err := pc.Exec(ctx, commitLSN).ReadAll()
	committed := len(results) > 0 && results[0].Err == nil && results[0].CommandTag.String() == "COMMIT"
	if committed && len(results) > 1 && results[1].Err == nil && len(results[1].Rows) == 1 {
		if pos, perr := parseLSN(string(results[1].Rows[0][0])); perr == nil {
			t.pos = pos
		}
	}
	if committed {
		return nil // a failed position read only loses read-your-writes
	}
	if len(results) > 0 && results[0].Err == nil && results[0].CommandTag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	if err == nil {
		err = errors.New("quarry/postgres: COMMIT got no answer")
	}
	if pc.TxStatus() != 'I' {
		_ = t.c.Conn().Close(context.WithoutCancel(ctx)) // as pgx's own Commit does
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w: %w", dialect.ErrCommitUnknown, err)
}
