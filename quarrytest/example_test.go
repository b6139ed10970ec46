package quarrytest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/quarrytest"
)

// A Recorder attached to a database sees every statement it runs, and
// WithRaiseLoad turns each relationship Load that was not eager-loaded
// into an error: in a test, rec.AssertStatements and rec.AssertCount
// check the code under test, and an N+1 loop fails at its first Load.
// The database here is in-memory SQLite, as quarrytest.SQLite(t, ...)
// gives a test.
func ExampleRecorder() {
	ctx := context.Background()
	rec := quarrytest.Record()
	db, err := sqlite.Open(ctx, ":memory:", rec.Option(), quarry.WithRaiseLoad())
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := db.CreateAll(ctx, QAuthors, QBooks); err != nil {
		panic(err)
	}
	err = db.Transaction(ctx, func(s *quarry.Session) error {
		return s.Add(&QAuthor{Name: "lem", Books: []*QBook{{Title: "solaris"}}})
	})
	if err != nil {
		panic(err)
	}

	rec.Reset() // the assertions see only what follows
	s := db.Session()
	defer s.Close(ctx)
	authors, err := quarry.Select(QAuthors).All(ctx, s)
	if err != nil {
		panic(err)
	}
	err = QAuthors.Books.Load(ctx, s, authors...)
	fmt.Println("lazy load raises:", errors.Is(err, quarry.ErrRaiseLoad))

	authors, err = quarry.Select(QAuthors).Options(quarry.SelectIn(QAuthors.Books)).All(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println("eager:", authors[0].Books[0].Title)
	for _, stmt := range rec.Statements() {
		fmt.Println(stmt)
	}
	// Output:
	// lazy load raises: true
	// eager: solaris
	// SELECT "qtt_authors"."id", "qtt_authors"."name" FROM "qtt_authors"
	// SELECT "qtt_authors"."id", "qtt_authors"."name" FROM "qtt_authors"
	// SELECT "qtt_books"."id", "qtt_books"."title", "qtt_books"."author_id" FROM "qtt_books" WHERE "qtt_books"."author_id" IN (?) ORDER BY "qtt_books"."id"
}

// In a test package, Postgres hands each test an empty schema of a
// throwaway PostgreSQL server that the test binary starts from the
// server binaries (initdb, postgres) on first use; Main stops it.
//
//	func TestMain(m *testing.M) { quarrytest.Main(m) }
func ExamplePostgres() {
	testSignup := func(t *testing.T) {
		ctx := context.Background()
		rec := quarrytest.Record()
		db := quarrytest.Postgres(t, rec.Option(), quarry.WithRaiseLoad())
		if err := db.CreateAll(ctx, QAuthors, QBooks); err != nil {
			t.Fatal(err)
		}
		rec.Reset()
		err := db.Transaction(ctx, func(s *quarry.Session) error {
			return s.Add(&QAuthor{Name: "le guin"})
		})
		if err != nil {
			t.Fatal(err)
		}
		rec.AssertStatements(t,
			"BEGIN",
			`INSERT INTO "qtt_authors" ("name") VALUES ($1) RETURNING "id"`,
			"COMMIT")
	}
	_ = testSignup // run by go test as a test of your package
}
