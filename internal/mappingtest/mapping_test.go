// Package mappingtest checks how mappings are published: a failed TryTable
// registers nothing, tables mapped while other goroutines run statements
// do not rewrite what those statements read, and configuration reports
// foreign keys whose Go type cannot hold the referenced key. It has a test
// binary of its own because the last check leaves the mapping registry in
// error, as a mapping mistake would leave a program's.
package mappingtest_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type Parent struct {
	ID       int64
	Name     string
	Children []*Child
}

type ParentTable struct {
	quarry.Entity[Parent]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Name     quarry.Column[string]
	Children quarry.Many[Parent, Child] `quarry:"back=Parent"`
}

type Child struct {
	ID       int64
	ParentID *int64
	Parent   *Parent
}

type ChildTable struct {
	quarry.Entity[Child]
	ID       quarry.Column[int64]      `quarry:"id,pk"`
	ParentID quarry.Column[*int64]     `quarry:"parent_id,fk=mt_parents.id"`
	Parent   quarry.One[Child, Parent] `quarry:"back=Children"`
}

var (
	Parents  = quarry.Table[Parent, ParentTable]("mt_parents")
	Children = quarry.Table[Child, ChildTable]("mt_children")
)

// Broken has a relationship to a type nobody maps, then a field that is
// not a column: its TryTable fails.
type Broken struct {
	ID      int64
	Orphans []*Unmapped
}

type Unmapped struct{ ID int64 }

type BrokenTable struct {
	quarry.Entity[Broken]
	ID      quarry.Column[int64] `quarry:"id,pk"`
	Orphans quarry.Many[Broken, Unmapped]
	Bad     int
}

// Late1..Late3 are mapped while statements run.
type Late1 struct {
	ID       int64
	ParentID *int64
	Parent   *Parent
}

type Late1Table struct {
	quarry.Entity[Late1]
	ID       quarry.Column[int64]      `quarry:"id,pk"`
	ParentID quarry.Column[*int64]     `quarry:"parent_id,fk=mt_parents.id"`
	Parent   quarry.One[Late1, Parent] `quarry:""`
}

type Late2 struct {
	ID       int64
	ParentID *int64
	Parent   *Parent
}

type Late2Table struct {
	quarry.Entity[Late2]
	ID       quarry.Column[int64]      `quarry:"id,pk"`
	ParentID quarry.Column[*int64]     `quarry:"parent_id,fk=mt_parents.id"`
	Parent   quarry.One[Late2, Parent] `quarry:""`
}

// WrongFK references an integer key with a string.
type WrongFK struct {
	ID       int64
	ParentID string
}

type WrongFKTable struct {
	quarry.Entity[WrongFK]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	ParentID quarry.Column[string] `quarry:"parent_id,fk=mt_parents.id"`
}

func TestMappingPublication(t *testing.T) {
	t.Run("failed TryTable registers nothing", func(t *testing.T) {
		is := is.New(t)
		_, err := quarry.TryTable[Broken, BrokenTable]("mt_broken")
		is.True(errors.Is(err, quarry.ErrMapping))
		is.True(strings.Contains(err.Error(), "Bad"))
		is.NoErr(quarry.Configure()) // its relationship to Unmapped is not there
	})

	t.Run("mapping while statements run", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, db *quarry.DB) {
			is := is.New(t)
			ctx := context.Background()
			is.NoErr(db.CreateAll(ctx, Parents, Children))
			s := db.Session()
			defer s.Close(ctx)
			is.NoErr(s.Add(&Parent{Name: "p", Children: []*Child{{}, {}}}))
			is.NoErr(s.Commit(ctx))

			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 3 {
				wg.Go(func() {
					for range 20 {
						ps, err := quarry.Select(Parents).Options(quarry.SelectIn(Parents.Children)).All(ctx, db)
						if err == nil && (len(ps) != 1 || len(ps[0].Children) != 2) {
							err = errors.New("wrong rows")
						}
						if err != nil {
							errs <- err
							return
						}
					}
				})
			}
			// The first backend maps the late tables; the others try
			// again and are refused (a failed TryTable while statements
			// run). Either way the readers see nothing change.
			for _, err := range []error{
				try[Late1, Late1Table]("mt_late1"),
				quarry.Configure(),
				try[Late2, Late2Table]("mt_late2"),
				quarry.Configure(),
			} {
				is.True(err == nil || strings.Contains(err.Error(), "already mapped"))
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				is.NoErr(err)
			}
			is.NoErr(quarry.Configure())
		})
	})

	t.Run("foreign key of the wrong type", func(t *testing.T) {
		is := is.New(t)
		_, err := quarry.TryTable[WrongFK, WrongFKTable]("mt_wrong_fk")
		is.NoErr(err) // found when the links are resolved
		err = quarry.Configure()
		is.True(errors.Is(err, quarry.ErrMapping))
		is.True(strings.Contains(err.Error(), "WrongFK.ParentID is string"))
		is.True(strings.Contains(err.Error(), "int64"))
	})
}

// try maps E to name and returns only the error.
func try[E, M any, PM quarry.TableStruct[E, M]](name string) error {
	_, err := quarry.TryTable[E, M, PM](name)
	return err
}
