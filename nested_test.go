package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Nested releases its savepoint when fn returns nil and rolls it back when
// fn returns an error or panics; the panic reaches the caller as it was,
// and the Session goes on with what came before the savepoint.
func TestSessionNested(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, LkNotes))
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(&LkNote{Body: "outer"}))
		is.NoErr(s.Nested(ctx, func() error { return s.Add(&LkNote{Body: "kept"}) }))

		failed := errors.New("fn failed")
		err := s.Nested(ctx, func() error {
			if err := s.Add(&LkNote{Body: "by error"}); err != nil {
				return err
			}
			if err := s.Flush(ctx); err != nil {
				return err
			}
			return failed
		})
		is.True(errors.Is(err, failed))

		log.Reset()
		var got any
		func() {
			defer func() { got = recover() }()
			_ = s.Nested(ctx, func() error {
				if err := s.Add(&LkNote{Body: "by panic"}); err != nil {
					return err
				}
				if err := s.Flush(ctx); err != nil {
					return err
				}
				panic("fn panicked")
			})
		}()
		is.Equal(got, "fn panicked") // the caller's own panic value
		stmts := sqlOnly(log.Statements())
		is.Equal(stmts[len(stmts)-1][:len("ROLLBACK TO SAVEPOINT")], "ROLLBACK TO SAVEPOINT")

		is.NoErr(s.Commit(ctx))
		bodies, err := quarry.Select(LkNotes.Body).OrderBy(LkNotes.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(bodies, []string{"outer", "kept"})
	})
}

// Must hands back the value, and panics with the error when there is one.
func TestMust(t *testing.T) {
	is := is.New(t)
	is.Equal(quarry.Must(7, nil), 7)
	boom := errors.New("boom")
	defer func() { is.Equal(recover(), boom) }()
	quarry.Must(0, boom)
}
