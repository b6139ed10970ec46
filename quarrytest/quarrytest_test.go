package quarrytest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/quarrytest"
)

func TestMain(m *testing.M) { quarrytest.Main(m) }

// QAuthor and QBook are the mapping these tests and the examples use.
type QAuthor struct {
	ID    int64
	Name  string
	Books []*QBook
}

// QAuthorTable maps QAuthor to qtt_authors.
type QAuthorTable struct {
	quarry.Entity[QAuthor]
	ID    quarry.Column[int64]        `quarry:"id,pk"`
	Name  quarry.Column[string]       `quarry:",len=40"`
	Books quarry.Many[QAuthor, QBook] `quarry:"back=Author,order=id"`
}

// QBook belongs to a QAuthor.
type QBook struct {
	ID       int64
	Title    string
	AuthorID int64
	Author   *QAuthor
}

// QBookTable maps QBook to qtt_books.
type QBookTable struct {
	quarry.Entity[QBook]
	ID       quarry.Column[int64]       `quarry:"id,pk"`
	Title    quarry.Column[string]      `quarry:",len=80"`
	AuthorID quarry.Column[int64]       `quarry:",fk=qtt_authors.id"`
	Author   quarry.One[QBook, QAuthor] `quarry:"back=Books"`
}

var (
	QAuthors = quarry.Table[QAuthor, QAuthorTable]("qtt_authors")
	QBooks   = quarry.Table[QBook, QBookTable]("qtt_books")
)

// backends runs fn on a fresh database of each kind quarrytest offers.
func backends(t *testing.T, fn func(t *testing.T, open func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB { return quarrytest.SQLite(t, opts...) })
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB { return quarrytest.Postgres(t, opts...) })
	})
}

// seed creates the tables and two authors with two books each.
func seed(t *testing.T, db *quarry.DB) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	is.NoErr(db.CreateAll(ctx, QAuthors, QBooks))
	is.NoErr(db.Transaction(ctx, func(s *quarry.Session) error {
		return s.Add(
			&QAuthor{Name: "le guin", Books: []*QBook{{Title: "the dispossessed"}, {Title: "the lathe of heaven"}}},
			&QAuthor{Name: "lem", Books: []*QBook{{Title: "solaris"}, {Title: "fiasco"}}},
		)
	}))
}

func TestFreshDatabases(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		a, b := open(t), open(t)
		is.NoErr(a.CreateAll(ctx, QAuthors))
		// The same table in the second database: it would fail if the
		// first one's were visible there.
		is.NoErr(b.CreateAll(ctx, QAuthors))
		_, err := b.Exec(ctx, quarry.Text("CREATE TABLE qtt_authors (id INTEGER)"))
		is.True(err != nil) // the table exists in b
		n, err := quarry.Select(QAuthors).Count(ctx, a)
		is.NoErr(err)
		is.Equal(n, int64(0)) // a fresh, empty table
	})
}

func TestPostgresSchemaDropped(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	var schema string
	t.Run("inner", func(t *testing.T) {
		is := is.New(t)
		db := quarrytest.Postgres(t)
		is.NoErr(postgres.Pool(db).QueryRow(ctx, "SELECT current_schema()").Scan(&schema))
		is.True(strings.HasPrefix(schema, "qt_testpostgresschemadropped_")) // the test's own schema
		is.NoErr(db.CreateAll(ctx, QAuthors))
	})
	var exists bool
	is.NoErr(postgres.Pool(quarrytest.Postgres(t)).QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists))
	is.True(!exists) // dropped when its test ended
}

func TestPostgresURL(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, quarrytest.PostgresURL(t))
	is.NoErr(err)
	defer db.Close()
	is.NoErr(db.CreateAll(ctx, QAuthors))
	var schema string
	is.NoErr(postgres.Pool(db).QueryRow(ctx, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'qtt_authors'").Scan(&schema))
	is.True(strings.HasPrefix(schema, "qt_testpostgresurl_")) // created in the URL's schema
}

// failTB records the failures of the assertions under test.
type failTB struct {
	testing.TB
	errs []string
}

func (f *failTB) Helper() {}
func (f *failTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestRecorder(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		rec := quarrytest.Record()
		db := open(t, rec.Option())
		rec.AssertCount(t, 0) // nothing before the first statement
		_, err := db.Exec(ctx, quarry.Text("CREATE TABLE qtt_r (id INTEGER PRIMARY KEY, name VARCHAR(10))"))
		is.NoErr(err)
		rec.Reset()
		rec.AssertCount(t, 0) // reset

		_, err = db.Exec(ctx, quarry.Text("INSERT INTO qtt_r (id, name) VALUES (:id, :name)").Bind("id", 1).Bind("name", "x"))
		is.NoErr(err)
		_, err = db.Exec(ctx, quarry.Text("DELETE FROM qtt_r WHERE id = :id").Bind("id", 2))
		is.NoErr(err)
		ph := map[string][2]string{"sqlite": {"?", "?"}, "postgres": {"$1", "$2"}}[t.Name()[strings.LastIndexByte(t.Name(), '/')+1:]]
		insert := "INSERT INTO qtt_r (id, name) VALUES (" + ph[0] + ", " + ph[1] + ")"
		del := "DELETE FROM qtt_r WHERE id = " + ph[0]
		rec.AssertStatements(t, insert, del)
		rec.AssertCount(t, 2)
		is.Equal(rec.Statements(), []string{insert, del})
		is.Equal(rec.Entries()[0].Args, []any{1, "x"}) // the bound arguments

		// The assertions fail, naming what differs, when they should.
		f := &failTB{TB: t}
		rec.AssertCount(f, 3)
		rec.AssertStatements(f, insert)
		rec.AssertStatements(f, insert, "DELETE FROM elsewhere")
		rec.AssertStatements(f, insert, del) // passes: no message
		is.Equal(len(f.errs), 3)
		is.True(strings.Contains(f.errs[0], "2 statements recorded, 3 wanted"))
		is.True(strings.Contains(f.errs[0], "[1] "+del)) // the listing
		is.True(strings.Contains(f.errs[1], "statement 1 differs"))
		is.True(strings.Contains(f.errs[1], "want: (none)"))
		is.True(strings.Contains(f.errs[2], "want: DELETE FROM elsewhere"))
		is.True(strings.Contains(f.errs[2], "got:  "+del))
	})
}

func TestRecorderSession(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		rec := quarrytest.Record()
		db := open(t, rec.Option())
		seed(t, db)
		rec.Reset()
		s := db.Session()
		defer s.Close(ctx)
		a, err := quarry.Select(QAuthors).Where(QAuthors.Name.Eq("lem")).One(ctx, s)
		is.NoErr(err)
		a.Name = "stanisław lem"
		is.NoErr(s.Commit(ctx))
		stmts := rec.Statements()
		is.Equal(len(stmts), 4) // SELECT, BEGIN, UPDATE, COMMIT
		is.True(strings.HasPrefix(stmts[0], "SELECT"))
		is.True(strings.HasPrefix(stmts[1], "BEGIN"))
		is.True(strings.HasPrefix(stmts[2], `UPDATE "qtt_authors" SET "name"`)) // stmts[2]
		is.Equal(stmts[3], "COMMIT")
	})
}

func TestRaiseLoad(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB) {
		ctx := context.Background()
		rec := quarrytest.Record()
		db := open(t, rec.Option(), quarry.WithRaiseLoad())
		seed(t, db)

		t.Run("lazy load fails, nothing sent", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			authors, err := quarry.Select(QAuthors).OrderBy(QAuthors.ID).All(ctx, s)
			is.NoErr(err)
			rec.Reset()
			err = QAuthors.Books.Load(ctx, s, authors...)
			is.True(errors.Is(err, quarry.ErrRaiseLoad)) // raised
			is.True(strings.Contains(err.Error(), "Books"))
			err = QAuthors.Books.Load(ctx, db, authors[0]) // through the DB too
			is.True(errors.Is(err, quarry.ErrRaiseLoad))
			books, err := quarry.Select(QBooks).All(ctx, s)
			is.NoErr(err)
			rec.Reset()
			err = QBooks.Author.Load(ctx, s, books[0]) // many-to-one: the identity map holds it, but it was never loaded
			is.True(errors.Is(err, quarry.ErrRaiseLoad))
			rec.AssertCount(t, 0)
			is.Equal(authors[0].Books, []*QBook(nil)) // left alone
		})

		t.Run("eager load passes, nothing sent", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			authors, err := quarry.Select(QAuthors).Options(quarry.SelectIn(QAuthors.Books)).OrderBy(QAuthors.ID).All(ctx, s)
			is.NoErr(err)
			rec.Reset()
			is.NoErr(QAuthors.Books.Load(ctx, s, authors...)) // loaded already: no query
			rec.AssertCount(t, 0)
			is.Equal(len(authors[1].Books), 2)
			is.Equal(authors[1].Books[0].Title, "solaris")
		})
	})
}

func TestWithoutRaiseLoad(t *testing.T) {
	backends(t, func(t *testing.T, open func(t *testing.T, opts ...quarry.OpenOption) *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		rec := quarrytest.Record()
		db := open(t, rec.Option())
		seed(t, db)
		s := db.Session()
		defer s.Close(ctx)
		authors, err := quarry.Select(QAuthors).OrderBy(QAuthors.ID).All(ctx, s)
		is.NoErr(err)
		rec.Reset()
		is.NoErr(QAuthors.Books.Load(ctx, s, authors...)) // the ordinary load runs
		rec.AssertCount(t, 1)
		is.Equal(len(authors[0].Books), 2)
	})
}
