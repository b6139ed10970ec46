package quarry_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// shapeCase builds one statement from values derived from v, so that
// every call makes a new statement of the same shape with other values.
type shapeCase struct {
	name  string
	build func(v int) quarry.Statement
}

func s(n int) string { return fmt.Sprintf("name%d", n) }

// shapeCorpus are statements that differ from their neighbours in one
// detail each: a column, an operator, a clause, the order of terms, the
// length of a list, an alias, a join kind.
func shapeCorpus() []shapeCase {
	U, A, P := TUsers, TAddresses, TPosts
	u2 := quarry.Aliased(TUsers)
	named := quarry.Aliased(TUsers, quarry.AliasName("u_named"))
	return []shapeCase{
		{"eq", func(v int) quarry.Statement { return quarry.Select(U).Where(U.Name.Eq(s(v))) }},
		{"ne", func(v int) quarry.Statement { return quarry.Select(U).Where(U.Name.Ne(s(v))) }},
		{"eq other column", func(v int) quarry.Statement { return quarry.Select(U).Where(U.Fullname.Eq(s(v))) }},
		{"two terms", func(v int) quarry.Statement {
			return quarry.Select(U).Where(U.Name.Eq(s(v)), U.ID.Gt(int64(v)))
		}},
		{"two terms swapped", func(v int) quarry.Statement {
			return quarry.Select(U).Where(U.ID.Gt(int64(v)), U.Name.Eq(s(v)))
		}},
		{"or", func(v int) quarry.Statement {
			return quarry.Select(U).Where(quarry.Or(U.Name.Eq(s(v)), U.ID.Gt(int64(v))))
		}},
		{"not", func(v int) quarry.Statement { return quarry.Select(U).Where(quarry.Not(U.Name.Eq(s(v)))) }},
		{"in 2", func(v int) quarry.Statement { return quarry.Select(U).Where(U.ID.In(int64(v), int64(v+1))) }},
		{"in 3", func(v int) quarry.Statement {
			return quarry.Select(U).Where(U.ID.In(int64(v), int64(v+1), int64(v+2)))
		}},
		{"not in 2", func(v int) quarry.Statement { return quarry.Select(U).Where(U.ID.NotIn(int64(v), int64(v+1))) }},
		{"between", func(v int) quarry.Statement {
			return quarry.Select(U).Where(U.ID.Between(int64(v), int64(v+2)))
		}},
		{"like", func(v int) quarry.Statement { return quarry.Select(U).Where(quarry.Like(U.Name, s(v)+"%")) }},
		{"ilike", func(v int) quarry.Statement { return quarry.Select(U).Where(quarry.ILike(U.Name, s(v)+"%")) }},
		{"is null", func(v int) quarry.Statement { return quarry.Select(A).Where(A.UserID.IsNull(), A.ID.Gt(int64(v))) }},
		{"order asc", func(v int) quarry.Statement { return quarry.Select(U).Where(U.ID.Gt(int64(v))).OrderBy(U.ID) }},
		{"order desc", func(v int) quarry.Statement {
			return quarry.Select(U).Where(U.ID.Gt(int64(v))).OrderBy(U.ID.Desc())
		}},
		{"limit", func(v int) quarry.Statement { return quarry.Select(U).OrderBy(U.ID).Limit(int64(v)) }},
		{"offset", func(v int) quarry.Statement { return quarry.Select(U).OrderBy(U.ID).Offset(int64(v)) }},
		{"limit offset", func(v int) quarry.Statement {
			return quarry.Select(U).OrderBy(U.ID).Limit(int64(v + 1)).Offset(int64(v))
		}},
		{"distinct", func(v int) quarry.Statement { return quarry.Select(U.Name).Distinct().Where(U.ID.Gt(int64(v))) }},
		{"columns", func(v int) quarry.Statement { return quarry.Select(U.Name).Where(U.ID.Gt(int64(v))) }},
		{"other columns", func(v int) quarry.Statement { return quarry.Select(U.Fullname).Where(U.ID.Gt(int64(v))) }},
		{"label", func(v int) quarry.Statement {
			return quarry.Select(U.Name.Label("n")).Where(U.ID.Gt(int64(v)))
		}},
		{"other label", func(v int) quarry.Statement {
			return quarry.Select(U.Name.Label("m")).Where(U.ID.Gt(int64(v)))
		}},
		{"count group having", func(v int) quarry.Statement {
			return quarry.Select(quarry.Count(A.ID)).GroupBy(A.UserID).Having(quarry.Count(A.ID).Gt(int64(v)))
		}},
		{"func", func(v int) quarry.Statement {
			return quarry.Select(quarry.Func[string]("upper", U.Name)).Where(U.ID.Gt(int64(v)))
		}},
		{"other func", func(v int) quarry.Statement {
			return quarry.Select(quarry.Func[string]("lower", U.Name)).Where(U.ID.Gt(int64(v)))
		}},
		{"join on", func(v int) quarry.Statement {
			return quarry.Select(U).Join(A, quarry.Deref(A.UserID).EqExpr(U.ID), A.ID.Gt(int64(v))).Where(U.Name.Ne(s(v)))
		}},
		{"outer join on", func(v int) quarry.Statement {
			return quarry.Select(U).OuterJoin(A, quarry.Deref(A.UserID).EqExpr(U.ID), A.ID.Gt(int64(v))).Where(U.Name.Ne(s(v)))
		}},
		{"join relationship", func(v int) quarry.Statement {
			return quarry.Select(U).Join(U.Addresses).Where(A.ID.Gt(int64(v)))
		}},
		{"join other relationship", func(v int) quarry.Statement {
			return quarry.Select(U).Join(U.Posts).Where(P.ID.Gt(int64(v)))
		}},
		{"anonymous alias", func(v int) quarry.Statement {
			u := quarry.Aliased(TUsers)
			return quarry.Select(u).Where(u.ID.Gt(int64(v)))
		}},
		{"named alias", func(v int) quarry.Statement {
			u := quarry.Aliased(TUsers, quarry.AliasName("u_x"))
			return quarry.Select(u).Where(u.ID.Gt(int64(v)))
		}},
		{"other named alias", func(v int) quarry.Statement {
			u := quarry.Aliased(TUsers, quarry.AliasName("u_y"))
			return quarry.Select(u).Where(u.ID.Gt(int64(v)))
		}},
		{"self join, values in both", func(v int) quarry.Statement {
			return quarry.Select2(U.Name, u2.Name).Join(u2, u2.ID.Gt(int64(v)), u2.ID.GtExpr(U.ID)).Where(U.ID.Lt(int64(v + 3)))
		}},
		{"self join, other alias", func(v int) quarry.Statement {
			return quarry.Select2(U.Name, named.Name).Join(named, named.ID.Gt(int64(v)), named.ID.GtExpr(U.ID)).Where(U.ID.Lt(int64(v + 3)))
		}},
		{"two fresh aliases", func(v int) quarry.Statement {
			a, b := quarry.Aliased(TUsers), quarry.Aliased(TUsers)
			return quarry.Select2(a.Name, b.Name).Join(b, b.ID.GtExpr(a.ID)).Where(a.ID.Eq(int64(v)), b.ID.Lt(int64(v+2)))
		}},
		{"one fresh alias twice", func(v int) quarry.Statement {
			a := quarry.Aliased(TUsers)
			return quarry.Select2(a.Name, U.Name).Join(U, U.ID.GtExpr(a.ID)).Where(a.ID.Eq(int64(v)), U.ID.Lt(int64(v+2)))
		}},
	}
}

// A DB renders each statement shape once: statements built anew with
// other values reuse the SQL, and every statement still sends exactly
// the SQL and arguments its own render gives, whatever was cached before.
func TestShapeCacheCorpus(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadTutorial(t, db)
		corpus := shapeCorpus()
		seen := map[string]string{}
		for round := range 3 {
			for i, c := range corpus {
				v := 1 + round*7 + i%3
				stmt := c.build(v)
				if round > 0 {
					cached, shapes := quarry.ShapeCached(db, stmt)
					if !cached {
						t.Fatalf("round %d, %s: shape not cached", round, c.name)
					}
					is.Equal(shapes, len(corpus)) // each case one shape
				}
				// Rendered from a twin: Render fills the statement's own cache.
				wantSQL, wantArgs, err := quarry.Render(db.Dialect(), c.build(v))
				is.NoErr(err)
				if round == 0 {
					if other, dup := seen[wantSQL]; dup {
						t.Fatalf("corpus cases %q and %q render the same SQL", other, c.name)
					}
					seen[wantSQL] = c.name
				}
				log.Reset()
				is.NoErr(runStatement(ctx, db, stmt))
				got := log.Entries()
				is.Equal(len(got), 1)
				if got[0].SQL != wantSQL || !reflect.DeepEqual(got[0].Args, wantArgs) {
					t.Fatalf("round %d, %s: sent\n%s %v\nwant\n%s %v", round, c.name, got[0].SQL, got[0].Args, wantSQL, wantArgs)
				}
			}
		}
	})
}

// runStatement runs a corpus statement of any row type.
func runStatement(ctx context.Context, db *quarry.DB, st quarry.Statement) error {
	switch q := st.(type) {
	case *quarry.Query[*TUser]:
		_, err := q.All(ctx, db)
		return err
	case *quarry.Query[*TAddress]:
		_, err := q.All(ctx, db)
		return err
	case *quarry.Query[string]:
		_, err := q.All(ctx, db)
		return err
	case *quarry.Query[int64]:
		_, err := q.All(ctx, db)
		return err
	case *quarry.Query[quarry.Row2[string, string]]:
		_, err := q.All(ctx, db)
		return err
	}
	return fmt.Errorf("corpus statement of type %T", st)
}

// Values reach the SQL of a cached shape in the order the statement
// binds them, including values in join conditions ahead of the WHERE:
// the five users of the tutorial, less the one skipped.
func TestShapeCacheValues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		loadTutorial(t, db)
		U := TUsers
		names := func(minID int64, user string) []string {
			u2 := quarry.Aliased(TUsers)
			got, err := quarry.Select(U.Name).
				Join(u2, u2.ID.EqExpr(U.ID), u2.ID.Gt(minID)).
				Where(U.Name.Ne(user)).OrderBy(U.Name).All(ctx, db)
			is.NoErr(err)
			return got
		}
		all := names(0, "")
		is.Equal(len(all), 5)
		for _, skip := range all {
			got := names(0, skip)
			is.Equal(len(got), len(all)-1)
			for _, n := range got {
				is.True(n != skip)
			}
		}
		is.Equal(len(names(1<<40, "")), 0)
	})
}
