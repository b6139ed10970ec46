package quarry_test

import (
	"context"
	"fmt"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// CorePerson is a plain struct mapped by CorePersonTable.
type CorePerson struct {
	ID       int64
	Name     string
	Fullname string
	Nickname *string // NULL-able
}

// CorePersonTable maps CorePerson to the table core_people: one typed
// column per field, names defaulting to snake_case.
type CorePersonTable struct {
	quarry.Entity[CorePerson]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	Name     quarry.Column[string] `quarry:",len=50"`
	Fullname quarry.Column[string]
	Nickname quarry.Column[*string]
}

// CoreEmail belongs to a CorePerson.
type CoreEmail struct {
	ID       int64
	Address  string
	PersonID int64
}

// CoreEmailTable maps CoreEmail to core_emails.
type CoreEmailTable struct {
	quarry.Entity[CoreEmail]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Address  quarry.Column[string]
	PersonID quarry.Column[int64] `quarry:",fk=core_people.id"`
}

var (
	CorePeople = quarry.Table[CorePerson, CorePersonTable]("core_people")
	CoreEmails = quarry.Table[CoreEmail, CoreEmailTable]("core_emails")
)

// exampleDB opens an in-memory database with a few people and emails.
func exampleDB() *quarry.DB {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	if err := db.CreateAll(ctx, CorePeople, CoreEmails); err != nil {
		panic(err)
	}
	for _, stmt := range []*quarry.TextClause{
		quarry.Text(`INSERT INTO core_people (name, fullname, nickname) VALUES
			('ed', 'Ed Jones', 'eddie'), ('wendy', 'Wendy Williams', NULL), ('mary', 'Mary Contrary', NULL)`),
		quarry.Text(`INSERT INTO core_emails (address, person_id) VALUES
			('ed@google.com', 1), ('ed@yahoo.com', 1), ('wendy@aol.com', 2)`),
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			panic(err)
		}
	}
	return db
}

// Select of a table struct reads whole structs; the comparison methods of
// a Column[T] take only T values.
func ExampleSelect() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()

	q := quarry.Select(CorePeople).Where(CorePeople.Name.In("ed", "mary")).OrderBy(CorePeople.ID)
	fmt.Println(q)
	people, err := q.All(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, p := range people {
		fmt.Println(p.ID, p.Name, p.Fullname, p.Nickname != nil)
	}
	// Output:
	// SELECT core_people.id, core_people.name, core_people.fullname, core_people.nickname FROM core_people WHERE core_people.name IN (?, ?) ORDER BY core_people.id
	// 1 ed Ed Jones true
	// 3 mary Mary Contrary false
}

// Select2 reads rows of two typed items, here across a join.
func ExampleSelect2() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()

	rows, err := quarry.Select2(CorePeople.Name, CoreEmails.Address).
		Join(CoreEmails, CoreEmails.PersonID.EqExpr(CorePeople.ID)).
		OrderBy(CoreEmails.ID).
		All(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		name, addr := r.Values()
		fmt.Println(name, addr)
	}
	// Output:
	// ed ed@google.com
	// ed ed@yahoo.com
	// wendy wendy@aol.com
}

// Text takes constant SQL with :name parameters, bound as values; as a
// whole statement, its columns are linked to mapped columns by position.
func ExampleText() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()

	names, err := quarry.Select(CorePeople.Name).
		Where(quarry.Text("id < :max")).Bind("max", 3).
		OrderBy(quarry.Text("name")).
		All(ctx, db)
	fmt.Println(names, err)

	stmt := quarry.Text("SELECT fullname, id FROM core_people WHERE name = :name").
		Columns(CorePeople.Fullname, CorePeople.ID).
		Bind("name", "wendy")
	row, err := quarry.Select2(CorePeople.ID, CorePeople.Fullname).FromText(stmt).One(ctx, db)
	fmt.Println(row.V1, row.V2, err)
	// Output:
	// [ed wendy] <nil>
	// 2 Wendy Williams <nil>
}

// Count counts rows, count(*) with SelectFrom or count(x), and
// Query.Count counts what a statement would return.
func ExampleCount() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()

	n, _ := quarry.Select(quarry.CountAll()).SelectFrom(CorePeople).Scalar(ctx, db)
	fmt.Println(n)

	perPerson := quarry.Select2(CoreEmails.PersonID, quarry.Count(CoreEmails.ID)).
		GroupBy(CoreEmails.PersonID).OrderBy(CoreEmails.PersonID)
	fmt.Println(perPerson)
	rows, _ := perPerson.All(ctx, db)
	fmt.Println(rows)

	withE, _ := quarry.Select(CorePeople).Where(quarry.Like(CorePeople.Name, "%e%")).Count(ctx, db)
	fmt.Println(withE)
	// Output:
	// 3
	// SELECT core_emails.person_id, count(core_emails.id) FROM core_emails GROUP BY core_emails.person_id ORDER BY core_emails.person_id
	// [{1 2} {2 1}]
	// 2
}

// Aliased makes another FROM item of the same table: anonymous
// (core_people_1) or named.
func ExampleAliased() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()

	p1, p2 := quarry.Aliased(CorePeople), quarry.Aliased(CorePeople, quarry.AliasName("p2"))
	q := quarry.Select2(p1.Name, p2.Name).
		Join(p2, p1.ID.LtExpr(p2.ID)).
		Where(p1.Nickname.IsNotNull()).
		OrderBy(p2.ID)
	fmt.Println(q)
	rows, _ := q.All(ctx, db)
	fmt.Println(rows)
	// Output:
	// SELECT core_people_1.name, p2.name AS name_1 FROM core_people AS core_people_1 JOIN core_people AS p2 ON core_people_1.id < p2.id WHERE core_people_1.nickname IS NOT NULL ORDER BY p2.id
	// [{ed wendy} {ed mary}]
}

// A Bundle reads a group of columns into a struct of your own, typed
// field by field.
func ExampleBundle() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()

	type contact struct {
		Name  string
		Email string
	}
	contacts := quarry.Bundle(func(c *contact) []quarry.BundleField {
		return []quarry.BundleField{
			quarry.Field(&c.Name, CorePeople.Name),
			quarry.Field(&c.Email, CoreEmails.Address),
		}
	})
	rows, _ := quarry.Select(contacts).
		Join(CoreEmails, CoreEmails.PersonID.EqExpr(CorePeople.ID)).
		Where(quarry.Like(CoreEmails.Address, "%.com")).
		OrderBy(CoreEmails.ID).
		All(ctx, db)
	fmt.Printf("%+v\n", rows)
	// Output:
	// [{Name:ed Email:ed@google.com} {Name:ed Email:ed@yahoo.com} {Name:wendy Email:wendy@aol.com}]
}

// Columns selects a list of expressions chosen at run time and reads rows
// by name.
func ExampleColumns() {
	ctx := context.Background()
	db := exampleDB()
	defer db.Close()

	cols := []quarry.Grouping{CorePeople.Name, quarry.Upper(CorePeople.Fullname).Label("shout")}
	rows, _ := quarry.Columns(cols...).Where(CorePeople.ID.Eq(1)).All(ctx, db)
	for _, r := range rows {
		shout, _ := r.Get("shout")
		fmt.Println(r.Names(), shout)
	}
	// Output:
	// [name shout] ED JONES
}
