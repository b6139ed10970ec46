package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Tests of lifecycle hooks and statement observers (issue 16 item 3).
// Tables are prefixed hk_.

// HKParent has children by a cascade; its hooks record themselves.
type HKParent struct {
	ID       int64
	Name     string
	Children []*HKChild
}

// HKParentTable maps HKParent to hk_parents.
type HKParentTable struct {
	quarry.Entity[HKParent]
	ID       quarry.Column[int64]           `quarry:"id,pk"`
	Name     quarry.Column[string]          `quarry:"name,len=30,unique"`
	Children quarry.Many[HKParent, HKChild] `quarry:"order=id,back=Parent,cascade=all"`
}

// HKChild stamps itself in BeforeInsert and BeforeUpdate.
type HKChild struct {
	ID       int64
	ParentID int64
	Name     string
	Stamp    string
	Parent   *HKParent
}

// HKChildTable maps HKChild to hk_children.
type HKChildTable struct {
	quarry.Entity[HKChild]
	ID       quarry.Column[int64]          `quarry:"id,pk"`
	ParentID quarry.Column[int64]          `quarry:"parent_id,fk=hk_parents.id"`
	Name     quarry.Column[string]         `quarry:"name,len=30"`
	Stamp    quarry.Column[string]         `quarry:"stamp,len=30"`
	Parent   quarry.One[HKChild, HKParent] `quarry:"back=Children"`
}

var (
	HKParents  = quarry.Table[HKParent, HKParentTable]("hk_parents")
	HKChildren = quarry.Table[HKChild, HKChildTable]("hk_children")
)

// hkHooks records the hooks called, and fails the one named by fail.
var hkHooks struct {
	mu   sync.Mutex
	log  []string
	fail string
}

var errHKRefused = errors.New("hook refused")

func hkRecord(ctx context.Context, event string) error {
	hkHooks.mu.Lock()
	defer hkHooks.mu.Unlock()
	if ctx == nil {
		return errors.New("nil context")
	}
	hkHooks.log = append(hkHooks.log, event)
	if hkHooks.fail == event {
		return errHKRefused
	}
	return nil
}

func hkReset(fail string) {
	hkHooks.mu.Lock()
	defer hkHooks.mu.Unlock()
	hkHooks.log, hkHooks.fail = nil, fail
}

func hkTaken() []string {
	hkHooks.mu.Lock()
	defer hkHooks.mu.Unlock()
	out := hkHooks.log
	hkHooks.log = nil
	return out
}

func (p *HKParent) BeforeInsert(ctx context.Context) error {
	return hkRecord(ctx, fmt.Sprintf("BeforeInsert parent %s id=%d", p.Name, p.ID))
}
func (p *HKParent) AfterInsert(ctx context.Context) error {
	return hkRecord(ctx, fmt.Sprintf("AfterInsert parent %s id=%d", p.Name, p.ID))
}
func (p *HKParent) BeforeDelete(ctx context.Context) error {
	return hkRecord(ctx, "BeforeDelete parent "+p.Name)
}
func (p *HKParent) AfterDelete(ctx context.Context) error {
	return hkRecord(ctx, "AfterDelete parent "+p.Name)
}

func (c *HKChild) BeforeInsert(ctx context.Context) error {
	c.Stamp = "ins"
	return hkRecord(ctx, fmt.Sprintf("BeforeInsert child %s parent=%d", c.Name, c.ParentID))
}
func (c *HKChild) AfterInsert(ctx context.Context) error {
	return hkRecord(ctx, fmt.Sprintf("AfterInsert child %s id=%d", c.Name, c.ID))
}
func (c *HKChild) BeforeUpdate(ctx context.Context) error {
	c.Stamp = "upd:" + c.Name
	return hkRecord(ctx, "BeforeUpdate child "+c.Name)
}
func (c *HKChild) AfterUpdate(ctx context.Context) error {
	return hkRecord(ctx, "AfterUpdate child "+c.Name)
}
func (c *HKChild) BeforeDelete(ctx context.Context) error {
	return hkRecord(ctx, "BeforeDelete child "+c.Name)
}
func (c *HKChild) AfterDelete(ctx context.Context) error {
	return hkRecord(ctx, "AfterDelete child "+c.Name)
}
func (c *HKChild) AfterLoad(ctx context.Context) error {
	return hkRecord(ctx, "AfterLoad child "+c.Name)
}

func hkSetup(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.DropAll(ctx, HKChildren, HKParents); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAll(ctx, HKParents, HKChildren); err != nil {
		t.Fatal(err)
	}
	hkReset("")
}

// hkRows reads the rows of both tables in a fresh Session, without the
// AfterLoad hooks they run in the log.
func hkRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	ctx := context.Background()
	s := db.Session()
	defer s.Close(ctx)
	var out []string
	ps, err := quarry.Select(HKParents).OrderBy(HKParents.ID.Asc()).All(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		out = append(out, fmt.Sprintf("parent %d %s", p.ID, p.Name))
	}
	cs, err := quarry.Select(HKChildren).OrderBy(HKChildren.ID.Asc()).All(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("child %d %d %s %s", c.ID, c.ParentID, c.Name, c.Stamp))
	}
	hkTaken()
	return out
}

func TestHooksOrderAcrossCascade(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		hkSetup(t, db)
		log.Reset()

		s := db.Session()
		defer s.Close(ctx)
		p := &HKParent{Name: "p", Children: []*HKChild{{Name: "a"}, {Name: "b"}}}
		s.Add(p)
		is.NoErr(s.Commit(ctx))
		is.Equal(hkTaken(), []string{
			"BeforeInsert parent p id=0",
			"AfterInsert parent p id=1",
			"BeforeInsert child a parent=1", // after the parent's INSERT: its key is known
			"BeforeInsert child b parent=1",
			"AfterInsert child a id=1",
			"AfterInsert child b id=2",
		}) // insert hooks, parents first
		is.Equal(log.Statements(), []string{
			"BEGIN",
			hkInsertParent(db),
			hkInsertChildren(db),
			"COMMIT",
		}) // one INSERT per table, the children's stamp from the hook
		is.Equal(hkRows(t, db), []string{"parent 1 p", "child 1 1 a ins", "child 2 1 b ins"})

		// BeforeUpdate's own change is written with the program's.
		log.Reset()
		p.Children[1].Name = "b2"
		is.NoErr(s.Commit(ctx))
		is.Equal(hkTaken(), []string{"BeforeUpdate child b2", "AfterUpdate child b2"})
		is.Equal(log.Statements()[1], `UPDATE "hk_children" SET "name" = `+hkPh(db, 1)+`, "stamp" = `+hkPh(db, 2)+` WHERE "hk_children"."id" = `+hkPh(db, 3))
		is.Equal(hkRows(t, db), []string{"parent 1 p", "child 1 1 a ins", "child 2 1 b2 upd:b2"})

		// AfterLoad: once per object built from a row, not for identity
		// map hits.
		s2 := db.Session()
		defer s2.Close(ctx)
		cs, err := quarry.Select(HKChildren).OrderBy(HKChildren.ID.Asc()).All(ctx, s2)
		is.NoErr(err)
		is.Equal(len(cs), 2)
		is.Equal(hkTaken(), []string{"AfterLoad child a", "AfterLoad child b2"})
		_, err = quarry.Select(HKChildren).All(ctx, s2)
		is.NoErr(err)
		is.Equal(len(hkTaken()), 0) // the same objects: no AfterLoad again
		// Outside a Session every row is a new object.
		_, err = quarry.Select(HKChildren).Where(HKChildren.Name.Eq("a")).All(ctx, db)
		is.NoErr(err)
		is.Equal(hkTaken(), []string{"AfterLoad child a"})

		// Delete cascade: children first, then the parent.
		log.Reset()
		s.Delete(p)
		is.NoErr(s.Commit(ctx))
		is.Equal(hkTaken(), []string{
			"BeforeDelete child a", "BeforeDelete child b2",
			"AfterDelete child a", "AfterDelete child b2",
			"BeforeDelete parent p", "AfterDelete parent p",
		})
		is.Equal(len(hkRows(t, db)), 0)
	})
}

func TestHookErrorAbortsFlush(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		hkSetup(t, db)
		hkReset("BeforeInsert child bad parent=1")
		log.Reset()

		s := db.Session()
		defer s.Close(ctx)
		s.Add(&HKParent{Name: "p", Children: []*HKChild{{Name: "ok"}, {Name: "bad"}}})
		err := s.Commit(ctx)
		is.True(errors.Is(err, errHKRefused)) // the hook's error, wrapped
		is.Equal(log.Statements(), []string{"BEGIN", hkInsertParent(db), "ROLLBACK"})
		is.Equal(len(hkRows(t, db)), 0) // nothing written

		// The Session is usable: with the cause gone the same objects
		// are written.
		hkReset("")
		is.NoErr(s.Commit(ctx))
		// A PostgreSQL sequence does not roll back: the parent's retry
		// takes the next key.
		pid := 1
		if db.Dialect().Name() == "postgres" {
			pid = 2
		}
		is.Equal(hkRows(t, db), []string{
			fmt.Sprintf("parent %d p", pid),
			fmt.Sprintf("child 1 %d ok ins", pid),
			fmt.Sprintf("child 2 %d bad ins", pid),
		})

		// A failing AfterInsert rolls back too.
		hkReset(fmt.Sprintf("AfterInsert parent q id=%d", pid+1))
		s.Add(&HKParent{Name: "q"})
		is.True(errors.Is(s.Commit(ctx), errHKRefused))
		is.Equal(len(hkRows(t, db)), 3)
	})
}

func TestHooksOfInsertValues(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		hkSetup(t, db)
		_, err := quarry.Insert(HKParents).Values(&HKParent{ID: 1, Name: "p"}).Exec(ctx, db)
		is.NoErr(err)
		hkTaken()
		log.Reset()
		cs := []*HKChild{{ID: 1, ParentID: 1, Name: "a"}, {ID: 2, ParentID: 1, Name: "b"}}
		n, err := quarry.Insert(HKChildren).Values(cs...).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		is.Equal(hkTaken(), []string{
			"BeforeInsert child a parent=1", "BeforeInsert child b parent=1",
			"AfterInsert child a id=1", "AfterInsert child b id=2",
		})
		is.Equal(log.Count(), 1)
		is.Equal(hkRows(t, db), []string{"parent 1 p", "child 1 1 a ins", "child 2 1 b ins"})

		// A refusing BeforeInsert sends nothing.
		hkReset("BeforeInsert child c parent=1")
		log.Reset()
		_, err = quarry.Insert(HKChildren).Values(&HKChild{ID: 3, ParentID: 1, Name: "c"}).Exec(ctx, db)
		is.True(errors.Is(err, errHKRefused))
		is.Equal(log.Count(), 0)
	})
}

func hkPh(db *quarry.DB, n int) string {
	if db.Dialect().Name() == "postgres" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func hkInsertParent(db *quarry.DB) string {
	return `INSERT INTO "hk_parents" ("name") VALUES (` + hkPh(db, 1) + `) RETURNING "id"`
}

func hkInsertChildren(db *quarry.DB) string {
	return `INSERT INTO "hk_children" ("parent_id", "name", "stamp") VALUES (` + hkPh(db, 1) + `, ` + hkPh(db, 2) + `, ` + hkPh(db, 3) + `), (` + hkPh(db, 4) + `, ` + hkPh(db, 5) + `, ` + hkPh(db, 6) + `) RETURNING "id"`
}
