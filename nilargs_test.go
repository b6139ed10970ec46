package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// nilCase calls one exported entry point with a nil or zero argument. run
// returns the error of the call, or of running the statement it built.
type nilCase struct {
	name string
	// want is a fragment of the error's message that says what was wrong.
	// An empty want marks an entry point that reports no error (an
	// accessor, a method of a Session that returns a list): it must only
	// not panic, and run returns errQuiet.
	want string
	run  func(ctx context.Context, db *quarry.DB) error
}

// errQuiet is what the cases of entry points without an error return.
var errQuiet = errors.New("(this entry point reports no error)")

// all runs a statement built inside a case, so that a panic while
// building it is caught too.
func all[T any](ctx context.Context, db quarry.Executor, q *quarry.Query[T]) error {
	_, err := q.All(ctx, db)
	return err
}

func allC[T any](ctx context.Context, db quarry.Executor, c *quarry.Compound[T]) error {
	_, err := c.All(ctx, db)
	return err
}

// Zero values of the public types, as a program that forgot to make them
// with quarry.Table would have.
var (
	zeroUsers  = &GUserTable{}
	zeroCol    quarry.Column[int64]
	zeroStr    quarry.Column[string]
	zeroExpr   quarry.Expr[int64]
	zeroMany   quarry.Many[GUser, GAddress]
	zeroOne    quarry.One[GAddress, GUser]
	zeroM2M    quarry.ManyToMany[GOrder, GItem]
	nilQuery   *quarry.Query[*GUser]
	nilIntQ    *quarry.Query[int64]
	nilText    *quarry.TextClause
	nilSub     *quarry.Subquery
	nilExec    quarry.Executor
	nilDB      *quarry.DB
	nilSession *quarry.Session
)

func nilCases() []nilCase {
	users := func() *quarry.Query[*GUser] { return quarry.Select(GUsers) }
	ids := func() *quarry.Query[int64] { return quarry.Select(GUsers.ID) }
	return []nilCase{
		// Executors.
		{"All(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { return all(ctx, nilExec, users()) }},
		{"All(ctx, (*DB)(nil))", "nil *DB", func(ctx context.Context, db *quarry.DB) error { return all(ctx, nilDB, users()) }},
		{"All(ctx, &DB{})", "zero DB", func(ctx context.Context, db *quarry.DB) error { return all(ctx, &quarry.DB{}, users()) }},
		{"All(ctx, (*Session)(nil))", "nil *Session", func(ctx context.Context, db *quarry.DB) error { return all(ctx, nilSession, users()) }},
		{"All(ctx, &Session{})", "zero Session", func(ctx context.Context, db *quarry.DB) error { return all(ctx, &quarry.Session{}, users()) }},
		{"Execute(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { _, err := users().Execute(ctx, nil); return err }},
		{"First(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { _, err := users().First(ctx, nil); return err }},
		{"One(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { _, err := users().One(ctx, nil); return err }},
		{"OneOrNone(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { _, _, err := users().OneOrNone(ctx, nil); return err }},
		{"Scalar(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { _, err := ids().Scalar(ctx, nil); return err }},
		{"Count(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { _, err := users().Count(ctx, nil); return err }},
		{"Rows(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error {
			for _, err := range users().Rows(ctx, nil) {
				if err != nil {
					return err
				}
			}
			return errors.New("Rows yielded no error")
		}},
		{"Compound.All(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { return allC(ctx, nil, quarry.Union(users(), users())) }},
		{"Compound.Count(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.Union(users(), users()).Count(ctx, nil)
			return err
		}},
		{"Many.Load(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { return GUsers.Addresses.Load(ctx, nil, &GUser{ID: 1}) }},
		{"One.Load(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error {
			return GAddresses.User.Load(ctx, nil, &GAddress{UserID: 1})
		}},
		{"ManyToMany.Load(ctx, nil)", "nil Executor", func(ctx context.Context, db *quarry.DB) error { return GOrders.Items.Load(ctx, nil, &GOrder{ID: 1}) }},
		{"Get(ctx, nil, ...)", "nil *Session", func(ctx context.Context, db *quarry.DB) error { _, err := quarry.Get(ctx, nil, GUsers, 1); return err }},

		{"Scalars(nil)", "Scalars of a nil *Result", func(ctx context.Context, db *quarry.DB) error {
			res := quarry.Scalars[int64, quarry.Row2[int64, string]](nil)
			for range res.Seq() {
			}
			if _, err := res.All(); err == nil {
				return errors.New("All of Scalars(nil) reported no error")
			}
			return res.Err()
		}},

		// Statements.
		{"Select(nil)", "nil", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, quarry.Select[*GUser](nil)) }},
		{"Select(zero table)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, quarry.Select(zeroUsers)) }},
		{"Select(zero Column)", "zero Column", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, quarry.Select(zeroCol)) }},
		{"Select2(nil, nil)", "nil", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select2[int64, string](nil, nil))
		}},
		{"Select3(nil...)", "nil", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select3[int64, int64, int64](nil, nil, nil))
		}},
		{"Select4(nil...)", "nil", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select4[int64, int64, int64, int64](nil, nil, nil, nil))
		}},
		{"Select5(nil...)", "nil", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select5[int64, int64, int64, int64, int64](nil, nil, nil, nil, nil))
		}},
		{"Columns(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, quarry.Columns(nil)) }},
		{"AddColumns(nil, col)", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.AddColumns(nilQuery, GUsers.Name))
		}},
		{"AddColumns(q, nil)", "nil", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.AddColumns[*GUser, int64](users(), nil))
		}},
		{"(*Query)(nil).Where", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, nilQuery.Where(GUsers.ID.Eq(1))) }},
		{"(*Query)(nil).All", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, nilQuery) }},
		{"(*Query)(nil).String", "", func(ctx context.Context, db *quarry.DB) error {
			_ = nilQuery.String()
			return errQuiet
		}},
		{"Query{}.All", "zero Query", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, &quarry.Query[*GUser]{}) }},
		{"Where(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(nil)) }},
		{"Where(zero Column)", "zero Column", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroCol.Eq(1))) }},
		{"Where(zero Expr)", "zero Column", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroExpr.Gt(1))) }},
		{"Having(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Having(nil)) }},
		{"GroupBy(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().GroupBy(nil)) }},
		{"OrderBy(nil)", "nil ORDER BY", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().OrderBy(nil)) }},
		{"SelectFrom(nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().SelectFrom(nil)) }},
		{"SelectFrom((*Subquery)(nil))", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().SelectFrom(nilSub)) }},
		{"Join(nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Join(nil)) }},
		{"Join(zero table)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Join(zeroUsers)) }},
		{"Join(zero Many)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Join(zeroMany)) }},
		{"Join((*Subquery)(nil))", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Join(nilSub, nil)) }},
		{"Join(t, nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Join(GAddresses, nil)) }},
		{"JoinFrom(nil, nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().JoinFrom(nil, nil)) }},
		{"OuterJoin(nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().OuterJoin(nil)) }},
		{"OuterJoinFrom(nil, nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().OuterJoinFrom(nil, nil)) }},
		{"FromStatement(nil)", "nil Statement", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().FromStatement(nil)) }},
		{"FromText((*TextClause)(nil))", "nil *TextClause", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().FromText(nilText)) }},
		{"FromStatement((*Query)(nil))", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().FromStatement(nilQuery)) }},
		{"Options(nil)", "nil loader option", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Options(nil)) }},
		{"Options(SelectIn(nil))", "SelectIn of a zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.SelectIn[GUser, GAddress](nil)))
		}},
		{"Options(Joined(nil))", "Joined of a zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.Joined[GUser, GAddress](nil)))
		}},
		{"Options(SubqueryLoad(nil))", "SubqueryLoad of a zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.SubqueryLoad[GUser, GAddress](nil)))
		}},
		{"Options(Lazy(nil))", "Lazy of a zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.Lazy[GUser, GAddress](nil)))
		}},
		{"Options(NoLoad(nil))", "NoLoad of a zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.NoLoad[GUser, GAddress](nil)))
		}},
		{"Options(Raise(nil))", "Raise of a zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.Raise[GUser, GAddress](nil)))
		}},
		{"Options(ContainsEager(nil))", "ContainsEager of a zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.ContainsEager[GUser, GAddress](nil)))
		}},
		{"Options(ContainsEagerAlias(rel, nil))", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Join(GUsers.Addresses).Options(quarry.ContainsEagerAlias[GUser, GAddress](GUsers.Addresses, nil)))
		}},
		{"Options(SelectIn(zero Many))", "zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Options(quarry.SelectIn(zeroMany)))
		}},
		{"Subquery of nil *Query", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.CountAll()).SelectFrom(nilQuery.Subquery()))
		}},
		{"NamedSubquery of nil *Query", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.CountAll()).SelectFrom(nilQuery.NamedSubquery("x")))
		}},
		{"ScalarSubquery of nil *Query", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(nilIntQ.ScalarSubquery()))
		}},
		{"Bind on nil *Query", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, nilQuery.Bind("x", 1)) }},

		// Compounds.
		{"Union(nil)", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return allC(ctx, db, quarry.Union(nilQuery)) }},
		{"UnionAll(q, nil)", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return allC(ctx, db, quarry.UnionAll(users(), nil)) }},
		{"Except(nil, nil)", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return allC(ctx, db, quarry.Except(nilQuery, nil)) }},
		{"Intersect(nil)", "nil *Query", func(ctx context.Context, db *quarry.DB) error { return allC(ctx, db, quarry.Intersect(nilQuery)) }},
		{"Union(...).OrderBy(nil)", "nil ORDER BY", func(ctx context.Context, db *quarry.DB) error {
			return allC(ctx, db, quarry.Union(users(), users()).OrderBy(nil))
		}},
		{"(*Compound)(nil).All", "nil *Compound", func(ctx context.Context, db *quarry.DB) error {
			return allC(ctx, db, (*quarry.Compound[*GUser])(nil))
		}},
		{"(*Compound)(nil).OrderBy", "nil *Compound", func(ctx context.Context, db *quarry.DB) error {
			return allC(ctx, db, (*quarry.Compound[*GUser])(nil).OrderBy(GUsers.ID).Limit(1).Offset(1))
		}},
		{"(*Compound)(nil).Subquery", "nil *Compound", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.CountAll()).SelectFrom((*quarry.Compound[*GUser])(nil).Subquery()))
		}},
		{"Compound{}.All", "zero Compound", func(ctx context.Context, db *quarry.DB) error { return allC(ctx, db, &quarry.Compound[*GUser]{}) }},

		// Expressions.
		{"And(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.And(nil, nil)))
		}},
		{"Or(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.Or(nil, nil)))
		}},
		{"Not(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(quarry.Not(nil))) }},
		{"Exists(nil)", "nil Statement", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(quarry.Exists(nil))) }},
		{"Exists((*Query)(nil))", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.Exists(nilQuery)))
		}},
		{"ExistsWhere(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.ExistsWhere(nil)))
		}},
		{"Count(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, quarry.Select(quarry.Count(nil))) }},
		{"CountDistinct(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.CountDistinct(nil)))
		}},
		{"Sum(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Sum[int64](nil)))
		}},
		{"Min(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Min[int64](nil)))
		}},
		{"Max(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Max[int64](nil)))
		}},
		{"Avg(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Avg[int64](nil)))
		}},
		{"Lower(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Lower[string](nil)))
		}},
		{"Upper(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Upper[string](nil)))
		}},
		{"Coalesce(nil, 0)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Coalesce[int64](nil, 0)))
		}},
		{"Deref(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Deref[int64](nil)))
		}},
		{"Nullable(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Nullable[int64](nil)))
		}},
		{"Func(\"\")", "function name", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Func[int64]("")))
		}},
		{"Func(name, nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Func[int64]("abs", nil)))
		}},
		{"Value(nil)", "nil", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Value[any](nil)).Where(quarry.Not(nil)))
		}},
		{"Tuple(nil, nil).In", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.Tuple[int64, string](nil, nil).In(quarry.Row2[int64, string]{})))
		}},
		{"TupleExpr{}.NotIn", "zero Column", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.TupleExpr[int64, string]{}.NotIn(quarry.Row2[int64, string]{})))
		}},
		{"EqExpr(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(GUsers.ID.EqExpr(nil)))
		}},
		{"InSelect(nil)", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(GUsers.ID.InSelect(nil)))
		}},
		{"NotInSelect(nil)", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(GUsers.ID.NotInSelect(nil)))
		}},
		{"zero Column.Label", "zero Column", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, quarry.Select(zeroCol.Label("x"))) }},
		{"zero Column.Asc", "zero Column", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().OrderBy(zeroCol.Asc())) }},
		{"zero Column.In", "zero Column", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroCol.In(1, 2))) }},
		{"zero Column.Between", "zero Column", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(zeroCol.Between(1, 2)))
		}},
		{"zero Column.ILike", "zero Column", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.ILike(zeroStr, "x")))
		}},
		{"zero Column.NotLike", "zero Column", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(quarry.NotLike(zeroStr, "x")))
		}},
		{"zero Column.IsNull", "zero Column", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroCol.IsNull())) }},
		{"zero Column.Name", "", func(ctx context.Context, db *quarry.DB) error {
			_ = zeroCol.Name()
			return errQuiet
		}},
		{"zero Entity.TableName", "", func(ctx context.Context, db *quarry.DB) error {
			_, _ = quarry.Entity[GUser]{}.TableName(), quarry.Entity[GUser]{}.AliasName()
			return errQuiet
		}},
		{"Select(Entity{})", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select[*GUser](quarry.Entity[GUser]{}))
		}},

		// Relationships.
		{"zero Many.Any", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroMany.Any())) }},
		{"zero One.Has", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroOne.Has())) }},
		{"zero M2M.Any", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroM2M.Any())) }},
		{"zero Many.Contains", "zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(zeroMany.Contains(&GAddress{})))
		}},
		{"zero M2M.Contains", "zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(zeroM2M.Contains(&GItem{})))
		}},
		{"zero One.Eq", "zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(zeroOne.Eq(&GUser{})))
		}},
		{"zero One.Ne", "zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(zeroOne.Ne(&GUser{})))
		}},
		{"zero One.IsNull", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(zeroOne.IsNull())) }},
		{"zero One.IsNotNull", "zero relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(zeroOne.IsNotNull()))
		}},
		{"zero Many.And", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Join(zeroMany.And(nil))) }},
		{"zero One.And", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(GAddresses).Join(zeroOne.And(nil)))
		}},
		{"zero M2M.And", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(GOrders).Join(zeroM2M.And(nil)))
		}},
		{"Many.And(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Join(GUsers.Addresses.And(nil)))
		}},
		{"zero Many.OfType", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Join(zeroMany.OfType(GAddresses)))
		}},
		{"zero One.OfType", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(GAddresses).Join(zeroOne.OfType(GUsers)))
		}},
		{"zero M2M.OfType", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(GOrders).Join(zeroM2M.OfType(GItems)))
		}},
		{"Many.OfType(nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Join(GUsers.Addresses.OfType(nil)))
		}},
		{"Many.OfType(zero table)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Join(GUsers.Addresses.OfType(&GAddressTable{})))
		}},
		{"Many.Contains(nil)", "Contains(nil)", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().Where(GUsers.Addresses.Contains(nil)))
		}},
		{"WithParent(nil, rel)", "WithParent(nil", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(GAddresses).Where(quarry.WithParent(nil, GUsers.Addresses)))
		}},
		{"WithParent(p, nil)", "nil relationship", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(GAddresses).Where(quarry.WithParent[GUser, GAddress](&GUser{}, nil)))
		}},
		{"Many.Query(nil)", "Query(nil)", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, GUsers.Addresses.Query(nil)) }},
		{"zero Many.Query", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, zeroMany.Query(&GUser{})) }},
		{"zero One.Query", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, zeroOne.Query(&GAddress{})) }},
		{"zero M2M.Query", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, zeroM2M.Query(&GOrder{})) }},
		{"zero Many.Load", "zero relationship", func(ctx context.Context, db *quarry.DB) error { return zeroMany.Load(ctx, db, &GUser{}) }},

		// Aliases, subqueries, bundles.
		{"Aliased(nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Aliased((*GUserTable)(nil))))
		}},
		{"Aliased(zero table)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Aliased(zeroUsers)))
		}},
		{"Aliased(t, nil option)", "nil AliasOption", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Aliased(GUsers, nil)))
		}},
		{"Aliased(t, FromSubquery(nil))", "FromSubquery of a nil or zero *Subquery", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Aliased(GUsers, quarry.FromSubquery(nil))))
		}},
		{"Aliased(t, Name(\"\"))", "empty alias name", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Aliased(GUsers, quarry.AliasName(""))))
		}},
		{"Ref(nil, col)", "Ref of a nil or zero *Subquery", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Ref(nilSub, GUsers.ID)))
		}},
		{"Ref(sq, nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Ref[int64](users().Subquery(), nil)))
		}},
		{"Subquery{}", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().SelectFrom(&quarry.Subquery{}))
		}},
		{"Bundle(nil)", "nil field function", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.Bundle[struct{ ID int64 }](nil)))
		}},
		{"Bundle of nil fields", "does not point into the struct", func(ctx context.Context, db *quarry.DB) error {
			type pair struct{ ID int64 }
			return all(ctx, db, quarry.Select(quarry.Bundle(func(p *pair) []quarry.BundleField {
				return []quarry.BundleField{quarry.Field(&p.ID, nil), quarry.Field[int64](nil, GUsers.ID)}
			})))
		}},
		{"(*BundleOf)(nil)", "nil *BundleOf", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select((*quarry.BundleOf[struct{}])(nil)))
		}},
		{"BundleField{}", "does not point into the struct", func(ctx context.Context, db *quarry.DB) error {
			type pair struct{ ID int64 }
			return all(ctx, db, quarry.Select(quarry.Bundle(func(p *pair) []quarry.BundleField { return []quarry.BundleField{{}} })))
		}},

		// Text.
		{"Text(\"\")", "empty SQL text", func(ctx context.Context, db *quarry.DB) error { _, err := db.Exec(ctx, quarry.Text("")); return err }},
		{"UnsafeText(\"\")", "empty", func(ctx context.Context, db *quarry.DB) error {
			_, err := db.Exec(ctx, quarry.UnsafeText(""))
			return err
		}},
		{"db.Exec(ctx, nil)", "nil *TextClause", func(ctx context.Context, db *quarry.DB) error { _, err := db.Exec(ctx, nil); return err }},
		{"(*TextClause)(nil).Bind", "nil *TextClause", func(ctx context.Context, db *quarry.DB) error {
			_, err := db.Exec(ctx, nilText.Bind("x", 1))
			return err
		}},
		{"(*TextClause)(nil).Columns", "nil *TextClause", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().FromText(nilText.Columns(GUsers.ID)))
		}},
		{"(*TextClause)(nil).Subquery", "nil *TextClause", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, quarry.Select(quarry.CountAll()).SelectFrom(nilText.Subquery()))
		}},
		{"(*TextClause)(nil) as condition", "nil *TextClause", func(ctx context.Context, db *quarry.DB) error { return all(ctx, db, users().Where(nilText)) }},
		{"Text.Columns(nil)", "nil expression", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, db, users().FromText(quarry.Text("SELECT 1").Columns(nil)))
		}},
		{"TextClause{}", "empty SQL text", func(ctx context.Context, db *quarry.DB) error {
			_, err := db.Exec(ctx, &quarry.TextClause{})
			return err
		}},

		// Render and schema.
		{"Render(nil, stmt)", "nil Dialect", func(ctx context.Context, db *quarry.DB) error { _, _, err := quarry.Render(nil, users()); return err }},
		{"Render(d, nil)", "nil Statement", func(ctx context.Context, db *quarry.DB) error {
			_, _, err := quarry.Render(db.Dialect(), nil)
			return err
		}},
		{"Render(d, (*Query)(nil))", "nil *Query", func(ctx context.Context, db *quarry.DB) error {
			_, _, err := quarry.Render(db.Dialect(), nilQuery)
			return err
		}},
		{"CreateSQL(nil, t)", "nil Dialect", func(ctx context.Context, db *quarry.DB) error { _, err := quarry.CreateSQL(nil, GUsers); return err }},
		{"CreateSQL(d, nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.CreateSQL(db.Dialect(), nil)
			return err
		}},
		{"CreateSQL(d, zero table)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.CreateSQL(db.Dialect(), zeroUsers)
			return err
		}},
		{"CreateSQL(d, (*AssociationTable)(nil))", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.CreateSQL(db.Dialect(), (*quarry.AssociationTable)(nil))
			return err
		}},
		{"CreateSQL(d, AssociationTable{})", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.CreateSQL(db.Dialect(), &quarry.AssociationTable{})
			return err
		}},
		{"db.CreateAll(ctx, nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return db.CreateAll(ctx, nil) }},
		{"db.DropAll(ctx, zero table)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { return db.DropAll(ctx, zeroUsers) }},
		{"db.CreateSQL(nil)", "zero table struct", func(ctx context.Context, db *quarry.DB) error { _, err := db.CreateSQL(nil); return err }},
		{"AssociationTable.Name of nil", "", func(ctx context.Context, db *quarry.DB) error {
			_, _ = (*quarry.AssociationTable)(nil).Name(), (*quarry.AssociationTable)(nil).String()
			return errQuiet
		}},
		{"TryAssociation(\"\")", "table name", func(ctx context.Context, db *quarry.DB) error { _, err := quarry.TryAssociation(""); return err }},
		{"TryTable(\"\")", "table name", func(ctx context.Context, db *quarry.DB) error {
			type nobody struct{ ID int64 }
			type nobodyTable struct {
				quarry.Entity[nobody]
				ID quarry.Column[int64] `quarry:"id,pk"`
			}
			_, err := quarry.TryTable[nobody, nobodyTable]("")
			return err
		}},

		// DB.
		{"OpenDB(nil)", "DB without a driver", func(ctx context.Context, db *quarry.DB) error {
			return all(ctx, quarry.OpenDB(nil), users())
		}},
		{"OpenDB(drv, nil option)", "", func(ctx context.Context, db *quarry.DB) error {
			d := quarry.OpenDB(db.Driver(), nil, quarry.WithLogger(nil))
			_ = d.Dialect()
			return errQuiet
		}},
		{"(*DB)(nil).Exec", "nil *DB", func(ctx context.Context, db *quarry.DB) error {
			_, err := nilDB.Exec(ctx, quarry.Text("SELECT 1"))
			return err
		}},
		{"(*DB)(nil).Close", "nil *DB", func(ctx context.Context, db *quarry.DB) error { return nilDB.Close() }},
		{"(*DB)(nil).CreateAll", "nil *DB", func(ctx context.Context, db *quarry.DB) error { return nilDB.CreateAll(ctx, GUsers) }},
		{"(*DB)(nil).DropAll", "nil *DB", func(ctx context.Context, db *quarry.DB) error { return nilDB.DropAll(ctx, GUsers) }},
		{"(*DB)(nil).CreateSQL", "nil *DB", func(ctx context.Context, db *quarry.DB) error { _, err := nilDB.CreateSQL(GUsers); return err }},
		{"(*DB)(nil).Transaction", "nil *DB", func(ctx context.Context, db *quarry.DB) error {
			return nilDB.Transaction(ctx, func(*quarry.Session) error { return nil })
		}},
		{"(*DB)(nil).Session().Flush", "nil *DB", func(ctx context.Context, db *quarry.DB) error { return nilDB.Session().Flush(ctx) }},
		{"(*DB)(nil).Dialect/Driver", "", func(ctx context.Context, db *quarry.DB) error {
			_, _ = nilDB.Dialect(), nilDB.Driver()
			return errQuiet
		}},
		{"DB{}.Exec", "zero DB", func(ctx context.Context, db *quarry.DB) error {
			_, err := (&quarry.DB{}).Exec(ctx, quarry.Text("SELECT 1"))
			return err
		}},
		{"DB{}.Close", "zero DB", func(ctx context.Context, db *quarry.DB) error { return (&quarry.DB{}).Close() }},
		{"DB{}.CreateAll", "zero DB", func(ctx context.Context, db *quarry.DB) error { return (&quarry.DB{}).CreateAll(ctx, GUsers) }},
		{"DB{}.CreateSQL", "zero DB", func(ctx context.Context, db *quarry.DB) error { _, err := (&quarry.DB{}).CreateSQL(GUsers); return err }},
		{"DB{}.Transaction", "zero DB", func(ctx context.Context, db *quarry.DB) error {
			return (&quarry.DB{}).Transaction(ctx, func(*quarry.Session) error { return nil })
		}},
		{"DB{}.Session().Commit", "zero DB", func(ctx context.Context, db *quarry.DB) error {
			s := (&quarry.DB{}).Session()
			if err := s.Add(&GUser{Name: "x"}); err != nil {
				return err
			}
			return s.Commit(ctx)
		}},
		{"db.Transaction(ctx, nil)", "nil function", func(ctx context.Context, db *quarry.DB) error { return db.Transaction(ctx, nil) }},
		{"db.Session(nil option)", "", func(ctx context.Context, db *quarry.DB) error {
			s := db.Session(nil)
			_ = s.Close(ctx)
			return errQuiet
		}},

		// Session.
		{"Add(nil)", "nil object", func(ctx context.Context, db *quarry.DB) error { return db.Session().Add(nil) }},
		{"Add((*GUser)(nil))", "nil *quarry_test.GUser", func(ctx context.Context, db *quarry.DB) error { return db.Session().Add((*GUser)(nil)) }},
		{"Add(non-entity)", "not a pointer to a mapped struct", func(ctx context.Context, db *quarry.DB) error { return db.Session().Add(3) }},
		{"AddAll(nil, objs)", "nil *Session", func(ctx context.Context, db *quarry.DB) error { return quarry.AddAll(nil, []*GUser{{}}) }},
		{"AddAll(s, [nil])", "nil *quarry_test.GUser", func(ctx context.Context, db *quarry.DB) error { return quarry.AddAll(db.Session(), []*GUser{nil}) }},
		{"Delete(nil)", "nil object", func(ctx context.Context, db *quarry.DB) error { return db.Session().Delete(nil) }},
		{"Refresh(ctx, nil)", "nil object", func(ctx context.Context, db *quarry.DB) error { return db.Session().Refresh(ctx, nil) }},
		{"Get(ctx, s, nil, 1)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.Get[GUser](ctx, db.Session(), nil, 1)
			return err
		}},
		{"Get(ctx, s, zero table, 1)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.Get(ctx, db.Session(), zeroUsers, 1)
			return err
		}},
		{"Get(ctx, s, Entity{}, 1)", "zero table struct", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.Get[GUser](ctx, db.Session(), quarry.Entity[GUser]{}, 1)
			return err
		}},
		{"Get(ctx, s, t)", "primary key", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.Get(ctx, db.Session(), GUsers)
			return err
		}},
		{"Get(ctx, s, t, nil)", "primary key", func(ctx context.Context, db *quarry.DB) error {
			_, err := quarry.Get(ctx, db.Session(), GUsers, nil)
			return err
		}},
		{"Session.Nested(ctx, nil)", "nil function", func(ctx context.Context, db *quarry.DB) error { return db.Session().Nested(ctx, nil) }},
		{"Session.Contains(nil)", "", func(ctx context.Context, db *quarry.DB) error {
			s := db.Session()
			_, _ = s.Contains(nil), s.IsModified(nil)
			s.Expunge(nil)
			return errQuiet
		}},
	}
}

// sessionMethods calls every method of a Session that cannot be used:
// nil, zero, or over a nil, zero or closed DB.
func sessionMethods(s *quarry.Session) []func(ctx context.Context) error {
	return []func(ctx context.Context) error{
		func(ctx context.Context) error { return s.Add(&GUser{}) },
		func(ctx context.Context) error { return s.Delete(&GUser{}) },
		func(ctx context.Context) error { return s.Flush(ctx) },
		func(ctx context.Context) error { return s.Commit(ctx) },
		func(ctx context.Context) error { return s.Refresh(ctx, &GUser{}) },
		func(ctx context.Context) error { _, err := s.BeginNested(ctx); return err },
		func(ctx context.Context) error { return s.Nested(ctx, func() error { return nil }) },
		func(ctx context.Context) error { _, err := quarry.Get(ctx, s, GUsers, 1); return err },
		func(ctx context.Context) error { return quarry.AddAll(s, []*GUser{{}}) },
		func(ctx context.Context) error { return GUsers.Addresses.Load(ctx, s, &GUser{ID: 1}) },
		func(ctx context.Context) error { _, err := quarry.Select(GUsers).All(ctx, s); return err },
		// The methods that report no error must not panic either.
		func(ctx context.Context) error {
			_, _, _ = s.Dirty(), s.New(), s.Deleted()
			_, _ = s.Contains(&GUser{}), s.IsModified(&GUser{})
			s.Expunge(&GUser{})
			s.ExpungeAll()
			return nil
		},
		func(ctx context.Context) error { return s.Rollback(ctx) },
		func(ctx context.Context) error { return s.Close(ctx) },
	}
}

// catch runs f and turns a panic into an error that says so.
func catch(f func() error) (err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			err, panicked = fmt.Errorf("panic: %v\n%s", r, debug.Stack()), true
		}
	}()
	return f(), false
}

// TestNilArguments calls every exported entry point with nil and zero
// arguments: each returns an error, or builds a statement whose execution
// returns one, that says what was wrong, and none panics or sends SQL.
func TestNilArguments(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		ctx := context.Background()
		for _, c := range nilCases() {
			t.Run(c.name, func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				err, panicked := catch(func() error { return c.run(ctx, db) })
				t.Log(err)
				is.True(!panicked)  // no panic
				is.True(err != nil) // an error
				if c.want == "" {
					is.Equal(err, errQuiet)
					is.Equal(len(log.Statements()), 0) // no SQL sent
					return
				}
				is.True(strings.Contains(err.Error(), c.want)) // the error names what was wrong
				is.True(errors.Is(err, quarry.ErrInvalidArgument) ||
					errors.Is(err, quarry.ErrInvalidIdentifier) ||
					errors.Is(err, quarry.ErrNotMapped) ||
					errors.Is(err, quarry.ErrMapping)) // a sentinel to test for
				is.True(!strings.Contains(err.Error(), "quarry: quarry:")) // one prefix
				is.Equal(len(log.Statements()), 0)                         // no SQL sent
			})
		}
	})
}

// TestUnusableSession calls every method of a nil Session, a zero one,
// and Sessions of a nil, a zero and a closed DB.
func TestUnusableSession(t *testing.T) {
	ctx := context.Background()
	closed, err := sqlite.Open(ctx, ":memory:")
	is.New(t).NoErr(err)
	is.New(t).NoErr(closed.Close())
	for _, c := range []struct {
		name string
		s    func() *quarry.Session
		want error
	}{
		{"nil Session", func() *quarry.Session { return nil }, quarry.ErrInvalidArgument},
		{"zero Session", func() *quarry.Session { return &quarry.Session{} }, quarry.ErrInvalidArgument},
		{"Session of nil DB", func() *quarry.Session { return nilDB.Session() }, quarry.ErrInvalidArgument},
		{"Session of zero DB", func() *quarry.Session { return (&quarry.DB{}).Session() }, quarry.ErrInvalidArgument},
		{"Session of closed DB", func() *quarry.Session { return closed.Session() }, quarry.ErrClosed},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i, m := range sessionMethods(c.s()) {
				err, panicked := catch(func() error { return m(ctx) })
				if panicked {
					t.Fatalf("method %d: %v", i, err)
				}
				// Delete and Refresh of an object the Session does not
				// hold say so before anything needs the DB.
				if err != nil && !errors.Is(err, c.want) && !errors.Is(err, quarry.ErrNotInSession) {
					t.Errorf("method %d: %v, want %v", i, err, c.want)
				}
			}
		})
	}
}

// TestRefusalSentinels checks that each refusal a program may want to test
// for is a sentinel under errors.Is, that a statement which cannot be
// built is a *StatementError naming it, and that none sends the refused
// statement.
func TestRefusalSentinels(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadGuide(t, db)

		// No foreign key links users and items: the join cannot be inferred.
		log.Reset()
		_, err := quarry.Select(GUsers).Join(GItems).All(ctx, db)
		is.True(errors.Is(err, quarry.ErrJoin)) // join inference
		var se *quarry.StatementError
		is.True(errors.As(err, &se))                               // names the statement
		is.Equal(se.Kind, "SELECT")                                // the kind
		is.Equal(se.Entity, "quarry_test.GUser")                   // what it selects
		is.True(!strings.Contains(err.Error(), "quarry: quarry:")) // one prefix
		is.Equal(len(log.Statements()), 0)                         // nothing sent

		// A nil condition: the statement error unwraps to the sentinel.
		_, err = quarry.Select(GUsers).Where(nil).All(ctx, db)
		is.True(errors.As(err, &se))
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
		is.Equal(len(log.Statements()), 0) // nothing sent

		// Add of a value that is not an entity.
		s := db.Session()
		defer s.Close(ctx)
		err = s.Add(&struct{ ID int64 }{})
		is.True(errors.Is(err, quarry.ErrNotMapped))
		is.True(!errors.Is(err, quarry.ErrMapping)) // not a mapping definition's error

		// A primary key changed to the key of another object the Session
		// holds.
		u, err := quarry.Get(ctx, s, GUsers, 1)
		is.NoErr(err)
		_, err = quarry.Get(ctx, s, GUsers, 2)
		is.NoErr(err)
		u.ID = 2
		log.Reset()
		err = s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrKeyChanged))
		is.True(errors.Is(err, quarry.ErrIdentityConflict))
		for _, q := range log.Statements() {
			is.True(!strings.HasPrefix(q, "UPDATE")) // no UPDATE sent
		}
		is.NoErr(s.Rollback(ctx))

		// A zero primary key of a loaded row is a real key: the row is
		// updated and deleted by it.
		_, err = db.Exec(ctx, quarry.Text(`INSERT INTO item (id, description) VALUES (0, 'zero')`))
		is.NoErr(err)
		it, err := quarry.Get(ctx, s, GItems, 0)
		is.NoErr(err)
		it.Description = "changed"
		is.NoErr(s.Commit(ctx))
		desc, err := quarry.Select(GItems.Description).Where(GItems.ID.Eq(0)).One(ctx, db)
		is.NoErr(err)
		is.Equal(desc, "changed")
		is.NoErr(s.Delete(it))
		is.NoErr(s.Commit(ctx))
		n, err := quarry.Select(GItems).Where(GItems.ID.Eq(0)).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}
