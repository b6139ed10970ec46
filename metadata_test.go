package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// MdAuthor and MdBook are mapped only into Metadata values of their own,
// never into the default one.
type MdAuthor struct {
	ID    int64
	Name  string
	Books []*MdBook
}

type MdAuthorTable struct {
	quarry.Entity[MdAuthor]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	Name  quarry.Column[string]
	Books quarry.Many[MdAuthor, MdBook] `quarry:"back=Author,cascade=all,delete-orphan,order=id"`
}

type MdBook struct {
	ID       int64
	Title    string
	AuthorID *int64
	Author   *MdAuthor
}

type MdBookTable struct {
	quarry.Entity[MdBook]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Title    quarry.Column[string]
	AuthorID quarry.Column[*int64]        `quarry:"author_id,fk=md_authors.id"`
	Author   quarry.One[MdBook, MdAuthor] `quarry:"back=Books"`
}

// mapLibrary maps the two tables into a new Metadata.
func mapLibrary(t *testing.T) (*quarry.Metadata, *MdAuthorTable, *MdBookTable) {
	t.Helper()
	md := quarry.NewMetadata()
	authors, err := quarry.TableIn[MdAuthor, MdAuthorTable](md, "md_authors")
	if err != nil {
		t.Fatal(err)
	}
	books, err := quarry.TableIn[MdBook, MdBookTable](md, "md_books")
	if err != nil {
		t.Fatal(err)
	}
	return md, authors, books
}

// The same Go types map into two Metadata values independently, and a
// DB opened WithMetadata serves them, relationships and cascades included.
func TestMetadataSeparateMappings(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			is := is.New(t)
			ctx := context.Background()
			md1, authors, books := mapLibrary(t)
			md2, _, _ := mapLibrary(t) // the same types again, elsewhere
			is.NoErr(md1.Configure())
			is.NoErr(md2.Configure())
			is.Equal(md1.Tables(), []string{"md_authors", "md_books"})

			log := testdb.NewLog()
			db := testdb.Open(t, backend, quarry.WithMetadata(md1), quarry.WithLogger(log.Logger()))
			is.NoErr(db.CreateAll(ctx, authors, books))
			s := db.Session()
			defer s.Close(ctx)
			a := &MdAuthor{Name: "ann", Books: []*MdBook{{Title: "one"}, {Title: "two"}}}
			is.NoErr(s.Add(a)) // found through the DB's metadata
			is.NoErr(s.Commit(ctx))
			got, err := quarry.Select(books.Title).Join(books.Author).Where(authors.Name.Eq("ann")).OrderBy(books.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(got, []string{"one", "two"})

			// The default metadata does not know these types.
			other := testdb.Open(t, backend)
			s2 := other.Session()
			defer s2.Close(ctx)
			log.Reset()
			err = s2.Add(&MdAuthor{Name: "bob"})
			is.True(errors.Is(err, quarry.ErrNotMapped))
		})
	}
}

// A failed mapping registers nothing, and a configuration mistake in one
// Metadata leaves the others usable.
func TestMetadataFailuresStayLocal(t *testing.T) {
	is := is.New(t)
	md := quarry.NewMetadata()
	type Broken struct{ ID int64 }
	type BrokenTable struct {
		quarry.Entity[Broken]
		ID    quarry.Column[int64] `quarry:"id,pk"`
		Extra quarry.Column[string]
	}
	_, err := quarry.TableIn[Broken, BrokenTable](md, "md_broken")
	is.True(errors.Is(err, quarry.ErrMapping)) // Extra has no field
	is.Equal(md.Tables(), []string{})

	// Books without authors: the foreign key and the relationships name a
	// table this metadata lacks.
	_, err = quarry.TableIn[MdBook, MdBookTable](md, "md_books")
	is.NoErr(err)
	err = md.Configure()
	is.True(errors.Is(err, quarry.ErrMapping))
	is.Equal(md.Configure(), err) // the result is kept until the next mapping
	_, err = quarry.TableIn[MdBook, MdBookTable](md, "md_books")
	is.True(errors.Is(err, quarry.ErrMapping)) // mapped twice

	// Mapping the missing table fixes the metadata.
	_, err = quarry.TableIn[MdAuthor, MdAuthorTable](md, "md_authors")
	is.NoErr(err)
	is.NoErr(md.Configure())
	is.NoErr(quarry.Configure()) // the default metadata was never touched
}

var mdProbesMapped atomic.Bool

// mdProbe is instantiated with distinct type arguments to give distinct
// Go types that the concurrent test maps while others query.
type mdProbe[N any] struct {
	ID   int64
	Name string
}

type mdProbeTable[N any] struct {
	quarry.Entity[mdProbe[N]]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Name quarry.Column[string]
}

// Mapping tables (into the default metadata and into new ones) while other
// goroutines run statements, joins along relationships and flushes on the
// default metadata's tables is race-free (run with -race).
func TestMetadataConcurrentMappingAndQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		loadTutorial(t, db)

		var wg sync.WaitGroup
		errs := make(chan error, 64)
		mappers := []func() error{
			func() error {
				_, err := quarry.TryTable[mdProbe[[1]byte], mdProbeTable[[1]byte]]("md_probe_1")
				return err
			},
			func() error {
				_, err := quarry.TryTable[mdProbe[[2]byte], mdProbeTable[[2]byte]]("md_probe_2")
				return err
			},
			func() error {
				_, err := quarry.TryTable[mdProbe[[3]byte], mdProbeTable[[3]byte]]("md_probe_3")
				return err
			},
			func() error { md, _, _ := mapLibrary(t); return md.Configure() },
			func() error { md, _, _ := mapLibrary(t); return md.Configure() },
		}
		if mdProbesMapped.Swap(true) {
			mappers = mappers[3:] // a Go type maps into the default metadata once
		}
		for _, m := range mappers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := m(); err != nil {
					errs <- err
				}
				errs <- quarry.Configure()
			}()
		}
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					n, err := quarry.Select(TUsers).Join(TUsers.Addresses).Where(quarry.Like(TAddresses.EmailAddress, "%@google.com")).Count(ctx, db)
					if err == nil && n != 1 {
						err = fmt.Errorf("got %d rows, want 1", n)
					}
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			is.NoErr(err)
		}
		// A flush after the mappings still cascades along the relationships.
		s := db.Session()
		defer s.Close(ctx)
		jack, err := quarry.Select(TUsers).Where(TUsers.Name.Eq("jack")).Options(quarry.SelectIn(TUsers.Addresses)).One(ctx, s)
		is.NoErr(err)
		is.Equal(len(jack.Addresses), 2)
		jack.Addresses = jack.Addresses[:1] // delete-orphan removes the other
		is.NoErr(s.Commit(ctx))
		n, err := quarry.Select(TAddresses).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
	})
}

// A relationship operator over a mapping that cannot be configured fails
// with the mapping error itself (errors.Is finds ErrMapping, the message
// says "quarry:" once), before any SQL is sent.
func TestMetadataBrokenRelationshipOperators(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		md := quarry.NewMetadata()
		authors, err := quarry.TableIn[MdAuthor, MdAuthorTable](md, "md_authors")
		is.NoErr(err) // its books are never mapped here
		log.Reset()
		for _, cond := range []quarry.Condition{
			authors.Books.Any(),
			authors.Books.Contains(&MdBook{ID: 1}),
		} {
			_, err := quarry.Select(authors).Where(cond).All(ctx, db)
			is.True(errors.Is(err, quarry.ErrMapping))
			is.Equal(strings.Count(err.Error(), "quarry:"), 1)
		}
		is.Equal(log.Count(), 0)
	})
}
