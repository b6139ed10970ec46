package quarry_test

import (
	"context"
	"fmt"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// A recursive CTE walks a tree of employees in one statement, and a
// window function ranks each employee in its department.
func ExampleRecursiveCTE() {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	E := SqEmps
	if err := db.CreateAll(ctx, E); err != nil {
		panic(err)
	}
	one, two := int64(1), int64(2)
	_, err = quarry.Insert(E).Values(
		&SqEmp{ID: 1, Name: "ann", Dept: "a", Salary: 300},
		&SqEmp{ID: 2, Name: "bob", Dept: "a", Salary: 200, ManagerID: &one},
		&SqEmp{ID: 3, Name: "cy", Dept: "b", Salary: 150, ManagerID: &two},
	).Exec(ctx, db)
	if err != nil {
		panic(err)
	}

	depth := quarry.Cast[int64](quarry.Value(int64(0))).Label("depth")
	tree := quarry.RecursiveCTE("tree",
		quarry.Select3(E.ID, E.Name, depth).Where(E.ManagerID.IsNull()),
		func(self *quarry.Subquery) *quarry.Query[quarry.Row3[int64, string, int64]] {
			return quarry.Select3(E.ID, E.Name, quarry.Add(quarry.Ref(self, depth).Expr, 1)).
				Join(self, quarry.Deref(E.ManagerID).EqExpr(quarry.Ref(self, E.ID)))
		})
	rows, err := quarry.Select2(quarry.Ref(tree, E.Name), quarry.Ref(tree, depth)).With(tree).OrderBy(quarry.Ref(tree, depth)).All(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Println(r.V1, r.V2)
	}

	rank := quarry.RowNumber().Over(quarry.PartitionBy(E.Dept).OrderBy(E.Salary.Desc()))
	ranked, err := quarry.Select2(E.Name, rank).OrderBy(E.ID).All(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, r := range ranked {
		fmt.Println(r.V1, r.V2)
	}
	// Output:
	// ann 0
	// bob 1
	// cy 2
	// ann 1
	// bob 2
	// cy 1
}
