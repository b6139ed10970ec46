package quarry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

type sqlRenderCase struct {
	name     string
	stmt     quarry.Statement
	sqlite   string
	postgres string
	args     []any
}

// sqlTree is the recursive CTE of the tests: the employees under the
// root(s), with their depth.
func sqlTree() *quarry.Subquery {
	E := SqEmps
	return quarry.RecursiveCTE("sq_tree",
		quarry.Select3(E.ID, E.Name, quarry.Cast[int64](quarry.Value(int64(0))).Label("depth")).Where(E.ManagerID.IsNull()),
		func(self *quarry.Subquery) *quarry.Query[quarry.Row3[int64, string, int64]] {
			depth := quarry.Ref(self, quarry.Cast[int64](quarry.Value(int64(0))).Label("depth"))
			return quarry.Select3(E.ID, E.Name, quarry.Add(depth.Expr, 1)).
				Join(self, quarry.Deref(E.ManagerID).EqExpr(quarry.Ref(self, E.ID)))
		})
}

func sqlRenderCases() []sqlRenderCase {
	E, J, B := SqEmps, SqJobs, SqBonuses
	boss := quarry.Aliased(E, quarry.AliasName("boss"))
	rich := quarry.CTE("sq_rich", quarry.Select(E).Where(E.Salary.Gt(100)))
	tree := sqlTree()
	return []sqlRenderCase{
		{"for share", quarry.Select(J.ID).Where(J.Done.Eq(false)).ForShare(),
			`SELECT "sq_jobs"."id" FROM "sq_jobs" WHERE "sq_jobs"."done" = ?`,
			`SELECT "sq_jobs"."id" FROM "sq_jobs" WHERE "sq_jobs"."done" = $1 FOR SHARE`,
			[]any{false}},
		{"for update skip locked", quarry.Select(J).Where(J.Done.Eq(false)).OrderBy(J.ID).Limit(1).ForUpdate().SkipLocked(),
			`SELECT "sq_jobs"."id", "sq_jobs"."worker", "sq_jobs"."done" FROM "sq_jobs" WHERE "sq_jobs"."done" = ? ORDER BY "sq_jobs"."id" LIMIT ?`,
			`SELECT "sq_jobs"."id", "sq_jobs"."worker", "sq_jobs"."done" FROM "sq_jobs" WHERE "sq_jobs"."done" = $1 ORDER BY "sq_jobs"."id" LIMIT $2 FOR UPDATE SKIP LOCKED`,
			[]any{false, int64(1)}},
		{"for no key update nowait", quarry.Select(J.ID).ForNoKeyUpdate().NoWait(),
			`SELECT "sq_jobs"."id" FROM "sq_jobs"`,
			`SELECT "sq_jobs"."id" FROM "sq_jobs" FOR NO KEY UPDATE NOWAIT`,
			nil},
		{"for key share of", quarry.Select2(E.Name, boss.Name).Join(boss, quarry.Deref(E.ManagerID).EqExpr(boss.ID)).ForKeyShare().Of(E, boss),
			`SELECT "sq_emps"."name", "boss"."name" AS "name_1" FROM "sq_emps" JOIN "sq_emps" AS "boss" ON "sq_emps"."manager_id" = "boss"."id"`,
			`SELECT "sq_emps"."name", "boss"."name" AS "name_1" FROM "sq_emps" JOIN "sq_emps" AS "boss" ON "sq_emps"."manager_id" = "boss"."id" FOR KEY SHARE OF "sq_emps", "boss"`,
			nil},
		{"cte", quarry.Select(quarry.Ref(rich, E.Name)).With(rich).OrderBy(quarry.Ref(rich, E.Name)),
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > ?) SELECT "sq_rich"."name" FROM "sq_rich" ORDER BY "sq_rich"."name"`,
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > $1) SELECT "sq_rich"."name" FROM "sq_rich" ORDER BY "sq_rich"."name"`,
			[]any{int64(100)}},
		{"cte entity", quarry.Select(quarry.Aliased(E, quarry.FromSubquery(rich))).With(rich),
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > ?) SELECT "sq_rich"."id", "sq_rich"."name", "sq_rich"."dept", "sq_rich"."salary", "sq_rich"."manager_id" FROM "sq_rich"`,
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > $1) SELECT "sq_rich"."id", "sq_rich"."name", "sq_rich"."dept", "sq_rich"."salary", "sq_rich"."manager_id" FROM "sq_rich"`,
			[]any{int64(100)}},
		{"recursive cte", quarry.Select2(quarry.Ref(tree, E.Name), quarry.Ref(tree, quarry.Cast[int64](quarry.Value(int64(0))).Label("depth"))).With(tree),
			`WITH RECURSIVE "sq_tree" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", CAST(? AS INTEGER) AS "depth" FROM "sq_emps" WHERE "sq_emps"."manager_id" IS NULL UNION ALL SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_tree"."depth" + ? FROM "sq_emps" JOIN "sq_tree" ON "sq_emps"."manager_id" = "sq_tree"."id") SELECT "sq_tree"."name", "sq_tree"."depth" FROM "sq_tree"`,
			`WITH RECURSIVE "sq_tree" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", CAST($1 AS BIGINT) AS "depth" FROM "sq_emps" WHERE "sq_emps"."manager_id" IS NULL UNION ALL SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_tree"."depth" + $2 FROM "sq_emps" JOIN "sq_tree" ON "sq_emps"."manager_id" = "sq_tree"."id") SELECT "sq_tree"."name", "sq_tree"."depth" FROM "sq_tree"`,
			[]any{int64(0), int64(1)}},
		{"update with cte", quarry.Update(E).With(rich).Set(quarry.Set(E.Dept, "rich")).Where(E.ID.InSelect(quarry.Select(quarry.Ref(rich, E.ID)))),
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > ?) UPDATE "sq_emps" SET "dept" = ? WHERE "sq_emps"."id" IN (SELECT "sq_rich"."id" AS "id" FROM "sq_rich")`,
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > $1) UPDATE "sq_emps" SET "dept" = $2 WHERE "sq_emps"."id" IN (SELECT "sq_rich"."id" AS "id" FROM "sq_rich")`,
			[]any{int64(100), "rich"}},
		{"delete with cte", quarry.Delete(E).With(rich).Where(E.ID.InSelect(quarry.Select(quarry.Ref(rich, E.ID)))),
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > ?) DELETE FROM "sq_emps" WHERE "sq_emps"."id" IN (SELECT "sq_rich"."id" AS "id" FROM "sq_rich")`,
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > $1) DELETE FROM "sq_emps" WHERE "sq_emps"."id" IN (SELECT "sq_rich"."id" AS "id" FROM "sq_rich")`,
			[]any{int64(100)}},
		{"insert select with cte", quarry.InsertSelect(quarry.Insert(J), J.ID, quarry.Select(quarry.Ref(rich, E.ID))).With(rich),
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > ?) INSERT INTO "sq_jobs" ("id") SELECT "sq_rich"."id" FROM "sq_rich"`,
			`WITH "sq_rich" AS (SELECT "sq_emps"."id" AS "id", "sq_emps"."name" AS "name", "sq_emps"."dept" AS "dept", "sq_emps"."salary" AS "salary", "sq_emps"."manager_id" AS "manager_id" FROM "sq_emps" WHERE "sq_emps"."salary" > $1) INSERT INTO "sq_jobs" ("id") SELECT "sq_rich"."id" FROM "sq_rich"`,
			[]any{int64(100)}},
		{"update from", quarry.Update(E).From(B).Set(quarry.SetExpr(E.Salary, quarry.AddExpr(E.Salary, B.Amount))).Where(E.Dept.EqExpr(B.Dept), B.Amount.Gt(0)),
			`UPDATE "sq_emps" SET "salary" = "sq_emps"."salary" + "sq_bonuses"."amount" FROM "sq_bonuses" WHERE "sq_emps"."dept" = "sq_bonuses"."dept" AND "sq_bonuses"."amount" > ?`,
			`UPDATE "sq_emps" SET "salary" = "sq_emps"."salary" + "sq_bonuses"."amount" FROM "sq_bonuses" WHERE "sq_emps"."dept" = "sq_bonuses"."dept" AND "sq_bonuses"."amount" > $1`,
			[]any{int64(0)}},
		{"delete using", quarry.Delete(E).Using(B).Where(E.Dept.EqExpr(B.Dept), B.Amount.Lt(0)),
			`DELETE FROM "sq_emps" WHERE EXISTS (SELECT 1 FROM "sq_bonuses" WHERE "sq_emps"."dept" = "sq_bonuses"."dept" AND "sq_bonuses"."amount" < ?)`,
			`DELETE FROM "sq_emps" USING "sq_bonuses" WHERE "sq_emps"."dept" = "sq_bonuses"."dept" AND "sq_bonuses"."amount" < $1`,
			[]any{int64(0)}},
		{"row number", quarry.Select2(E.Name, quarry.RowNumber().Over(quarry.PartitionBy(E.Dept).OrderBy(E.Salary.Desc(), E.ID)).Label("rn")),
			`SELECT "sq_emps"."name", row_number() OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."salary" DESC, "sq_emps"."id") AS "rn" FROM "sq_emps"`,
			`SELECT "sq_emps"."name", row_number() OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."salary" DESC, "sq_emps"."id") AS "rn" FROM "sq_emps"`,
			nil},
		{"running total", quarry.Select(quarry.Sum(E.Salary).Over(quarry.Window{}.OrderBy(E.ID).Rows(quarry.UnboundedPreceding(), quarry.CurrentRow()))),
			`SELECT sum("sq_emps"."salary") OVER (ORDER BY "sq_emps"."id" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM "sq_emps"`,
			`SELECT sum("sq_emps"."salary") OVER (ORDER BY "sq_emps"."id" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM "sq_emps"`,
			nil},
		{"moving window", quarry.Select(quarry.Sum(E.Salary).Over(quarry.PartitionBy(E.Dept).OrderBy(E.ID).Rows(quarry.Preceding(1), quarry.Following(1)))),
			`SELECT sum("sq_emps"."salary") OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."id" ROWS BETWEEN ? PRECEDING AND ? FOLLOWING) FROM "sq_emps"`,
			`SELECT sum("sq_emps"."salary") OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."id" ROWS BETWEEN $1 PRECEDING AND $2 FOLLOWING) FROM "sq_emps"`,
			[]any{int64(1), int64(1)}},
		{"rank lag lead", quarry.Select4(quarry.Rank().Over(quarry.Window{}.OrderBy(E.Salary)), quarry.DenseRank().Over(quarry.Window{}.OrderBy(E.Salary)),
			quarry.Lag(E.Name, 1).Over(quarry.Window{}.OrderBy(E.ID)), quarry.Lead(E.Name, 2).Over(quarry.Window{}.OrderBy(E.ID))),
			`SELECT rank() OVER (ORDER BY "sq_emps"."salary"), dense_rank() OVER (ORDER BY "sq_emps"."salary"), lag("sq_emps"."name", ?) OVER (ORDER BY "sq_emps"."id"), lead("sq_emps"."name", ?) OVER (ORDER BY "sq_emps"."id") FROM "sq_emps"`,
			`SELECT rank() OVER (ORDER BY "sq_emps"."salary"), dense_rank() OVER (ORDER BY "sq_emps"."salary"), lag("sq_emps"."name", $1) OVER (ORDER BY "sq_emps"."id"), lead("sq_emps"."name", $2) OVER (ORDER BY "sq_emps"."id") FROM "sq_emps"`,
			[]any{int64(1), int64(2)}},
		{"first last value count over", quarry.Select3(quarry.FirstValue(E.Name).Over(quarry.PartitionBy(E.Dept).OrderBy(E.Salary)),
			quarry.LastValue(E.Name).Over(quarry.PartitionBy(E.Dept).OrderBy(E.Salary).Range(quarry.UnboundedPreceding(), quarry.UnboundedFollowing())),
			quarry.CountAll().Over(quarry.Window{})),
			`SELECT first_value("sq_emps"."name") OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."salary"), last_value("sq_emps"."name") OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."salary" RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), count(*) OVER () FROM "sq_emps"`,
			`SELECT first_value("sq_emps"."name") OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."salary"), last_value("sq_emps"."name") OVER (PARTITION BY "sq_emps"."dept" ORDER BY "sq_emps"."salary" RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), count(*) OVER () FROM "sq_emps"`,
			nil},
		{"case else", quarry.Select(quarry.Case(quarry.When(E.Salary.Gt(100), "high"), quarry.When(E.Salary.Gt(10), "mid")).Else("low")),
			`SELECT CASE WHEN "sq_emps"."salary" > ? THEN ? WHEN "sq_emps"."salary" > ? THEN ? ELSE ? END FROM "sq_emps"`,
			`SELECT CASE WHEN "sq_emps"."salary" > $1 THEN $2 WHEN "sq_emps"."salary" > $3 THEN $4 ELSE $5 END FROM "sq_emps"`,
			[]any{int64(100), "high", int64(10), "mid", "low"}},
		{"case end expr", quarry.Select(quarry.Case(quarry.WhenExpr(E.Dept.Eq("x"), E.Salary)).End()),
			`SELECT CASE WHEN "sq_emps"."dept" = ? THEN "sq_emps"."salary" END FROM "sq_emps"`,
			`SELECT CASE WHEN "sq_emps"."dept" = $1 THEN "sq_emps"."salary" END FROM "sq_emps"`,
			[]any{"x"}},
		{"cast", quarry.Select2(quarry.Cast[string](E.ID), quarry.Cast[float64](E.Salary)),
			`SELECT CAST("sq_emps"."id" AS TEXT), CAST("sq_emps"."salary" AS REAL) FROM "sq_emps"`,
			`SELECT CAST("sq_emps"."id" AS TEXT), CAST("sq_emps"."salary" AS DOUBLE PRECISION) FROM "sq_emps"`,
			nil},
		{"coalesce nullif", quarry.Select2(quarry.CoalesceExpr(E.ManagerID, quarry.NullIf(E.ID, 0)), quarry.NullIf(E.Dept, "")),
			`SELECT coalesce("sq_emps"."manager_id", nullif("sq_emps"."id", ?)), nullif("sq_emps"."dept", ?) FROM "sq_emps"`,
			`SELECT coalesce("sq_emps"."manager_id", nullif("sq_emps"."id", $1)), nullif("sq_emps"."dept", $2) FROM "sq_emps"`,
			[]any{int64(0), ""}},
		{"greatest least", quarry.Select2(quarry.Greatest(E.Salary, E.ID), quarry.Least[int64](E.Salary, quarry.Value(int64(5)))),
			`SELECT max("sq_emps"."salary", "sq_emps"."id"), min("sq_emps"."salary", ?) FROM "sq_emps"`,
			`SELECT greatest("sq_emps"."salary", "sq_emps"."id"), least("sq_emps"."salary", $1) FROM "sq_emps"`,
			[]any{int64(5)}},
		{"concat length", quarry.Select2(quarry.Concat(E.Name, quarry.Value(" of "), E.Dept), quarry.Length(E.Name)).Where(quarry.Length(E.Dept).Gt(1)),
			`SELECT ("sq_emps"."name" || ?) || "sq_emps"."dept", length("sq_emps"."name") FROM "sq_emps" WHERE length("sq_emps"."dept") > ?`,
			`SELECT ("sq_emps"."name" || $1) || "sq_emps"."dept", length("sq_emps"."name") FROM "sq_emps" WHERE length("sq_emps"."dept") > $2`,
			[]any{" of ", int64(1)}},
		{"seek asc", quarry.Select(E.ID).Seek(quarry.Key(E.Dept, "a"), quarry.Key(E.ID, int64(3))).Limit(10),
			`SELECT "sq_emps"."id" FROM "sq_emps" WHERE ("sq_emps"."dept", "sq_emps"."id") > (?, ?) ORDER BY "sq_emps"."dept" ASC, "sq_emps"."id" ASC LIMIT ?`,
			`SELECT "sq_emps"."id" FROM "sq_emps" WHERE ("sq_emps"."dept", "sq_emps"."id") > ($1, $2) ORDER BY "sq_emps"."dept" ASC, "sq_emps"."id" ASC LIMIT $3`,
			[]any{"a", int64(3), int64(10)}},
		{"seek one key desc", quarry.Select(E.ID).Seek(quarry.KeyDesc(E.ID, int64(3))),
			`SELECT "sq_emps"."id" FROM "sq_emps" WHERE "sq_emps"."id" < ? ORDER BY "sq_emps"."id" DESC`,
			`SELECT "sq_emps"."id" FROM "sq_emps" WHERE "sq_emps"."id" < $1 ORDER BY "sq_emps"."id" DESC`,
			[]any{int64(3)}},
		{"seek mixed", quarry.Select(E.ID).Where(E.Salary.Gt(0)).Seek(quarry.KeyDesc(E.Salary, int64(50)), quarry.Key(E.Name, "b"), quarry.Key(E.ID, int64(3))),
			`SELECT "sq_emps"."id" FROM "sq_emps" WHERE "sq_emps"."salary" > ? AND ("sq_emps"."salary" < ? OR ("sq_emps"."salary" = ? AND "sq_emps"."name" > ?) OR ("sq_emps"."salary" = ? AND "sq_emps"."name" = ? AND "sq_emps"."id" > ?)) ORDER BY "sq_emps"."salary" DESC, "sq_emps"."name" ASC, "sq_emps"."id" ASC`,
			`SELECT "sq_emps"."id" FROM "sq_emps" WHERE "sq_emps"."salary" > $1 AND ("sq_emps"."salary" < $2 OR ("sq_emps"."salary" = $3 AND "sq_emps"."name" > $4) OR ("sq_emps"."salary" = $5 AND "sq_emps"."name" = $6 AND "sq_emps"."id" > $7)) ORDER BY "sq_emps"."salary" DESC, "sq_emps"."name" ASC, "sq_emps"."id" ASC`,
			[]any{int64(0), int64(50), int64(50), "b", int64(50), "b", int64(3)}},
	}
}

// TestSQLRender renders locking reads, CTEs, UPDATE ... FROM, DELETE ...
// USING, window functions, CASE, casts and keyset pages on both
// dialects. Values are always arguments.
func TestSQLRender(t *testing.T) {
	for _, c := range sqlRenderCases() {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			sql, args, err := quarry.Render(sqlite.Dialect{}, c.stmt)
			is.NoErr(err)
			is.Equal(sql, c.sqlite)
			is.Equal(args, c.args)
			sql, args, err = quarry.Render(postgres.Dialect{}, c.stmt)
			is.NoErr(err)
			is.Equal(sql, c.postgres)
			is.Equal(args, c.args)
		})
	}
}

// TestSQLRenderErrors: misuse of the new clauses is an error naming what
// was wrong when the statement is rendered, never a panic.
func TestSQLRenderErrors(t *testing.T) {
	E, J := SqEmps, SqJobs
	plain := quarry.Select(E.ID).Subquery()
	cases := []struct {
		name string
		stmt quarry.Statement
		want string
	}{
		{"skip locked without lock", quarry.Select(J.ID).SkipLocked(), "need a lock"},
		{"of without lock", quarry.Select(J.ID).Of(J), "need a lock"},
		{"of nil", quarry.Select(J.ID).ForUpdate().Of(nil), "given to Of"},
		{"with a subquery", quarry.Select(E.ID).With(plain), "not a Subquery"},
		{"with nil", quarry.Select(E.ID).With(nil), "nil *Subquery"},
		{"empty cte name", quarry.Select(E.ID).With(quarry.CTE("", quarry.Select(E.ID))), "empty CTE name"},
		{"nil recursive step", quarry.Select(E.ID).With(quarry.RecursiveCTE[int64]("t", quarry.Select(E.ID), nil)), "nil step"},
		{"over a column", quarry.Select(E.ID.Over(quarry.Window{})), "Over applies to a function call"},
		{"row number without over", quarry.Select(quarry.RowNumber()), "row_number() is a window function"},
		{"zero frame bound", quarry.Select(quarry.Sum(E.Salary).Over(quarry.Window{}.Rows(quarry.FrameBound{}, quarry.CurrentRow()))), "zero FrameBound"},
		{"case without when", quarry.Select(quarry.Case[int64]().Else(1)), "Case without a When"},
		{"seek without keys", quarry.Select(E.ID).Seek(), "without keys"},
		{"zero key", quarry.Select(E.ID).Where(quarry.After(quarry.KeyPart{})), "zero KeyPart"},
		{"cast to a struct", quarry.Select(quarry.Cast[struct{ X int }](E.ID)), "Cast"},
		{"update from nil", quarry.Update(E).From(nil).Set(quarry.Set(E.Dept, "x")).AllRows(), "UpdateStatement.From"},
		{"delete using nil", quarry.Delete(E).Using(nil).AllRows(), "DeleteStatement.Using"},
		{"delete using without where", quarry.Delete(E).Using(SqBonuses), "add Where"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			for _, d := range []quarry.Dialect{sqlite.Dialect{}, postgres.Dialect{}} {
				_, _, err := quarry.Render(d, c.stmt)
				is.True(err != nil)                            // refused
				is.True(strings.Contains(err.Error(), c.want)) // the message says why
				if c.name != "delete using without where" {
					is.True(errors.Is(err, quarry.ErrInvalidArgument) || errors.Is(err, quarry.ErrInvalidIdentifier) || strings.Contains(err.Error(), "window function"))
				}
			}
		})
	}
}
