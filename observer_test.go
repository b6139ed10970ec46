package quarry_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// obsRecorder records what an Observer sees; with args it asks for the
// argument values.
type obsRecorder struct {
	mu     sync.Mutex
	args   bool
	starts int
	ends   []quarry.StatementInfo
}

type obsKey struct{}

func (r *obsRecorder) ObserveArgs() bool { return r.args }

func (r *obsRecorder) StatementStart(ctx context.Context, info quarry.StatementInfo) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts++
	return context.WithValue(ctx, obsKey{}, info.SQL)
}

func (r *obsRecorder) StatementEnd(ctx context.Context, info quarry.StatementInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ctx.Value(obsKey{}) != info.SQL {
		info.SQL = "wrong context for " + info.SQL
	}
	r.ends = append(r.ends, info)
}

func (r *obsRecorder) take() []quarry.StatementInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.ends
	r.ends, r.starts = nil, 0
	return out
}

// obsShape is what a test compares of a StatementInfo.
type obsShape struct {
	Op   quarry.Op
	InTx bool
	N    int
	Rows int64
	Err  bool
}

func obsShapes(infos []quarry.StatementInfo) []obsShape {
	out := make([]obsShape, len(infos))
	for i, in := range infos {
		out[i] = obsShape{in.Op, in.InTx, in.NumArgs, in.Rows, in.Err != nil}
	}
	return out
}

func TestObserverSeesFlush(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			is := is.New(t)
			ctx := context.Background()
			quiet, withArgs := &obsRecorder{}, &obsRecorder{args: true}
			db := testdb.Open(t, backend, quarry.WithObserver(quiet), quarry.WithObserver(nil), quarry.WithObserver(withArgs))
			hkSetup(t, db)
			quiet.take()
			withArgs.take()

			s := db.Session()
			defer s.Close(ctx)
			s.Add(&HKParent{Name: "p", Children: []*HKChild{{Name: "a"}}})
			is.NoErr(s.Commit(ctx))
			got := quiet.take()
			is.Equal(obsShapes(got), []obsShape{
				{quarry.OpBegin, false, 0, -1, false},
				{quarry.OpInsert, true, 1, 1, false},
				{quarry.OpInsert, true, 3, 1, false},
				{quarry.OpCommit, true, 0, -1, false},
			})
			is.Equal(got[1].SQL, hkInsertParent(db))
			is.Equal(got[1].Dialect, db.Dialect().Name())
			for _, in := range got {
				is.True(in.Args == nil) // values are kept out by default
				is.True(in.Duration >= 0)
				is.True(!in.Start.IsZero())
			}
			args := withArgs.take()
			is.Equal(len(args), 4)
			is.Equal(args[1].Args, []any{"p"}) // an ArgsObserver gets them

			// A query reports the rows it returned, when read.
			_, err := quarry.Select(HKChildren).All(ctx, db)
			is.NoErr(err)
			got = quiet.take()
			is.Equal(obsShapes(got), []obsShape{{quarry.OpSelect, false, 0, 1, false}})

			// A unique violation is reported with its error, then the
			// ROLLBACK.
			s.Add(&HKParent{Name: "p"})
			err = s.Commit(ctx)
			is.True(errors.Is(err, quarry.ErrUniqueViolation))
			got = quiet.take()
			is.Equal(obsShapes(got), []obsShape{
				{quarry.OpBegin, false, 0, -1, false},
				{quarry.OpInsert, true, 1, -1, true},
				{quarry.OpRollback, true, 0, -1, false},
			})
			is.True(errors.Is(got[1].Err, quarry.ErrUniqueViolation))

			// Text statements are classified by their first keyword.
			_, err = db.Exec(ctx, quarry.Text("UPDATE hk_children SET stamp = :s").Bind("s", "x"))
			is.NoErr(err)
			got = quiet.take()
			is.Equal(obsShapes(got), []obsShape{{quarry.OpUpdate, false, 1, 1, false}})
		})
	}
}

func TestEchoRedaction(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			is := is.New(t)
			ctx := context.Background()
			for _, redact := range []bool{false, true} {
				var buf bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&buf, nil))
				opts := []quarry.OpenOption{quarry.WithLogger(logger)}
				if redact {
					opts = append(opts, quarry.WithLogArgs(false))
				}
				db := testdb.Open(t, backend, opts...)
				hkSetup(t, db)
				buf.Reset()
				s := db.Session()
				s.Add(&HKParent{Name: "secret-name"})
				is.NoErr(s.Commit(ctx))
				s.Close(ctx)
				out := buf.String()
				is.Equal(strings.Count(out, "msg=quarry"), 3) // BEGIN, INSERT, COMMIT
				is.True(strings.Contains(out, `sql="INSERT INTO \"hk_parents\"`))
				if redact {
					is.True(!strings.Contains(out, "secret-name")) // the value is not logged
					is.True(strings.Contains(out, "nargs=1"))
					is.True(!strings.Contains(out, "args=["))
				} else {
					is.True(strings.Contains(out, "args=[secret-name]"))
				}
			}
		})
	}
}

func TestOpString(t *testing.T) {
	is := is.New(t)
	is.Equal(quarry.OpSelect.String(), "select")
	is.Equal(quarry.OpRollbackToSavepoint.String(), "rollback to savepoint")
	is.Equal(quarry.Op(200).String(), "other")
}
