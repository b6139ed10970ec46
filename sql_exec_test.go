package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// sqSeed creates the tables and the tree
//
//	ann (a, 300)
//	├── bob (a, 200)
//	│   └── dee (b, 50)
//	│       └── eve (a, 20)
//	└── cy (b, 150)
func sqSeed(t *testing.T, db *quarry.DB) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	is.NoErr(db.CreateAll(ctx, SqEmps, SqJobs, SqBonuses))
	_, err := quarry.Insert(SqEmps).Values(
		&SqEmp{ID: 1, Name: "ann", Dept: "a", Salary: 300},
		&SqEmp{ID: 2, Name: "bob", Dept: "a", Salary: 200, ManagerID: ptr(int64(1))},
		&SqEmp{ID: 3, Name: "cy", Dept: "b", Salary: 150, ManagerID: ptr(int64(1))},
		&SqEmp{ID: 4, Name: "dee", Dept: "b", Salary: 50, ManagerID: ptr(int64(2))},
		&SqEmp{ID: 5, Name: "eve", Dept: "a", Salary: 20, ManagerID: ptr(int64(4))},
	).Exec(ctx, db)
	is.NoErr(err)
}

// sent reports whether the log holds a statement containing every part.
func sent(log *testdb.Log, parts ...string) bool {
	for _, s := range log.Statements() {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(normSQL(s), normSQL(p)) }) {
			return true
		}
	}
	return false
}

// TestSQLRecursiveCTE walks the tree of employees in one statement.
func TestSQLRecursiveCTE(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sqSeed(t, db)
		tree := sqlTree()
		depth := quarry.Ref(tree, quarry.Cast[int64](quarry.Value(int64(0))).Label("depth"))
		name := quarry.Ref(tree, SqEmps.Name)
		log.Reset()
		rows, err := quarry.Select2(name, depth).With(tree).OrderBy(depth, name).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []quarry.Row2[string, int64]{{V1: "ann", V2: 0}, {V1: "bob", V2: 1}, {V1: "cy", V2: 1}, {V1: "dee", V2: 2}, {V1: "eve", V2: 3}})
		is.True(sent(log, `WITH RECURSIVE sq_tree AS (SELECT`, `UNION ALL`, `JOIN sq_tree ON`)) // one statement

		// The subtree under bob, as entities mapped onto a CTE.
		sub := quarry.RecursiveCTE("sq_sub", quarry.Select(SqEmps).Where(SqEmps.ID.Eq(2)),
			func(self *quarry.Subquery) *quarry.Query[*SqEmp] {
				return quarry.Select(SqEmps).Join(self, quarry.Deref(SqEmps.ManagerID).EqExpr(quarry.Ref(self, SqEmps.ID)))
			})
		e := quarry.Aliased(SqEmps, quarry.FromSubquery(sub))
		emps, err := quarry.Select(e).With(sub).OrderBy(e.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(emps), 3)
		is.Equal([]string{emps[0].Name, emps[1].Name, emps[2].Name}, []string{"bob", "dee", "eve"})
		is.Equal(*emps[2].ManagerID, int64(4))
	})
}

// TestSQLCTEWrites uses a CTE in SELECT, UPDATE, DELETE and INSERT.
func TestSQLCTEWrites(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sqSeed(t, db)
		E, B := SqEmps, SqBonuses
		rich := quarry.CTE("sq_rich", quarry.Select(E).Where(E.Salary.Gt(100)))
		names, err := quarry.Select(quarry.Ref(rich, E.Name)).With(rich).OrderBy(quarry.Ref(rich, E.Name)).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"ann", "bob", "cy"})

		n, err := quarry.InsertSelect2(quarry.Insert(B), B.Dept, B.Amount, quarry.Select2(quarry.Ref(rich, E.Dept), quarry.Ref(rich, E.Salary))).With(rich).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(3))
		n, err = quarry.Update(E).With(rich).Set(quarry.Set(E.Dept, "rich")).Where(E.ID.InSelect(quarry.Select(quarry.Ref(rich, E.ID)))).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(3))
		n, err = quarry.Delete(B).With(rich).Where(B.Amount.InSelect(quarry.Select(quarry.Ref(rich, E.Salary))), B.Amount.Lt(250)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2)) // the bonuses of 200 and 150
		is.True(sent(log, `WITH sq_rich AS (SELECT`, `) DELETE FROM sq_bonuses WHERE`))

		left, err := quarry.Select(B.Amount).All(ctx, db)
		is.NoErr(err)
		is.Equal(left, []int64{300})
		depts, err := quarry.Select(E.Dept).OrderBy(E.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(depts, []string{"rich", "rich", "rich", "b", "a"})
	})
}

// TestSQLWindows runs window functions, CASE, casts and the scalar
// functions, asserting the rows.
func TestSQLWindows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		sqSeed(t, db)
		E := SqEmps
		rn := quarry.RowNumber().Over(quarry.PartitionBy(E.Dept).OrderBy(E.Salary.Desc()))
		rows, err := quarry.Select3(E.Name, rn, quarry.Sum(E.Salary).Over(quarry.Window{}.OrderBy(E.ID).Rows(quarry.UnboundedPreceding(), quarry.CurrentRow()))).
			OrderBy(E.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 5)
		got := make([]string, len(rows))
		for i, r := range rows {
			got[i] = fmt.Sprintf("%s %d %d", r.V1, r.V2, *r.V3)
		}
		is.Equal(got, []string{"ann 1 300", "bob 2 500", "cy 1 650", "dee 2 700", "eve 3 720"}) // rank in dept, running total

		lag, err := quarry.Select4(E.Name, quarry.Lag(E.Name, 1).Over(quarry.Window{}.OrderBy(E.ID)),
			quarry.Rank().Over(quarry.Window{}.OrderBy(quarry.Cast[int64](quarry.Value(int64(0))))),
			quarry.CountAll().Over(quarry.Window{})).OrderBy(E.ID).Limit(2).All(ctx, db)
		is.NoErr(err)
		is.Equal(lag[0].V2, (*string)(nil)) // no row before the first
		is.Equal(*lag[1].V2, "ann")
		is.Equal(lag[1].V3, int64(1)) // all tied
		is.Equal(lag[1].V4, int64(5)) // count(*) OVER (): the total beside a page

		band := quarry.Case(quarry.When(E.Salary.Ge(200), "high"), quarry.When(E.Salary.Ge(100), "mid")).Else("low")
		misc, err := quarry.Select4(band, quarry.Concat(E.Name, quarry.Value("/"), E.Dept), quarry.Greatest[int64](E.Salary, quarry.Value(int64(100))),
			quarry.Cast[string](E.ID)).OrderBy(E.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(misc[0], quarry.Row4[string, string, int64, string]{V1: "high", V2: "ann/a", V3: 300, V4: "1"})
		is.Equal(misc[2], quarry.Row4[string, string, int64, string]{V1: "mid", V2: "cy/b", V3: 150, V4: "3"})
		is.Equal(misc[4], quarry.Row4[string, string, int64, string]{V1: "low", V2: "eve/a", V3: 100, V4: "5"})

		// A typed CASE of numbers: one branch a column gives the type on
		// PostgreSQL.
		bonus, err := quarry.Select2(quarry.Case(quarry.WhenExpr(E.Dept.Eq("a"), E.Salary)).End(), quarry.NullIf(E.Dept, "b")).OrderBy(E.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(*bonus[0].V1, int64(300))
		is.Equal(bonus[2].V1, (*int64)(nil))
		is.Equal(bonus[2].V2, (*string)(nil))
		is.Equal(*bonus[1].V2, "a")
		least, err := quarry.Select(quarry.Least[int64](E.Salary, quarry.Value(int64(100)))).Where(E.ID.Eq(1)).One(ctx, db)
		is.NoErr(err)
		is.Equal(least, int64(100))
	})
}

// TestSQLSeek pages through the employees with keyset pagination, in one
// direction and in mixed directions, and gets every row once, in order.
func TestSQLSeek(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sqSeed(t, db)
		E := SqEmps
		var ids []int64
		page, err := quarry.Select(E).OrderBy(E.Dept, E.ID).Limit(2).All(ctx, db)
		for err == nil && len(page) > 0 {
			for _, e := range page {
				ids = append(ids, e.ID)
			}
			last := page[len(page)-1]
			page, err = quarry.Select(E).Seek(quarry.Key(E.Dept, last.Dept), quarry.Key(E.ID, last.ID)).Limit(2).All(ctx, db)
		}
		is.NoErr(err)
		is.Equal(ids, []int64{1, 2, 5, 3, 4}) // a: 1 2 5, b: 3 4
		is.True(sent(log, `WHERE (sq_emps.dept, sq_emps.id) > (?, ?) ORDER BY sq_emps.dept ASC, sq_emps.id ASC LIMIT ?`))

		// Department descending, salary ascending: the mixed form.
		ids = nil
		page, err = quarry.Select(E).OrderBy(E.Dept.Desc(), E.Salary).Limit(2).All(ctx, db)
		for err == nil && len(page) > 0 {
			for _, e := range page {
				ids = append(ids, e.ID)
			}
			last := page[len(page)-1]
			page, err = quarry.Select(E).Seek(quarry.KeyDesc(E.Dept, last.Dept), quarry.Key(E.Salary, last.Salary)).Limit(2).All(ctx, db)
		}
		is.NoErr(err)
		is.Equal(ids, []int64{4, 3, 5, 2, 1}) // b: 50 150, a: 20 200 300
	})
}

// TestSQLUpdateFromDeleteUsing joins other tables into UPDATE and DELETE.
func TestSQLUpdateFromDeleteUsing(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sqSeed(t, db)
		E, B, J := SqEmps, SqBonuses, SqJobs
		_, err := quarry.Insert(B).Values(&SqBonus{Dept: "a", Amount: 5}, &SqBonus{Dept: "b", Amount: -1}).Exec(ctx, db)
		is.NoErr(err)
		n, err := quarry.Update(E).From(B).Set(quarry.SetExpr(E.Salary, quarry.AddExpr(E.Salary, B.Amount))).
			Where(E.Dept.EqExpr(B.Dept), B.Amount.Gt(0)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(3))
		is.True(sent(log, `UPDATE sq_emps SET salary = sq_emps.salary + sq_bonuses.amount FROM sq_bonuses WHERE`))
		sal, err := quarry.Select(E.Salary).OrderBy(E.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(sal, []int64{305, 205, 150, 50, 25})

		_, err = quarry.Insert(J).Values(&SqJob{ID: 1, Worker: "cy"}, &SqJob{ID: 2, Worker: "ann"}, &SqJob{ID: 3, Worker: "dee"}).Exec(ctx, db)
		is.NoErr(err)
		// Delete the jobs of workers in a department whose bonus is negative.
		n, err = quarry.Delete(J).Using(E, B).Where(J.Worker.EqExpr(E.Name), E.Dept.EqExpr(B.Dept), B.Amount.Lt(0)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		left, err := quarry.Select(J.Worker).All(ctx, db)
		is.NoErr(err)
		is.Equal(left, []string{"ann"})
	})
}

// TestSQLJobQueue: workers take jobs with FOR UPDATE SKIP LOCKED, each
// in its own Session, and every job is taken exactly once. On PostgreSQL
// the workers skip each other's locked rows; on SQLite the first locking
// read takes the write lock, so workers run one at a time and each sees
// the jobs the others have marked done.
func TestSQLJobQueue(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, SqJobs))
		const jobs, workers = 120, 4
		var all []*SqJob
		for i := 1; i <= jobs; i++ {
			all = append(all, &SqJob{ID: int64(i)})
		}
		_, err := quarry.Insert(SqJobs).Values(all...).Exec(ctx, db)
		is.NoErr(err)
		next := quarry.Select(SqJobs).Where(SqJobs.Done.Eq(false)).OrderBy(SqJobs.ID).Limit(1).ForUpdate().SkipLocked()
		var mu sync.Mutex
		taken := map[int64]string{}
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				name := fmt.Sprintf("w%d", w)
				for {
					s := db.Session()
					job, err := next.First(ctx, s)
					if errors.Is(err, quarry.ErrNoResult) {
						errs <- s.Close(ctx)
						return
					}
					if err != nil {
						s.Close(ctx)
						errs <- err
						return
					}
					mu.Lock()
					prev, twice := taken[job.ID]
					taken[job.ID] = name
					mu.Unlock()
					if twice {
						errs <- fmt.Errorf("job %d taken by %s and %s", job.ID, prev, name)
						s.Close(ctx)
						return
					}
					job.Done, job.Worker = true, name
					if err := s.Commit(ctx); err != nil {
						errs <- err
						return
					}
					s.Close(ctx)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			is.NoErr(err)
		}
		is.Equal(len(taken), jobs)
		rows, err := quarry.Select(SqJobs).OrderBy(SqJobs.ID).All(ctx, db)
		is.NoErr(err)
		for _, r := range rows {
			is.True(r.Done)                 // every job done
			is.Equal(r.Worker, taken[r.ID]) // by the worker that took it
		}
	})
}

// TestSQLSkipLockedPostgres: with one row locked by a Session, a second
// Session's SKIP LOCKED read takes the next row, and its NOWAIT read of
// the locked row fails at once.
func TestSQLSkipLockedPostgres(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	log := testdb.NewLog()
	db := testdb.Postgres(t, quarry.WithLogger(log.Logger()))
	is.NoErr(db.CreateAll(ctx, SqJobs))
	_, err := quarry.Insert(SqJobs).Values(&SqJob{ID: 1}, &SqJob{ID: 2}, &SqJob{ID: 3}).Exec(ctx, db)
	is.NoErr(err)
	next := quarry.Select(SqJobs).Where(SqJobs.Done.Eq(false)).OrderBy(SqJobs.ID).Limit(1).ForUpdate().SkipLocked()
	a, b := db.Session(), db.Session()
	defer a.Close(ctx)
	defer b.Close(ctx)
	ja, err := next.First(ctx, a)
	is.NoErr(err)
	is.Equal(ja.ID, int64(1))
	jb, err := next.First(ctx, b)
	is.NoErr(err)
	is.Equal(jb.ID, int64(2)) // row 1 is locked by a: skipped
	is.True(sent(log, `ORDER BY sq_jobs.id LIMIT ? FOR UPDATE SKIP LOCKED`))

	c := db.Session()
	defer c.Close(ctx)
	_, err = quarry.Select(SqJobs).Where(SqJobs.ID.Eq(1)).ForUpdate().NoWait().First(ctx, c)
	is.True(err != nil) // locked by a: fails at once instead of waiting
	is.True(strings.Contains(err.Error(), "lock"))
	is.NoErr(a.Rollback(ctx))
	is.NoErr(c.Rollback(ctx))
	jc, err := quarry.Select(SqJobs).Where(SqJobs.ID.Eq(1)).ForShare().NoWait().First(ctx, c)
	is.NoErr(err) // a has let go
	is.Equal(jc.ID, int64(1))
}
