package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// OudDoc keeps Slug and Size from SQL expressions of every UPDATE.
type OudDoc struct {
	ID    int64
	Title string
	Slug  string
	Size  int64
}

type OudDocTable struct {
	quarry.Entity[OudDoc]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	Title quarry.Column[string]
	Slug  quarry.Column[string]
	Size  quarry.Column[int64]
}

func (d *OudDocTable) Defaults() []quarry.ColumnDefault {
	return []quarry.ColumnDefault{
		quarry.OnUpdateSQL(d.Slug, quarry.Lower(d.Title)),
		quarry.OnUpdateSQL(d.Size, quarry.Length(d.Title)),
	}
}

var OudDocs = quarry.Table[OudDoc, OudDocTable]("oud_docs")

// The flush sets the columns from their expressions, evaluated by the
// database over the row as it was before the UPDATE, and reads them back
// into the object with RETURNING; a column the program set is written
// as set.
func TestOnUpdateSQLFlush(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, OudDocs))
		s := db.Session()
		defer s.Close(ctx)
		doc := &OudDoc{Title: "Draft"}
		is.NoErr(s.Add(doc))
		is.NoErr(s.Commit(ctx))

		doc.Title = "Final Text"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		stmts := sqlOnly(log.Statements())
		is.Equal(stmts[len(stmts)-1], `UPDATE "oud_docs" SET "title" = ?, "slug" = lower("oud_docs"."title"), "size" = length("oud_docs"."title") WHERE "oud_docs"."id" = ? RETURNING "slug", "size"`)
		is.Equal(*doc, OudDoc{ID: doc.ID, Title: "Final Text", Slug: "draft", Size: 5}) // the row before the UPDATE
		is.Equal(len(s.Dirty()), 0)

		doc.Title = "Again"
		doc.Slug = "mine"
		is.NoErr(s.Commit(ctx))
		got, err := quarry.Select(OudDocs).One(ctx, db)
		is.NoErr(err)
		is.Equal(*got, OudDoc{ID: doc.ID, Title: "Again", Slug: "mine", Size: 10})
		is.Equal(*doc, *got)
	})
}

// A failed flush gives the object its values back.
func TestOnUpdateSQLFailedFlush(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, OudDocs, MgDocs))
		s := db.Session()
		defer s.Close(ctx)
		doc := &OudDoc{Title: "Draft", Slug: "s", Size: 1}
		is.NoErr(s.Add(doc))
		is.NoErr(s.Commit(ctx))
		doc.Title = "Next"
		is.NoErr(s.Add(&MgDoc{ID: 1, Title: "x"}, &MgDoc{ID: 1, Title: "dup"}))
		is.True(s.Commit(ctx) != nil)
		is.Equal(*doc, OudDoc{ID: doc.ID, Title: "Next", Slug: "s", Size: 1})
		got, err := quarry.Select(OudDocs).One(ctx, db)
		is.NoErr(err)
		is.Equal(*got, OudDoc{ID: doc.ID, Title: "Draft", Slug: "s", Size: 1})
	})
}

// UPDATE statements that do not set the column set it from the
// expression.
func TestOnUpdateSQLStatement(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, OudDocs))
		_, err := quarry.Insert(OudDocs).Values(&OudDoc{ID: 1, Title: "One"}, &OudDoc{ID: 2, Title: "Two"}).Exec(ctx, db)
		is.NoErr(err)
		n, err := quarry.Update(OudDocs).Set(quarry.Set(OudDocs.Title, "Renamed")).Where(OudDocs.ID.Eq(2)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		docs, err := quarry.Select(OudDocs).OrderBy(OudDocs.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(*docs[0], OudDoc{ID: 1, Title: "One"})
		is.Equal(*docs[1], OudDoc{ID: 2, Title: "Renamed", Slug: "two", Size: 3})
	})
}

type OudBad struct {
	ID   int64
	Name string
}

type OudBadTable struct {
	quarry.Entity[OudBad]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Name quarry.Column[string]
}

func (b *OudBadTable) Defaults() []quarry.ColumnDefault {
	return []quarry.ColumnDefault{quarry.OnUpdateSQL(b.Name, quarry.Lower(quarry.Value("X")))}
}

// An expression that binds a value is refused when the mappings are
// configured (in a Metadata of its own: the default one would refuse
// every table of the package).
func TestOnUpdateSQLRefusesBoundValues(t *testing.T) {
	is := is.New(t)
	md := quarry.NewMetadata()
	_, err := quarry.TableIn[OudBad, OudBadTable](md, "oud_bad")
	is.NoErr(err)
	err = md.Configure()
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "OnUpdateSQL(name)"))
	is.True(strings.Contains(err.Error(), "binds 1 value"))
}
