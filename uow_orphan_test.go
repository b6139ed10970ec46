package quarry_test

// Ports of SQLAlchemy's test/orm/test_cascade.py for delete-orphan on the
// many side with single_parent: M2OCascadeDeleteOrphanTestOne,
// M2OCascadeDeleteOrphanTestTwo, M2MCascadeTest and O2OSingleParentTest.
// SQLAlchemy raises the single-parent error when the attribute is set;
// quarry raises it at the flush (Go has no attribute events), so those
// cases assert the failed flush, that it wrote nothing, and that the
// Session flushes again once the program fixes the cause.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// M2OCascadeDeleteOrphanTestOne: users -> prefs (cascade "all,
// delete-orphan", single_parent) -> extra (cascade "all, delete"), and a
// plain many-to-one users -> foo.

type OpUser struct {
	ID     int64
	Name   string
	PrefID *int64
	Pref   *OpPref
	FooID  *int64
	Foo    *OpFoo
}

type OpUserTable struct {
	quarry.Entity[OpUser]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Name   quarry.Column[string]
	PrefID quarry.Column[*int64]      `quarry:"pref_id,fk=op_prefs.id"`
	Pref   quarry.One[OpUser, OpPref] `quarry:"cascade=all,delete-orphan,single_parent"`
	FooID  quarry.Column[*int64]      `quarry:"foo_id,fk=op_foos.id"`
	Foo    quarry.One[OpUser, OpFoo]
}

type OpPref struct {
	ID     int64
	Data   string
	Extras []*OpExtra
}

type OpPrefTable struct {
	quarry.Entity[OpPref]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Data   quarry.Column[string]
	Extras quarry.Many[OpPref, OpExtra] `quarry:"order=id,cascade=all"`
}

type OpExtra struct {
	ID      int64
	PrefsID *int64
}

type OpExtraTable struct {
	quarry.Entity[OpExtra]
	ID      quarry.Column[int64]  `quarry:"id,pk"`
	PrefsID quarry.Column[*int64] `quarry:"prefs_id,fk=op_prefs.id"`
}

type OpFoo struct {
	ID   int64
	Data string
}

type OpFooTable struct {
	quarry.Entity[OpFoo]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Data quarry.Column[string]
}

// M2OCascadeDeleteOrphanTestTwo: t1 -> t2 -> t3, both many-to-ones with
// cascade "all, delete-orphan" and single_parent; t2.t3 has the backref
// t3.t2 (uselist=False).

type OpT1 struct {
	ID   int64
	Data string
	T2ID *int64
	T2   *OpT2
}

type OpT1Table struct {
	quarry.Entity[OpT1]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Data quarry.Column[string]
	T2ID quarry.Column[*int64]  `quarry:"t2id,fk=op_t2.id"`
	T2   quarry.One[OpT1, OpT2] `quarry:"cascade=all,delete-orphan,single_parent"`
}

type OpT2 struct {
	ID   int64
	Data string
	T3ID *int64
	T3   *OpT3
}

type OpT2Table struct {
	quarry.Entity[OpT2]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Data quarry.Column[string]
	T3ID quarry.Column[*int64]  `quarry:"t3id,fk=op_t3.id"`
	T3   quarry.One[OpT2, OpT3] `quarry:"cascade=all,delete-orphan,single_parent,back=T2"`
}

type OpT3 struct {
	ID   int64
	Data string
	T2   *OpT2
}

type OpT3Table struct {
	quarry.Entity[OpT3]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Data quarry.Column[string]
	T2   quarry.One[OpT3, OpT2] `quarry:"back=T3"`
}

// M2MCascadeTest: a -> b through atob (cascade "all, delete-orphan",
// single_parent), b -> c (cascade "all, delete-orphan").

type OpA struct {
	ID   int64
	Data string
	Bs   []*OpB
}

type OpATable struct {
	quarry.Entity[OpA]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Data quarry.Column[string]
	Bs   quarry.ManyToMany[OpA, OpB] `quarry:"secondary=op_atob,order=id,cascade=all,delete-orphan,single_parent"`
}

type OpB struct {
	ID   int64
	Data string
	Cs   []*OpC
}

type OpBTable struct {
	quarry.Entity[OpB]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Data quarry.Column[string]
	Cs   quarry.Many[OpB, OpC] `quarry:"order=id,cascade=all,delete-orphan"`
}

type OpC struct {
	ID   int64
	Data string
	BID  *int64
}

type OpCTable struct {
	quarry.Entity[OpC]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Data quarry.Column[string]
	BID  quarry.Column[*int64] `quarry:"bid,fk=op_b.id"`
}

var (
	OpUsers  = quarry.Table[OpUser, OpUserTable]("op_users")
	OpPrefs  = quarry.Table[OpPref, OpPrefTable]("op_prefs")
	OpExtras = quarry.Table[OpExtra, OpExtraTable]("op_extras")
	OpFoos   = quarry.Table[OpFoo, OpFooTable]("op_foos")
	OpT1s    = quarry.Table[OpT1, OpT1Table]("op_t1")
	OpT2s    = quarry.Table[OpT2, OpT2Table]("op_t2")
	OpT3s    = quarry.Table[OpT3, OpT3Table]("op_t3")
	OpAs     = quarry.Table[OpA, OpATable]("op_a")
	OpBs     = quarry.Table[OpB, OpBTable]("op_b")
	OpCs     = quarry.Table[OpC, OpCTable]("op_c")
	OpAtoB   = quarry.Association("op_atob", quarry.AssocColumn("aid", "op_a.id"), quarry.AssocColumn("bid", "op_b.id"))
)

// opEach runs fn on every backend with the schema created and a logged
// Session.
func opEach(t *testing.T, fn func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log)) {
	t.Helper()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		if err := db.CreateAll(context.Background(), OpFoos, OpPrefs, OpExtras, OpUsers, OpT3s, OpT2s, OpT1s, OpAs, OpBs, OpCs, OpAtoB); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		fn(t, db, relSession(t, db), log)
	})
}

// opAtoBRows counts the rows of op_atob, which maps no entity to query:
// an UPDATE that changes nothing reports how many rows it matched.
func opAtoBRows(t *testing.T, db *quarry.DB) int64 {
	t.Helper()
	n, err := db.Exec(context.Background(), quarry.Text("UPDATE op_atob SET aid = aid"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// opUsersData is insert_data of M2OCascadeDeleteOrphanTestOne: three
// users, each with a pref that has one extra.
func opUsersData(t *testing.T, db *quarry.DB) {
	t.Helper()
	err := db.Transaction(context.Background(), func(s *quarry.Session) error {
		for _, n := range []string{"ed", "jack", "foo"} {
			p := &OpPref{Data: "pref " + map[string]string{"ed": "1", "jack": "2", "foo": "3"}[n], Extras: []*OpExtra{{}}}
			if err := s.Add(&OpUser{Name: n, Pref: p}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// opUser loads the user named name with its pref (SQLAlchemy's
// lazy="joined").
func opUser(t *testing.T, s *quarry.Session, name string) *OpUser {
	t.Helper()
	u, err := quarry.Select(OpUsers).Where(OpUsers.Name.Eq(name)).Options(quarry.Joined(OpUsers.Pref)).One(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func opPrefData(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	data, err := quarry.Select(OpPrefs.Data).OrderBy(OpPrefs.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_orphan
func TestSA_M2OCascadeDeleteOrphanTestOne_test_orphan(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		opUsersData(t, db)
		is.Equal(count(t, db, OpPrefs), int64(3))
		is.Equal(count(t, db, OpExtras), int64(3))
		jack := opUser(t, s, "jack")
		pref := jack.Pref
		is.True(pref != nil)
		jack.Pref = nil
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{
			// the pref's extras were never loaded: loaded to delete them by key
			"SELECT op_extras.id, op_extras.prefs_id FROM op_extras WHERE ? = op_extras.prefs_id ORDER BY op_extras.id",
			"UPDATE op_users SET pref_id = ? WHERE op_users.id = ?",
			"DELETE FROM op_extras WHERE op_extras.id = ?",
			"DELETE FROM op_prefs WHERE op_prefs.id = ?",
		})
		is.NoErr(s.Commit(ctx))
		is.True(!s.Contains(pref))
		is.Equal(count(t, db, OpPrefs), int64(2))
		is.Equal(count(t, db, OpExtras), int64(2))
		is.Equal(opPrefData(t, db), []string{"pref 1", "pref 3"})
	})
}

// test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_pending_expunge.
// The save-update cascade runs at Add and at flush, not on assignment:
// p1 comes in with the Add of someuser, and is a pending orphan once
// someuser points elsewhere.
func TestSA_M2OCascadeDeleteOrphanTestOne_test_pending_expunge(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		p1 := &OpPref{Data: "somepref"}
		someuser := &OpUser{Name: "someuser", Pref: p1}
		is.NoErr(s.Add(someuser))
		is.True(s.Contains(p1))
		p2 := &OpPref{Data: "someotherpref"}
		someuser.Pref = p2
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.True(!s.Contains(p1))
		is.True(s.Contains(p2))
		is.Equal(len(relFlushSQL(log)), 2) // one INSERT per table: p2 and someuser
		is.NoErr(s.Commit(ctx))
		is.Equal(opPrefData(t, db), []string{"someotherpref"})
		u, err := quarry.Get(ctx, relSession(t, db), OpUsers, someuser.ID)
		is.NoErr(err)
		is.Equal(*u.PrefID, p2.ID)
	})
}

// test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_double_assignment:
// the pref jack lets go of is an orphan however often the new one is
// assigned.
func TestSA_M2OCascadeDeleteOrphanTestOne_test_double_assignment(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		opUsersData(t, db)
		jack := opUser(t, s, "jack")
		newpref := &OpPref{Data: "newpref"}
		jack.Pref = newpref
		jack.Pref = newpref
		is.NoErr(s.Commit(ctx))
		is.Equal(opPrefData(t, db), []string{"pref 1", "pref 3", "newpref"})
		is.Equal(*jack.PrefID, newpref.ID)
		is.Equal(count(t, db, OpExtras), int64(2)) // pref 2's extra went with it
	})
}

// A pref moved from one user to another keeps its row: it has a parent.
func TestSA_M2OCascadeDeleteOrphanTestOne_move_keeps(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		opUsersData(t, db)
		jack, ed := opUser(t, s, "jack"), opUser(t, s, "ed")
		p := jack.Pref
		jack.Pref, ed.Pref = nil, p
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			// pref 1, ed's, lost its parent: its extras are loaded to be deleted
			"SELECT op_extras.id, op_extras.prefs_id FROM op_extras WHERE ? = op_extras.prefs_id ORDER BY op_extras.id",
			"UPDATE op_users SET pref_id = ? WHERE op_users.id = ?",
			"UPDATE op_users SET pref_id = ? WHERE op_users.id = ?",
			"DELETE FROM op_extras WHERE op_extras.id = ?",
			"DELETE FROM op_prefs WHERE op_prefs.id = ?",
		})
		is.Equal(opPrefData(t, db), []string{"pref 2", "pref 3"})
		u, err := quarry.Get(ctx, relSession(t, db), OpUsers, ed.ID)
		is.NoErr(err)
		is.Equal(*u.PrefID, p.ID)
	})
}

// O2OSingleParentTest::test_single_parent_raise and
// M2OCascadeDeleteOrphanTestTwo::test_single_parent_raise: a second
// parent for a single-parent object. SQLAlchemy raises at the
// assignment; quarry at the flush, naming both parents, and the failed
// flush leaves everything as the program set it.
func TestSA_M2OCascadeDeleteOrphanTestTwo_test_single_parent_raise(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		y := &OpT2{Data: "T2a"}
		a := &OpT1{Data: "T1a", T2: y}
		is.NoErr(s.Add(a))
		is.NoErr(s.Commit(ctx))
		b := &OpT1{Data: "T1b", T2: y}
		is.NoErr(s.Add(b))
		log.Reset()
		err := s.Flush(ctx)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "OpT1Table.T2 is single_parent"))
		is.True(strings.Contains(err.Error(), "quarry_test.OpT2 [1] is held by quarry_test.OpT1 [1] and by a new quarry_test.OpT1"))
		is.Equal(relFlushSQL(log), []string(nil)) // nothing sent
		is.True(a.T2 == y && b.T2 == y)           // objects as the program left them
		is.True(s.Contains(b))
		// Fixed, the Session flushes.
		b.T2 = &OpT2{Data: "T2b"}
		is.NoErr(s.Commit(ctx))
		is.Equal(count(t, db, OpT1s), int64(2))
		is.Equal(count(t, db, OpT2s), int64(2))
	})
}

// test_cascade.py::M2OCascadeDeleteOrphanTestTwo::test_cascade_delete
func TestSA_M2OCascadeDeleteOrphanTestTwo_test_cascade_delete(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		x := &OpT1{Data: "t1a", T2: &OpT2{Data: "t2a", T3: &OpT3{Data: "t3a"}}}
		is.NoErr(s.Add(x))
		is.NoErr(s.Flush(ctx))
		is.NoErr(s.Delete(x))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{
			"DELETE FROM op_t1 WHERE op_t1.id = ?",
			"DELETE FROM op_t2 WHERE op_t2.id = ?",
			"DELETE FROM op_t3 WHERE op_t3.id = ?",
		})
		is.NoErr(s.Commit(ctx))
		is.Equal(count(t, db, OpT1s), int64(0))
		is.Equal(count(t, db, OpT2s), int64(0))
		is.Equal(count(t, db, OpT3s), int64(0))
	})
}

// test_cascade.py::M2OCascadeDeleteOrphanTestTwo::test_deletes_orphans_onelevel
func TestSA_M2OCascadeDeleteOrphanTestTwo_test_deletes_orphans_onelevel(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		x2 := &OpT1{Data: "t1b", T2: &OpT2{Data: "t2b", T3: &OpT3{Data: "t3b"}}}
		is.NoErr(s.Add(x2))
		is.NoErr(s.Flush(ctx))
		x2.T2 = nil
		is.NoErr(s.Delete(x2))
		is.NoErr(s.Commit(ctx))
		is.Equal(count(t, db, OpT1s), int64(0))
		is.Equal(count(t, db, OpT2s), int64(0))
		is.Equal(count(t, db, OpT3s), int64(0))
	})
}

// test_cascade.py::M2OCascadeDeleteOrphanTestTwo::test_deletes_orphans_twolevel
func TestSA_M2OCascadeDeleteOrphanTestTwo_test_deletes_orphans_twolevel(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		x := &OpT1{Data: "t1a", T2: &OpT2{Data: "t2a", T3: &OpT3{Data: "t3a"}}}
		is.NoErr(s.Add(x))
		is.NoErr(s.Flush(ctx))
		x.T2.T3 = nil
		is.NoErr(s.Delete(x))
		is.NoErr(s.Commit(ctx))
		is.Equal(count(t, db, OpT1s), int64(0))
		is.Equal(count(t, db, OpT2s), int64(0))
		is.Equal(count(t, db, OpT3s), int64(0))
	})
}

// test_cascade.py::M2OCascadeDeleteOrphanTestTwo::test_finds_orphans_twolevel
func TestSA_M2OCascadeDeleteOrphanTestTwo_test_finds_orphans_twolevel(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		x := &OpT1{Data: "t1a", T2: &OpT2{Data: "t2a", T3: &OpT3{Data: "t3a"}}}
		is.NoErr(s.Add(x))
		is.NoErr(s.Flush(ctx))
		t3 := x.T2.T3
		x.T2.T3 = nil
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE op_t2 SET t3id = ? WHERE op_t2.id = ?",
			"DELETE FROM op_t3 WHERE op_t3.id = ?",
		})
		is.NoErr(s.Commit(ctx))
		is.True(!s.Contains(t3))
		is.Equal(count(t, db, OpT1s), int64(1))
		is.Equal(count(t, db, OpT2s), int64(1))
		is.Equal(count(t, db, OpT3s), int64(0))
	})
}

// test_cascade.py::M2OCascadeDeleteOrphanTestTwo::test_single_parent_backref:
// attaching y to a second T2 directly is an error, but setting it
// through the back-reference moves it: the old parent lets go first.
func TestSA_M2OCascadeDeleteOrphanTestTwo_test_single_parent_backref(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		y := &OpT3{Data: "T3a"}
		x := &OpT2{Data: "T2a", T3: y}
		is.NoErr(s.Add(x))
		is.NoErr(s.Commit(ctx))

		bad := &OpT2{Data: "T2b", T3: y}
		is.NoErr(s.Add(bad))
		err := s.Flush(ctx)
		is.True(err != nil && strings.Contains(err.Error(), "single_parent")) // can't attach the T3 to another T2
		bad.T3 = nil                                                          // first, or the expunge cascade takes y along
		s.Expunge(bad)

		z := &OpT2{Data: "T2b"}
		y.T2 = z
		is.NoErr(s.Add(z))
		is.NoErr(s.Commit(ctx))
		is.True(z.T3 == y)
		is.True(x.T3 == nil)
		is.Equal(count(t, db, OpT3s), int64(1)) // moved, not orphaned
		rows, err := quarry.Select2(OpT2s.Data, OpT2s.T3ID).OrderBy(OpT2s.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 2)
		is.Equal(rows[0].V2, (*int64)(nil))
		is.Equal(*rows[1].V2, y.ID)
	})
}

// test_cascade.py::M2MCascadeTest::test_delete_orphan
func TestSA_M2MCascadeTest_test_delete_orphan(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b1 := &OpB{Data: "b1"}
		a1 := &OpA{Data: "a1", Bs: []*OpB{b1}}
		is.NoErr(s.Add(a1))
		is.NoErr(s.Flush(ctx))
		a1.Bs = a1.Bs[:0]
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{
			// b1's cs are loaded to follow its delete cascade
			"SELECT op_c.id, op_c.data, op_c.bid FROM op_c WHERE ? = op_c.bid ORDER BY op_c.id",
			"DELETE FROM op_atob WHERE op_atob.bid = ?", // the association row first
			"DELETE FROM op_b WHERE op_b.id = ?",
		})
		is.NoErr(s.Commit(ctx))
		is.True(!s.Contains(b1))
		is.Equal(opAtoBRows(t, db), int64(0))
		is.Equal(count(t, db, OpBs), int64(0))
		is.Equal(count(t, db, OpAs), int64(1))
	})
}

// test_cascade.py::M2MCascadeTest::test_delete_orphan_cascades
func TestSA_M2MCascadeTest_test_delete_orphan_cascades(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b1 := &OpB{Data: "b1", Cs: []*OpC{{Data: "c1"}}}
		a1 := &OpA{Data: "a1", Bs: []*OpB{b1}}
		is.NoErr(s.Add(a1))
		is.NoErr(s.Flush(ctx))
		a1.Bs = nil
		a1.Bs = []*OpB{} // removed (nil would be "not loaded")
		is.NoErr(s.Commit(ctx))
		is.Equal(opAtoBRows(t, db), int64(0))
		is.Equal(count(t, db, OpBs), int64(0))
		is.Equal(count(t, db, OpAs), int64(1))
		is.Equal(count(t, db, OpCs), int64(0))
	})
}

// test_cascade.py::M2MCascadeTest::test_cascade_delete
func TestSA_M2MCascadeTest_test_cascade_delete(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		a1 := &OpA{Data: "a1", Bs: []*OpB{{Data: "b1"}}}
		is.NoErr(s.Add(a1))
		is.NoErr(s.Flush(ctx))
		is.NoErr(s.Delete(a1))
		is.NoErr(s.Commit(ctx))
		is.Equal(opAtoBRows(t, db), int64(0))
		is.Equal(count(t, db, OpBs), int64(0))
		is.Equal(count(t, db, OpAs), int64(0))
	})
}

// test_cascade.py::M2MCascadeTest::test_single_parent_raise, at the
// flush; the failed flush rolls back what it wrote of the first parent's
// changes and the Session is usable again.
func TestSA_M2MCascadeTest_test_single_parent_raise(t *testing.T) {
	opEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b1 := &OpB{Data: "b1"}
		a1 := &OpA{Data: "a1", Bs: []*OpB{b1}}
		a2 := &OpA{Data: "a2", Bs: []*OpB{b1}}
		is.NoErr(s.Add(a1, a2))
		err := s.Commit(ctx)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "OpATable.Bs is single_parent"))
		is.True(s.Contains(a1) && s.Contains(a2) && s.Contains(b1)) // still pending
		is.Equal(count(t, db, OpAs), int64(0))
		a2.Bs = []*OpB{}
		is.NoErr(s.Commit(ctx))
		is.Equal(count(t, db, OpAs), int64(2))
		is.Equal(opAtoBRows(t, db), int64(1))
	})
}

// OpBad* are mapped only in the Metadata of the test below, where they
// fail to configure.
type OpBadA struct {
	ID int64
	Bs []*OpBadB
}
type OpBadB struct {
	ID     int64
	AID    *int64
	Parent *OpBadA
}
type OpBadATable struct {
	quarry.Entity[OpBadA]
	ID quarry.Column[int64]              `quarry:"id,pk"`
	Bs quarry.ManyToMany[OpBadA, OpBadB] `quarry:"secondary=op_bad_atob,cascade=all,delete-orphan"`
}
type OpBadBTable struct {
	quarry.Entity[OpBadB]
	ID     quarry.Column[int64]       `quarry:"id,pk"`
	AID    quarry.Column[*int64]      `quarry:"aid,fk=op_bad_a.id"`
	Parent quarry.One[OpBadB, OpBadA] `quarry:"cascade=all,delete-orphan"`
}

// test_cascade.py::M2MCascadeTest::test_single_parent_error and the
// many-to-one equivalent: delete-orphan on the many side without
// single_parent is a configuration error naming the relationship.
func TestSA_M2MCascadeTest_test_single_parent_error(t *testing.T) {
	is := is.New(t)
	md := quarry.NewMetadata()
	_, err := quarry.TableIn[OpBadA, OpBadATable](md, "op_bad_a")
	is.NoErr(err)
	_, err = quarry.TableIn[OpBadB, OpBadBTable](md, "op_bad_b")
	is.NoErr(err)
	_, err = quarry.AssociationIn(md, "op_bad_atob", quarry.AssocColumn("aid", "op_bad_a.id"), quarry.AssocColumn("bid", "op_bad_b.id"))
	is.NoErr(err)
	err = md.Configure()
	is.True(errors.Is(err, quarry.ErrMapping))
	msg := err.Error()
	is.True(strings.Contains(msg, "for many-to-many relationship quarry_test.OpBadATable.Bs, cascade delete-orphan"))
	is.True(strings.Contains(msg, "for many-to-one relationship quarry_test.OpBadBTable.Parent, cascade delete-orphan"))
	is.True(strings.Contains(msg, "add single_parent to the tag"))
	is.NoErr(quarry.Configure()) // the default metadata is untouched
}

// A single-parent many-to-many with a back-populated other side: changes
// made from the tag's side count as the post's.

type OpPost struct {
	ID    int64
	Title string
	Tags  []*OpTag
}

type OpPostTable struct {
	quarry.Entity[OpPost]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	Title quarry.Column[string]
	Tags  quarry.ManyToMany[OpPost, OpTag] `quarry:"secondary=op_post_tags,order=id,back=Posts,cascade=all,delete-orphan,single_parent"`
}

type OpTag struct {
	ID    int64
	Name  string
	Posts []*OpPost
}

type OpTagTable struct {
	quarry.Entity[OpTag]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	Name  quarry.Column[string]
	Posts quarry.ManyToMany[OpTag, OpPost] `quarry:"secondary=op_post_tags,order=id,back=Tags"`
}

var (
	OpPosts    = quarry.Table[OpPost, OpPostTable]("op_posts")
	OpTags     = quarry.Table[OpTag, OpTagTable]("op_tags")
	OpPostTags = quarry.Association("op_post_tags", quarry.AssocColumn("post_id", "op_posts.id"), quarry.AssocColumn("tag_id", "op_tags.id"))
)

func TestSA_M2MCascadeTest_back_side(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, OpPosts, OpTags, OpPostTags))
		s := relSession(t, db)
		t1, t2 := &OpTag{Name: "t1", Posts: []*OpPost{}}, &OpTag{Name: "t2", Posts: []*OpPost{}}
		p1 := &OpPost{Title: "p1", Tags: []*OpTag{t1, t2}}
		p2 := &OpPost{Title: "p2", Tags: []*OpTag{}}
		is.NoErr(s.Add(p1, p2))
		is.NoErr(s.Commit(ctx))
		is.Equal(t1.Posts, []*OpPost{p1})

		// t1 joins p2 from its own side while p1 still holds it: a
		// second parent.
		t1.Posts = append(t1.Posts, p2)
		err := s.Flush(ctx)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "OpPostTable.Tags is single_parent"))
		is.Equal(p2.Tags, []*OpTag{}) // the failed flush took its back-population back
		t1.Posts = []*OpPost{p1}

		// t2 leaves p1 from its own side: an orphan, deleted.
		t2.Posts = []*OpPost{}
		is.NoErr(s.Commit(ctx))
		is.Equal(p1.Tags, []*OpTag{t1})
		is.True(!s.Contains(t2))
		names, err := quarry.Select(OpTags.Name).OrderBy(OpTags.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"t1"})
	})
}
