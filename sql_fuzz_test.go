package quarry_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// fuzzCase is one statement of FuzzRenderSQL: run executes it on SQLite;
// nil for a PostgreSQL-only form, which is rendered only.
type fuzzCase struct {
	name string
	stmt quarry.Statement
	run  func(context.Context, *quarry.DB) error
}

// runAll makes a fuzzCase runner from a statement's All.
func runAll[T any](q *quarry.Query[T]) func(context.Context, *quarry.DB) error {
	return func(ctx context.Context, db *quarry.DB) error { _, err := q.All(ctx, db); return err }
}

// runExec makes a fuzzCase runner from a write's Exec.
func runExec(st interface {
	Exec(context.Context, quarry.Executor) (int64, error)
}) func(context.Context, *quarry.DB) error {
	return func(ctx context.Context, db *quarry.DB) error { _, err := st.Exec(ctx, db); return err }
}

// sqlFuzzCases builds the statements of the SQL section from fuzzed
// values: s a string, n an integer, k the choice of the forms that change
// the SQL (frame kinds, directions, NULLS, conflict actions), so that the
// same k with other values must give the same SQL.
func sqlFuzzCases(s string, n int64, k uint8) []fuzzCase {
	E, J, B := SqEmps, SqJobs, SqBonuses
	small := n & 0xff // frame offsets and lag distances must not be negative
	bound := func(bit uint8) quarry.FrameBound {
		switch (k >> bit) & 3 {
		case 0:
			return quarry.Preceding(small)
		case 1:
			return quarry.CurrentRow()
		case 2:
			return quarry.Following(small)
		}
		return quarry.UnboundedFollowing()
	}
	w := quarry.PartitionBy(E.Dept).OrderBy(E.Salary.Desc(), E.ID)
	if k&1 == 0 {
		w = w.Rows(quarry.UnboundedPreceding(), bound(1))
	} else {
		w = w.Range(quarry.UnboundedPreceding(), quarry.CurrentRow())
	}
	nulls := func(o quarry.Ordering) quarry.Ordering {
		switch k % 3 {
		case 0:
			return o.NullsFirst()
		case 1:
			return o.NullsLast()
		}
		return o
	}
	rich := quarry.CTE("sq_rich", quarry.Select(E).Where(E.Salary.Gt(n), E.Name.Ne(s)))
	tree := quarry.RecursiveCTE("sq_tree",
		quarry.Select3(E.ID, E.Name, quarry.Cast[int64](quarry.Value(n)).Label("depth")).Where(E.ManagerID.IsNull()),
		func(self *quarry.Subquery) *quarry.Query[quarry.Row3[int64, string, int64]] {
			depth := quarry.Ref(self, quarry.Cast[int64](quarry.Value(int64(0))).Label("depth"))
			return quarry.Select3(E.ID, quarry.Concat(E.Name, quarry.Value(s)), quarry.Add(depth.Expr, small)).
				Join(self, quarry.Deref(E.ManagerID).EqExpr(quarry.Ref(self, E.ID)))
		})
	keys := []quarry.KeyPart{quarry.Key(E.Dept, s), quarry.Key(E.ID, n)}
	if k&8 != 0 {
		keys = []quarry.KeyPart{quarry.KeyDesc(E.Salary, n), quarry.Key(E.Name, s), quarry.Key(E.ID, n)}
	}
	caseExpr := quarry.Case(quarry.When(E.Salary.Gt(n), s), quarry.When(E.Dept.Eq(s), "x"+s)).Else(s + "y")
	ins := quarry.Insert(J).Values(&SqJob{ID: n, Worker: s})
	upsert := ins.OnConflict(J.ID).DoNothing()
	if k&16 != 0 {
		upsert = ins.OnConflict(J.ID).Where(J.Worker.Ne(s)).
			DoUpdate(quarry.Set(J.Worker, s), quarry.SetExpr(J.Done, quarry.Excluded(J.Done)))
	}
	A, U := GAddresses, GUsers
	latest := quarry.Select(A).Where(A.UserID.EqExpr(U.ID), A.EmailAddress.Ne(s)).
		OrderBy(A.ID.Desc()).Limit(n).Subquery().Lateral()
	lateral := quarry.Select2(U.Name, quarry.Ref(latest, A.EmailAddress)).Join(latest).Where(U.Name.Ne(s))
	if k&32 != 0 {
		lateral = quarry.Select2(U.Name, quarry.Ref(latest, A.EmailAddress)).OuterJoin(latest, quarry.Ref(latest, A.ID).Gt(n)).Where(U.Name.Ne(s))
	}

	cte := quarry.Select(quarry.Ref(rich, E.Name)).With(rich).Where(quarry.Ref(rich, E.Dept).Ne(s)).OrderBy(nulls(quarry.Ref(rich, E.Name).Desc()))
	rec := quarry.Select2(quarry.Ref(tree, E.Name), quarry.Ref(tree, quarry.Cast[int64](quarry.Value(int64(0))).Label("depth"))).
		With(tree).Where(quarry.Ref(tree, quarry.Cast[int64](quarry.Value(int64(0))).Label("depth")).Lt(n))
	win := quarry.Select3(E.Name, quarry.Sum(E.Salary).Over(w), quarry.Lag(E.Name, small).Over(quarry.Window{}.OrderBy(E.ID))).
		Where(E.Name.Ne(s)).OrderBy(nulls(E.Name.Asc()), E.ID.Desc().NullsLast())
	cases := quarry.Select(caseExpr).Where(E.Dept.Ne(s)).OrderBy(caseExpr.Desc())
	seek := quarry.Select(E.ID).Where(E.Name.Ne(s)).Seek(keys...).Limit(n)
	cteWrite := quarry.Update(E).With(rich).Set(quarry.Set(E.Dept, s)).Where(E.ID.InSelect(quarry.Select(quarry.Ref(rich, E.ID))))
	cteDelete := quarry.Delete(B).With(rich).Where(B.Dept.InSelect(quarry.Select(quarry.Ref(rich, E.Dept))), B.Dept.Ne(s))
	return []fuzzCase{
		{"cte", cte, runAll(cte)},
		{"recursive cte", rec, runAll(rec)},
		{"window frame", win, runAll(win)},
		{"case", cases, runAll(cases)},
		{"seek", seek, runAll(seek)},
		{"upsert", upsert, runExec(upsert)},
		{"update with cte", cteWrite, runExec(cteWrite)},
		{"delete with cte", cteDelete, runExec(cteDelete)},
		{"lateral", lateral, nil},
	}
}

// countPlaceholders counts the placeholders of sql outside quoted
// identifiers and string literals: ? for SQLite, $n for PostgreSQL, whose
// numbers must run from 1 without gaps or repeats.
func countPlaceholders(d quarry.Dialect, sql string) (int, error) {
	count, seen := 0, map[int]bool{}
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '"' || c == '\'':
			end := strings.IndexByte(sql[i+1:], c)
			if end < 0 {
				return 0, errors.New("unterminated quote")
			}
			i += end + 1
		case c == '?' && d.Name() == "sqlite":
			count++
		case c == '$' && d.Name() == "postgres":
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(sql[i+1 : j])
			if err != nil || seen[n] {
				return 0, errors.New("bad or repeated placeholder " + sql[i:j])
			}
			seen[n] = true
			count++
			i = j - 1
		}
	}
	for n := 1; n <= count; n++ {
		if d.Name() == "postgres" && !seen[n] {
			return 0, errors.New("placeholder $" + strconv.Itoa(n) + " missing")
		}
	}
	return count, nil
}

// checkBound renders stmt and other (the same statement of other values)
// on d and fails unless the SQL is the same, val is not in it, every
// placeholder has its argument and args carry val.
// refusedNUL reports the one refusal a fuzzed value may meet: PostgreSQL
// text cannot hold a NUL byte, and quarry says so before any SQL.
func refusedNUL(d quarry.Dialect, val string, err error) bool {
	return d.Name() == "postgres" && strings.ContainsRune(val, 0) && errors.Is(err, quarry.ErrValueNotStorable)
}

func checkBound(t *testing.T, d quarry.Dialect, name string, stmt, other quarry.Statement, val string) {
	t.Helper()
	sql, args, err := quarry.Render(d, stmt)
	if refusedNUL(d, val, err) {
		return
	}
	if err != nil {
		t.Fatalf("%s on %s: %v", name, d.Name(), err)
	}
	otherSQL, _, err := quarry.Render(d, other)
	if err != nil || otherSQL != sql {
		t.Fatalf("%s on %s: the SQL depends on the values:\n%s\n%s", name, d.Name(), sql, otherSQL)
	}
	if len(val) > 0 && !strings.Contains(otherSQL, val) && strings.Contains(sql, val) {
		t.Fatalf("%s on %s: the value %q is in the SQL:\n%s", name, d.Name(), val, sql)
	}
	n, err := countPlaceholders(d, sql)
	if err != nil || n != len(args) {
		t.Fatalf("%s on %s: %d placeholders (%v) for %d args:\n%s", name, d.Name(), n, err, len(args), sql)
	}
	found := false
	for _, a := range args {
		if a == any(val) {
			found = true
		}
	}
	if !found {
		t.Fatalf("%s on %s: args %v do not carry the value %q", name, d.Name(), args, val)
	}
}

// FuzzRenderSQL renders CTEs (recursive ones too), window functions with
// frames, CASE, keyset pages, NULLS FIRST/LAST, upserts and LATERAL joins
// of random values: rendering never fails or panics, the SQL text does
// not depend on the values (none is ever in it), the placeholders match
// the arguments, and SQLite runs every form it has. LATERAL is rendered
// for PostgreSQL and refused on SQLite.
func FuzzRenderSQL(f *testing.F) {
	for _, s := range []struct {
		val string
		n   int64
		k   uint8
	}{
		{"ann", 1, 0}, {`'; DROP TABLE sq_emps; --`, -1, 1}, {`" OR 1=1 --`, 0, 2}, {"?", 1 << 40, 3},
		{":name", 4, 0xff}, {"$1", 5, 8}, {"\x00", 6, 16}, {"excluded.worker", 7, 32},
		{"sq_rich", 300, 0x55}, {"", 2, 0xaa}, {"\xff\xfe", -1 << 63, 7},
	} {
		f.Add(s.val, s.n, s.k)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateAll(ctx, SqEmps, SqJobs, SqBonuses, GUsers, GAddresses); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, val string, n int64, k uint8) {
		cases, others := sqlFuzzCases(val, n, k), sqlFuzzCases("other value", n^1, k)
		for i, c := range cases {
			checkBound(t, postgres.Dialect{}, c.name, c.stmt, others[i].stmt, val)
			if c.run == nil {
				_, _, err := quarry.Render(sqlite.Dialect{}, c.stmt)
				if !errors.Is(err, quarry.ErrUnsupported) {
					t.Fatalf("%s on sqlite: want ErrUnsupported, got %v", c.name, err)
				}
				continue
			}
			checkBound(t, sqlite.Dialect{}, c.name, c.stmt, others[i].stmt, val)
			if err := c.run(ctx, db); err != nil {
				t.Fatalf("%s: SQLite refused the rendered SQL: %v\n%s", c.name, err, c.stmt)
			}
		}
	})
}

// The placeholder counter of the fuzz tests skips quoted text and finds
// gaps and repeats.
func TestCountPlaceholders(t *testing.T) {
	is := is.New(t)
	n, err := countPlaceholders(sqlite.Dialect{}, `SELECT "a?" FROM t WHERE x = ? AND y = '?' AND z = ?`)
	is.NoErr(err)
	is.Equal(n, 2)
	n, err = countPlaceholders(postgres.Dialect{}, `SELECT "$1" FROM t WHERE x = $1 AND y = $2`)
	is.NoErr(err)
	is.Equal(n, 2)
	_, err = countPlaceholders(postgres.Dialect{}, `SELECT x WHERE x = $1 AND y = $3`)
	is.True(err != nil) // $2 missing
	_, err = countPlaceholders(postgres.Dialect{}, `SELECT x WHERE x = $1 AND y = $1`)
	is.True(err != nil) // repeated
}
