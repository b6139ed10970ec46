package quarry_test

// Ports of SQLAlchemy's test/orm/test_cycles.py: rows that refer to each
// other, broken with post_update (a second UPDATE after the INSERTs, a
// NULL before the DELETEs), and the circular-dependency error without
// it. Tables are "cy_...": each mapping of a fixture is its own table.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// OneToManyManyToOneTest without post_update: person.balls (ball.person_id)
// and person.favorite (person.favorite_ball_id).
type CyPerson struct {
	ID             int64
	FavoriteBallID *int64
	Data           string
	Balls          []*CyBall
	Favorite       *CyBall
}

type CyPersonTable struct {
	quarry.Entity[CyPerson]
	ID             quarry.Column[int64]  `quarry:"id,pk"`
	FavoriteBallID quarry.Column[*int64] `quarry:"favorite_ball_id,fk=cy_ball.id"`
	Data           quarry.Column[string]
	Balls          quarry.Many[CyPerson, CyBall] `quarry:"order=id"`
	Favorite       quarry.One[CyPerson, CyBall]  `quarry:"fk=favorite_ball_id"`
}

type CyBall struct {
	ID       int64
	PersonID *int64
	Data     string
}

type CyBallTable struct {
	quarry.Entity[CyBall]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	PersonID quarry.Column[*int64] `quarry:"person_id,fk=cy_person.id"`
	Data     quarry.Column[string]
}

// test_post_update_m2o: balls with cascade "all, delete-orphan", favorite
// with post_update.
type CyPmPerson struct {
	ID             int64
	FavoriteBallID *int64
	Data           string
	Balls          []*CyPmBall
	Favorite       *CyPmBall
}

type CyPmPersonTable struct {
	quarry.Entity[CyPmPerson]
	ID             quarry.Column[int64]  `quarry:"id,pk"`
	FavoriteBallID quarry.Column[*int64] `quarry:"favorite_ball_id,fk=cy_pm_ball.id"`
	Data           quarry.Column[string]
	Balls          quarry.Many[CyPmPerson, CyPmBall] `quarry:"order=id,cascade=all,delete-orphan"`
	Favorite       quarry.One[CyPmPerson, CyPmBall]  `quarry:"fk=favorite_ball_id,post_update"`
}

type CyPmBall struct {
	ID       int64
	PersonID *int64
	Data     string
}

type CyPmBallTable struct {
	quarry.Entity[CyPmBall]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	PersonID quarry.Column[*int64] `quarry:"person_id,fk=cy_pm_person.id"`
	Data     quarry.Column[string]
}

// test_post_update_o2m: balls with cascade "all, delete-orphan",
// post_update and backref "person"; favorite plain. The person has a
// version counter, to check that post-update UPDATEs count.
type CyPoPerson struct {
	ID             int64
	FavoriteBallID *int64
	Data           string
	Balls          []*CyPoBall
	Favorite       *CyPoBall
}

type CyPoPersonTable struct {
	quarry.Entity[CyPoPerson]
	ID             quarry.Column[int64]  `quarry:"id,pk"`
	FavoriteBallID quarry.Column[*int64] `quarry:"favorite_ball_id,fk=cy_po_ball.id"`
	Data           quarry.Column[string]
	Balls          quarry.Many[CyPoPerson, CyPoBall] `quarry:"order=id,back=Person,cascade=all,delete-orphan,post_update"`
	Favorite       quarry.One[CyPoPerson, CyPoBall]  `quarry:"fk=favorite_ball_id"`
}

type CyPoBall struct {
	ID       int64
	PersonID *int64
	Data     string
	Version  int64
	Person   *CyPoPerson
}

type CyPoBallTable struct {
	quarry.Entity[CyPoBall]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	PersonID quarry.Column[*int64] `quarry:"person_id,fk=cy_po_person.id"`
	Data     quarry.Column[string]
	Version  quarry.Column[int64]             `quarry:"version,version"`
	Person   quarry.One[CyPoBall, CyPoPerson] `quarry:"fk=person_id,back=Balls"`
}

// SelfReferentialPostUpdateTest2: a_table.b -> a_table.id, "foo" with
// post_update.
type CyA struct {
	ID  int64
	Fui string
	B   *int64
	Foo *CyA
}

type CyATable struct {
	quarry.Entity[CyA]
	ID  quarry.Column[int64]  `quarry:"id,pk"`
	Fui quarry.Column[string] `quarry:"fui,len=128"`
	B   quarry.Column[*int64] `quarry:"b,fk=cy_a.id"`
	Foo quarry.One[CyA, CyA]  `quarry:"post_update"`
}

// The same shape without post_update: a cycle of new rows is an error.
type CyN struct {
	ID     int64
	Name   string
	NextID *int64
	Next   *CyN
}

type CyNTable struct {
	quarry.Entity[CyN]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Name   quarry.Column[string]
	NextID quarry.Column[*int64] `quarry:"next_id,fk=cy_n.id"`
	Next   quarry.One[CyN, CyN]
}

var (
	CyPersons   = quarry.Table[CyPerson, CyPersonTable]("cy_person")
	CyBalls     = quarry.Table[CyBall, CyBallTable]("cy_ball")
	CyPmPersons = quarry.Table[CyPmPerson, CyPmPersonTable]("cy_pm_person")
	CyPmBalls   = quarry.Table[CyPmBall, CyPmBallTable]("cy_pm_ball")
	CyPoPersons = quarry.Table[CyPoPerson, CyPoPersonTable]("cy_po_person")
	CyPoBalls   = quarry.Table[CyPoBall, CyPoBallTable]("cy_po_ball")
	CyAs        = quarry.Table[CyA, CyATable]("cy_a")
	CyNs        = quarry.Table[CyN, CyNTable]("cy_n")
)

// cyEach runs fn on every backend with the cycle fixtures created (their
// foreign keys form cycles: CreateAll adds the closing ones after the
// tables on PostgreSQL) and a Session.
func cyEach(t *testing.T, fn func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log)) {
	t.Helper()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		if err := db.CreateAll(context.Background(), CyPersons, CyBalls, CyPmPersons, CyPmBalls, CyPoPersons, CyPoBalls, CyAs, CyNs); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		fn(t, db, relSession(t, db), log)
	})
}

// cyDML returns the DML statements of the log with their arguments.
func cyDML(log *testdb.Log) []string {
	var out []string
	for _, e := range log.Entries() {
		s := normSQL(e.SQL)
		if strings.HasPrefix(s, "SELECT") || s == "BEGIN" || s == "COMMIT" || s == "ROLLBACK" {
			continue
		}
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			args[i] = cyArg(a)
		}
		out = append(out, s+" "+strings.Join(args, ","))
	}
	return out
}

func cyArg(a any) string {
	switch v := a.(type) {
	case nil:
		return "NULL"
	case *int64:
		if v == nil {
			return "NULL"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprint(a)
}

func cyID(p *int64) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprint(*p)
}

// test_cycles.py::OneToManyManyToOneTest::test_cycle: the tables refer to
// each other but these rows use one direction only, so no post_update is
// needed.
func TestSA_CyclesOneToManyManyToOne_test_cycle(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b := &CyBall{Data: "b"}
		p := &CyPerson{Data: "p", Balls: []*CyBall{b}}
		is.NoErr(s.Add(p))
		is.NoErr(s.Commit(ctx))
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_person (favorite_ball_id, data) VALUES (?, ?) RETURNING id NULL,p",
			"INSERT INTO cy_ball (person_id, data) VALUES (?, ?) RETURNING id 1,b",
		})
		balls, err := quarry.Select(CyBalls).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(balls), 1)
		is.Equal(cyID(balls[0].PersonID), "1")
	})
}

// OneToManyManyToOneTest: "without the post_update flag, such
// relationships raise an exception when dependencies are sorted" (a
// CircularDependencyError); the failed flush writes nothing and leaves
// the Session usable.
func TestSA_CyclesOneToManyManyToOne_circular_error(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b := &CyBall{Data: "b"}
		p := &CyPerson{Data: "p", Balls: []*CyBall{b}, Favorite: b}
		is.NoErr(s.Add(p))
		err := s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrCircularDependency))
		for _, want := range []string{"CyPerson", "CyBall", "CyPersonTable.Balls", "CyPersonTable.Favorite", "post_update"} {
			is.True(strings.Contains(err.Error(), want)) // the message names the cycle and the cure
		}
		is.Equal(cyDML(log), nil) // nothing written
		// The Session is usable: break the cycle and flush again.
		p.Favorite = nil
		is.NoErr(s.Commit(ctx))
		balls, err := quarry.Select(CyBalls).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(balls), 1)
		is.Equal(cyID(balls[0].PersonID), fmt.Sprint(p.ID))
	})
}

// test_cycles.py::OneToManyManyToOneTest::test_post_update_m2o
func TestSA_CyclesOneToManyManyToOne_test_post_update_m2o(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b := &CyPmBall{Data: "some data"}
		p := &CyPmPerson{Data: "some data", Balls: []*CyPmBall{b, {Data: "some data"}, {Data: "some data"}, {Data: "some data"}}, Favorite: b}
		is.NoErr(s.Add(b))
		is.NoErr(s.Add(p))
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_pm_person (favorite_ball_id, data) VALUES (?, ?) RETURNING id NULL,some data",
			"INSERT INTO cy_pm_ball (person_id, data) VALUES (?, ?), (?, ?), (?, ?), (?, ?) RETURNING id 1,some data,1,some data,1,some data,1,some data",
			"UPDATE cy_pm_person SET favorite_ball_id = ? WHERE cy_pm_person.id = ? 1,1",
		})
		is.Equal(cyID(p.FavoriteBallID), fmt.Sprint(b.ID))
		is.Equal(len(s.Dirty()), 0) // the snapshot says what the row holds
		is.NoErr(s.Commit(ctx))
		got, err := quarry.Select(CyPmPersons).One(ctx, db)
		is.NoErr(err)
		is.Equal(cyID(got.FavoriteBallID), fmt.Sprint(b.ID))

		log.Reset()
		is.NoErr(s.Delete(p))
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_pm_person SET favorite_ball_id = ? WHERE cy_pm_person.id = ? NULL,1",
			"DELETE FROM cy_pm_ball WHERE cy_pm_ball.id IN (?, ?, ?, ?) 1,2,3,4",
			"DELETE FROM cy_pm_person WHERE cy_pm_person.id = ? 1",
		})
		is.NoErr(s.Commit(ctx))
		n, err := quarry.Select(CyPmBalls).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
		n, err = quarry.Select(CyPmPersons).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// test_cycles.py::OneToManyManyToOneTest::test_post_update_m2o_no_cascade:
// deleting the person sets its post-update key to NULL first.
func TestSA_CyclesOneToManyManyToOne_test_post_update_m2o_no_cascade(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b := &CyPmBall{Data: "some data"}
		p := &CyPmPerson{Data: "some data", Favorite: b}
		is.NoErr(s.Add(b))
		is.NoErr(s.Add(p))
		is.NoErr(s.Flush(ctx))
		log.Reset()
		is.NoErr(s.Delete(p))
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_pm_person SET favorite_ball_id = ? WHERE cy_pm_person.id = ? NULL,1",
			"DELETE FROM cy_pm_person WHERE cy_pm_person.id = ? 1",
		})
		is.NoErr(s.Commit(ctx))
		balls, err := quarry.Select(CyPmBalls).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(balls), 1)
	})
}

// test_cycles.py::OneToManyManyToOneTest::test_post_update_o2m, with a
// version counter on the balls (test_versioning's post_update cases: the
// second UPDATE bumps it).
func TestSA_CyclesOneToManyManyToOne_test_post_update_o2m(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b, b2, b3, b4 := &CyPoBall{Data: "some data"}, &CyPoBall{Data: "some data"}, &CyPoBall{Data: "some data"}, &CyPoBall{Data: "some data"}
		p := &CyPoPerson{Data: "some data", Balls: []*CyPoBall{b, b2, b3, b4}, Favorite: b}
		for _, o := range []any{b, p, b2, b3, b4} {
			is.NoErr(s.Add(o))
		}
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_po_ball (person_id, data, version) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?) RETURNING id NULL,some data,1,NULL,some data,1,NULL,some data,1,NULL,some data,1",
			"INSERT INTO cy_po_person (favorite_ball_id, data) VALUES (?, ?) RETURNING id 1,some data",
			"UPDATE cy_po_ball SET person_id = ?, version = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 1,2,1,1",
			"UPDATE cy_po_ball SET person_id = ?, version = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 1,2,2,1",
			"UPDATE cy_po_ball SET person_id = ?, version = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 1,2,3,1",
			"UPDATE cy_po_ball SET person_id = ?, version = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 1,2,4,1",
		})
		is.Equal(b.Version, int64(2))
		is.True(b.Person == p) // back-populated
		is.NoErr(s.Commit(ctx))
		balls, err := quarry.Select(CyPoBalls).OrderBy(CyPoBalls.ID).All(ctx, db)
		is.NoErr(err)
		for _, got := range balls {
			is.Equal(cyID(got.PersonID), fmt.Sprint(p.ID))
			is.Equal(got.Version, int64(2))
		}

		// A later change of the row checks the bumped version.
		log.Reset()
		b2.Data = "changed"
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_po_ball SET data = ?, version = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? changed,3,2,2",
		})

		log.Reset()
		is.NoErr(s.Delete(p))
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_po_ball SET person_id = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? NULL,1,2",
			"UPDATE cy_po_ball SET person_id = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? NULL,2,3",
			"UPDATE cy_po_ball SET person_id = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? NULL,3,2",
			"UPDATE cy_po_ball SET person_id = ? WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? NULL,4,2",
			"DELETE FROM cy_po_person WHERE cy_po_person.id = ? 1",
			"DELETE FROM cy_po_ball WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 1,2",
			"DELETE FROM cy_po_ball WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 2,3",
			"DELETE FROM cy_po_ball WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 3,2",
			"DELETE FROM cy_po_ball WHERE cy_po_ball.id = ? AND cy_po_ball.version = ? 4,2",
		})
		is.NoErr(s.Commit(ctx))
		n, err := quarry.Select(CyPoBalls).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// test_cycles.py::SelfReferentialPostUpdateTest2::test_one: post_update
// also takes part when the parent row exists already (then the key is
// written by the INSERT itself), and on a self-referential cycle of new
// rows.
func TestSA_CyclesSelfReferentialPostUpdateTest2_test_one(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		f1 := &CyA{Fui: "f1"}
		is.NoErr(s.Add(f1))
		is.NoErr(s.Flush(ctx))
		f2 := &CyA{Fui: "f2", Foo: f1}
		is.NoErr(s.Add(f2))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_a (fui, b) VALUES (?, ?) RETURNING id f2,1",
		})
		is.NoErr(s.Commit(ctx))

		// A cycle of new rows: each one's foo is the other.
		f3, f4 := &CyA{Fui: "f3"}, &CyA{Fui: "f4"}
		f3.Foo, f4.Foo = f4, f3
		is.NoErr(s.Add(f3))
		is.NoErr(s.Add(f4))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_a (fui, b) VALUES (?, ?), (?, ?) RETURNING id f3,NULL,f4,NULL",
			"UPDATE cy_a SET b = ? WHERE cy_a.id = ? 4,3",
			"UPDATE cy_a SET b = ? WHERE cy_a.id = ? 3,4",
		})
		rows, err := quarry.Select(CyAs).OrderBy(CyAs.ID).All(ctx, db)
		is.NoErr(err)
		var got []string
		for _, r := range rows {
			got = append(got, r.Fui+":"+cyID(r.B))
		}
		is.Equal(got, []string{"f1:NULL", "f2:1", "f3:4", "f4:3"})

		// Deleting both: the keys are set to NULL first.
		log.Reset()
		is.NoErr(s.Delete(f3))
		is.NoErr(s.Delete(f4))
		is.NoErr(s.Commit(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_a SET b = ? WHERE cy_a.id = ? NULL,3",
			"UPDATE cy_a SET b = ? WHERE cy_a.id = ? NULL,4",
			"DELETE FROM cy_a WHERE cy_a.id IN (?, ?) 3,4",
		})
		n, err := quarry.Select(CyAs).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
	})
}

// A self-referential cycle of new rows without post_update is an error
// naming the relationship; after it the Session is usable.
func TestSA_CyclesSelfReferential_circular_error(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		n1, n2 := &CyN{Name: "n1"}, &CyN{Name: "n2"}
		n1.Next, n2.Next = n2, n1
		is.NoErr(s.Add(n1))
		is.NoErr(s.Add(n2))
		err := s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrCircularDependency))
		is.True(strings.Contains(err.Error(), "CyNTable.Next"))
		is.True(strings.Contains(err.Error(), "post_update"))
		is.Equal(cyDML(log), nil)
		n2.Next = nil
		is.NoErr(s.Commit(ctx))
		rows, err := quarry.Select(CyNs).OrderBy(CyNs.ID).All(ctx, db)
		is.NoErr(err)
		var got []string
		for _, r := range rows {
			got = append(got, r.Name+":"+cyID(r.NextID))
		}
		// n2 first: n1 refers to it.
		is.Equal(got, []string{"n2:NULL", "n1:" + fmt.Sprint(n2.ID)})
	})
}

// A failed flush of a cycle (here an INSERT of the flush fails) rolls
// back: the objects are as the program left them, the post-update key
// unset, and a second flush writes everything.
func TestSA_CyclesPostUpdateFailedFlush(t *testing.T) {
	cyEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		b := &CyPmBall{Data: "b"}
		p := &CyPmPerson{Data: "p", Balls: []*CyPmBall{b}, Favorite: b}
		dup := &CyPmBall{ID: 1, Data: "dup"} // a second ball with b's generated key
		is.NoErr(s.Add(p))
		is.NoErr(s.Add(dup))
		is.True(s.Flush(ctx) != nil)
		is.Equal(p.ID, int64(0))
		is.Equal(p.FavoriteBallID, nil)
		is.Equal(b.ID, int64(0))
		s.Expunge(dup)
		is.NoErr(s.Commit(ctx))
		got, err := quarry.Select(CyPmPersons).One(ctx, db)
		is.NoErr(err)
		is.Equal(cyID(got.FavoriteBallID), fmt.Sprint(b.ID))
	})
}

// The tag: post_update is a flag, also after the values of cascade=, and
// refuses a foreign key that cannot be NULL.
type CyBadPost struct {
	ID     int64
	NextID int64
	Next   *CyBadPost
}

type CyBadPostTable struct {
	quarry.Entity[CyBadPost]
	ID     quarry.Column[int64]             `quarry:"id,pk"`
	NextID quarry.Column[int64]             `quarry:"next_id,fk=cy_bad_post.id"`
	Next   quarry.One[CyBadPost, CyBadPost] `quarry:"post_update"`
}

func TestSA_CyclesPostUpdateNotNull(t *testing.T) {
	is := is.New(t)
	md := quarry.NewMetadata()
	_, err := quarry.TableIn[CyBadPost, CyBadPostTable](md, "cy_bad_post")
	if err == nil {
		err = md.Configure()
	}
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "next_id"))
	is.True(strings.Contains(err.Error(), "cannot be NULL"))
}

// CreateAll of tables whose foreign keys form a cycle: on a database that
// checks foreign keys in CREATE TABLE (PostgreSQL) the key that closes the
// cycle is added with ALTER TABLE after the tables, and only to tables
// created now (CreateAll stays idempotent); elsewhere (SQLite) it is
// declared inline. The keys are enforced either way, and DropAll drops
// the closing constraint before the tables.
func TestSchemaCycleCreateDrop(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		forward := db.Dialect().Capabilities().ForwardForeignKeys
		stmts, err := db.CreateSQL(CyPersons, CyBalls)
		is.NoErr(err)
		is.Equal(len(stmts), map[bool]int{true: 2, false: 3}[forward])
		// cy_person refers to cy_ball, which comes first and refers
		// forward to cy_person.
		is.True(strings.HasPrefix(normSQL(stmts[0]), "CREATE TABLE IF NOT EXISTS cy_ball"))
		is.Equal(strings.Contains(stmts[0], "REFERENCES"), forward) // cy_person does not exist yet
		is.True(strings.HasPrefix(normSQL(stmts[1]), "CREATE TABLE IF NOT EXISTS cy_person"))
		is.True(strings.Contains(stmts[1], `REFERENCES "cy_ball"`))
		if !forward {
			is.Equal(normSQL(stmts[2]), "ALTER TABLE cy_ball ADD CONSTRAINT cy_ball_person_id_fkey FOREIGN KEY (person_id) REFERENCES cy_person (id)")
		}
		is.NoErr(db.CreateAll(ctx, CyPersons, CyBalls))
		log.Reset()
		is.NoErr(db.CreateAll(ctx, CyPersons, CyBalls)) // idempotent
		for _, st := range log.Statements() {
			is.True(!strings.HasPrefix(st, "ALTER")) // the constraint exists
		}
		s := relSession(t, db)
		bad := int64(999)
		is.NoErr(s.Add(&CyPerson{Data: "p", FavoriteBallID: &bad}))
		is.True(errors.Is(s.Flush(ctx), quarry.ErrForeignKeyViolation)) // enforced
		is.NoErr(s.Rollback(ctx))

		log.Reset()
		is.NoErr(db.DropAll(ctx, CyPersons, CyBalls))
		want := []string{"DROP TABLE IF EXISTS cy_person", "DROP TABLE IF EXISTS cy_ball"}
		if !forward {
			want = append([]string{"ALTER TABLE IF EXISTS cy_ball DROP CONSTRAINT IF EXISTS cy_ball_person_id_fkey"}, want...)
		}
		is.Equal(relFlushSQL(log), want)
		is.NoErr(db.CreateAll(ctx, CyBalls, CyPersons)) // again, from the other end
		n, err := quarry.Select(CyPersons).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// CreateMigration of a cycle: the closing key is added after the tables
// and dropped before them where CREATE TABLE checks foreign keys.
func TestSchemaCycleMigration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		m, err := quarry.CreateMigration(db.Dialect(), CyPersons, CyBalls)
		is.NoErr(err)
		if db.Dialect().Capabilities().ForwardForeignKeys {
			is.Equal(len(m.Up), 2)
			is.Equal(len(m.Down), 2)
			return
		}
		is.Equal(len(m.Up), 3)
		is.True(strings.HasPrefix(normSQL(m.Up[2]), "ALTER TABLE cy_ball ADD CONSTRAINT cy_ball_person_id_fkey"))
		is.Equal(normSQL(m.Down[0]), "ALTER TABLE IF EXISTS cy_ball DROP CONSTRAINT IF EXISTS cy_ball_person_id_fkey")
		is.Equal(normSQL(m.Down[1]), "DROP TABLE IF EXISTS cy_person")
	})
}

// SelfReferentialPostUpdateTest3: parent.child (post_update) and
// parent.children to child, and child.parent, a self-reference.
type CyP3Parent struct {
	ID       int64
	Name     string
	ChildID  *int64
	Children []*CyP3Child
	Child    *CyP3Child
}

type CyP3ParentTable struct {
	quarry.Entity[CyP3Parent]
	ID       quarry.Column[int64]               `quarry:"id,pk"`
	Name     quarry.Column[string]              `quarry:"name,len=50"`
	ChildID  quarry.Column[*int64]              `quarry:"child_id,fk=cy_p3_child.id"`
	Children quarry.Many[CyP3Parent, CyP3Child] `quarry:"order=id"`
	Child    quarry.One[CyP3Parent, CyP3Child]  `quarry:"fk=child_id,post_update"`
}

type CyP3Child struct {
	ID       int64
	Name     string
	ChildID  *int64
	ParentID *int64
	Parent   *CyP3Child
}

type CyP3ChildTable struct {
	quarry.Entity[CyP3Child]
	ID       quarry.Column[int64]             `quarry:"id,pk"`
	Name     quarry.Column[string]            `quarry:"name,len=50"`
	ChildID  quarry.Column[*int64]            `quarry:"child_id,fk=cy_p3_child.id"`
	ParentID quarry.Column[*int64]            `quarry:"parent_id,fk=cy_p3_parent.id"`
	Parent   quarry.One[CyP3Child, CyP3Child] `quarry:"fk=child_id"`
}

// PostUpdateBatchingTest: three post-update many-to-ones of one parent.
type CyBParent struct {
	ID               int64
	Name             string
	C1ID, C2ID, C3ID *int64
	C1s              []*CyBChild1
	C2s              []*CyBChild2
	C3s              []*CyBChild3
	C1               *CyBChild1
	C2               *CyBChild2
	C3               *CyBChild3
}

type CyBParentTable struct {
	quarry.Entity[CyBParent]
	ID   quarry.Column[int64]              `quarry:"id,pk"`
	Name quarry.Column[string]             `quarry:"name,len=50"`
	C1ID quarry.Column[*int64]             `quarry:"c1_id,fk=cy_b_child1.id"`
	C2ID quarry.Column[*int64]             `quarry:"c2_id,fk=cy_b_child2.id"`
	C3ID quarry.Column[*int64]             `quarry:"c3_id,fk=cy_b_child3.id"`
	C1s  quarry.Many[CyBParent, CyBChild1] `quarry:"order=id"`
	C2s  quarry.Many[CyBParent, CyBChild2] `quarry:"order=id"`
	C3s  quarry.Many[CyBParent, CyBChild3] `quarry:"order=id"`
	C1   quarry.One[CyBParent, CyBChild1]  `quarry:"fk=c1_id,post_update"`
	C2   quarry.One[CyBParent, CyBChild2]  `quarry:"fk=c2_id,post_update"`
	C3   quarry.One[CyBParent, CyBChild3]  `quarry:"fk=c3_id,post_update"`
}

type CyBChild1 struct {
	ID       int64
	Name     string
	ParentID int64
}

type CyBChild1Table struct {
	quarry.Entity[CyBChild1]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	Name     quarry.Column[string] `quarry:"name,len=50"`
	ParentID quarry.Column[int64]  `quarry:"parent_id,fk=cy_b_parent.id"`
}

type CyBChild2 struct {
	ID       int64
	Name     string
	ParentID int64
}

type CyBChild2Table struct {
	quarry.Entity[CyBChild2]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	Name     quarry.Column[string] `quarry:"name,len=50"`
	ParentID quarry.Column[int64]  `quarry:"parent_id,fk=cy_b_parent.id"`
}

type CyBChild3 struct {
	ID       int64
	Name     string
	ParentID int64
}

type CyBChild3Table struct {
	quarry.Entity[CyBChild3]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	Name     quarry.Column[string] `quarry:"name,len=50"`
	ParentID quarry.Column[int64]  `quarry:"parent_id,fk=cy_b_parent.id"`
}

var (
	CyP3Parents  = quarry.Table[CyP3Parent, CyP3ParentTable]("cy_p3_parent")
	CyP3Children = quarry.Table[CyP3Child, CyP3ChildTable]("cy_p3_child")
	CyBParents   = quarry.Table[CyBParent, CyBParentTable]("cy_b_parent")
	CyBChild1s   = quarry.Table[CyBChild1, CyBChild1Table]("cy_b_child1")
	CyBChild2s   = quarry.Table[CyBChild2, CyBChild2Table]("cy_b_child2")
	CyBChild3s   = quarry.Table[CyBChild3, CyBChild3Table]("cy_b_child3")
)

// test_cycles.py::SelfReferentialPostUpdateTest3::test_one
func TestSA_CyclesSelfReferentialPostUpdateTest3_test_one(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CyP3Parents, CyP3Children))
		s := relSession(t, db)
		p1 := &CyP3Parent{Name: "p1"}
		c1, c2 := &CyP3Child{Name: "c1"}, &CyP3Child{Name: "c2"}
		p1.Children = []*CyP3Child{c1, c2}
		c2.Parent = c1
		p1.Child = c2
		is.NoErr(s.Add(p1))
		is.NoErr(s.Add(c1))
		is.NoErr(s.Add(c2))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_p3_parent (name, child_id) VALUES (?, ?) RETURNING id p1,NULL",
			"INSERT INTO cy_p3_child (name, child_id, parent_id) VALUES (?, ?, ?) RETURNING id c1,NULL,1",
			"INSERT INTO cy_p3_child (name, child_id, parent_id) VALUES (?, ?, ?) RETURNING id c2,1,1",
			"UPDATE cy_p3_parent SET child_id = ? WHERE cy_p3_parent.id = ? 2,1",
		})

		p2 := &CyP3Parent{Name: "p2"}
		c3 := &CyP3Child{Name: "c3"}
		p2.Children = []*CyP3Child{c3}
		p2.Child = c3
		is.NoErr(s.Add(p2))
		is.NoErr(s.Delete(c2))
		p1.Children = []*CyP3Child{c1}
		p1.Child = nil
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_p3_parent SET child_id = ? WHERE cy_p3_parent.id = ? NULL,1",
			"INSERT INTO cy_p3_parent (name, child_id) VALUES (?, ?) RETURNING id p2,NULL",
			"INSERT INTO cy_p3_child (name, child_id, parent_id) VALUES (?, ?, ?) RETURNING id c3,NULL,2",
			"UPDATE cy_p3_parent SET child_id = ? WHERE cy_p3_parent.id = ? 3,2",
			"DELETE FROM cy_p3_child WHERE cy_p3_child.id = ? 2",
		})

		p2.Child = nil
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_p3_parent SET child_id = ? WHERE cy_p3_parent.id = ? NULL,2",
		})
		ps, err := quarry.Select(CyP3Parents).OrderBy(CyP3Parents.ID).All(ctx, db)
		is.NoErr(err)
		cs, err := quarry.Select(CyP3Children).OrderBy(CyP3Children.ID).All(ctx, db)
		is.NoErr(err)
		var got []string
		for _, p := range ps {
			got = append(got, p.Name+":"+cyID(p.ChildID))
		}
		for _, c := range cs {
			got = append(got, c.Name+":"+cyID(c.ChildID)+":"+cyID(c.ParentID))
		}
		is.Equal(got, []string{"p1:NULL", "p2:NULL", "c1:NULL:1", "c3:NULL:2"})
	})
}

// test_cycles.py::PostUpdateBatchingTest::test_one: the post-update
// columns of one row change in one UPDATE; and when the children are new
// too, the post-update pass writes the three keys in one UPDATE.
func TestSA_CyclesPostUpdateBatchingTest_test_one(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CyBParents, CyBChild1s, CyBChild2s, CyBChild3s))
		s := relSession(t, db)
		p1 := &CyBParent{Name: "p1"}
		c11, c12, c13 := &CyBChild1{Name: "c1"}, &CyBChild1{Name: "c2"}, &CyBChild1{Name: "c3"}
		c21, c22, c23 := &CyBChild2{Name: "c1"}, &CyBChild2{Name: "c2"}, &CyBChild2{Name: "c3"}
		c31, c32, c33 := &CyBChild3{Name: "c1"}, &CyBChild3{Name: "c2"}, &CyBChild3{Name: "c3"}
		p1.C1s = []*CyBChild1{c11, c12, c13}
		p1.C2s = []*CyBChild2{c21, c22, c23}
		p1.C3s = []*CyBChild3{c31, c32, c33}
		is.NoErr(s.Add(p1))
		is.NoErr(s.Flush(ctx))

		p1.C1, p1.C2, p1.C3 = c12, c23, c31
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_b_parent SET c1_id = ?, c2_id = ?, c3_id = ? WHERE cy_b_parent.id = ? 2,3,1,1",
		})

		p1.C1, p1.C2, p1.C3 = nil, nil, nil
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_b_parent SET c1_id = ?, c2_id = ?, c3_id = ? WHERE cy_b_parent.id = ? NULL,NULL,NULL,1",
		})

		// All new: INSERTs first, then one post-update UPDATE.
		p2 := &CyBParent{Name: "p2"}
		d1, d2, d3 := &CyBChild1{Name: "d1"}, &CyBChild2{Name: "d2"}, &CyBChild3{Name: "d3"}
		p2.C1s, p2.C2s, p2.C3s = []*CyBChild1{d1}, []*CyBChild2{d2}, []*CyBChild3{d3}
		p2.C1, p2.C2, p2.C3 = d1, d2, d3
		is.NoErr(s.Add(p2))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_b_parent (name, c1_id, c2_id, c3_id) VALUES (?, ?, ?, ?) RETURNING id p2,NULL,NULL,NULL",
			"INSERT INTO cy_b_child1 (name, parent_id) VALUES (?, ?) RETURNING id d1,2",
			"INSERT INTO cy_b_child2 (name, parent_id) VALUES (?, ?) RETURNING id d2,2",
			"INSERT INTO cy_b_child3 (name, parent_id) VALUES (?, ?) RETURNING id d3,2",
			"UPDATE cy_b_parent SET c1_id = ?, c2_id = ?, c3_id = ? WHERE cy_b_parent.id = ? 4,4,4,2",
		})
		got, err := quarry.Select(CyBParents).Where(CyBParents.ID.Eq(p2.ID)).One(ctx, db)
		is.NoErr(err)
		is.Equal(cyID(got.C1ID)+","+cyID(got.C2ID)+","+cyID(got.C3ID), "4,4,4")
	})
}

// SelfReferentialPostUpdateTest: a tree whose nodes also link their
// siblings, next_sibling with post_update.
type CyNode struct {
	ID            int64
	Path          string
	ParentID      *int64
	PrevSiblingID *int64
	NextSiblingID *int64
	Children      []*CyNode
	Parent        *CyNode
	PrevSibling   *CyNode
	NextSibling   *CyNode
}

type CyNodeTable struct {
	quarry.Entity[CyNode]
	ID            quarry.Column[int64]        `quarry:"id,pk"`
	Path          quarry.Column[string]       `quarry:"path,len=50"`
	ParentID      quarry.Column[*int64]       `quarry:"parent_id,fk=cy_node.id"`
	PrevSiblingID quarry.Column[*int64]       `quarry:"prev_sibling_id,fk=cy_node.id"`
	NextSiblingID quarry.Column[*int64]       `quarry:"next_sibling_id,fk=cy_node.id"`
	Children      quarry.Many[CyNode, CyNode] `quarry:"fk=parent_id,order=id,cascade=all,back=Parent"`
	Parent        quarry.One[CyNode, CyNode]  `quarry:"fk=parent_id,back=Children"`
	PrevSibling   quarry.One[CyNode, CyNode]  `quarry:"fk=prev_sibling_id"`
	NextSibling   quarry.One[CyNode, CyNode]  `quarry:"fk=next_sibling_id,post_update"`
}

var CyNodes = quarry.Table[CyNode, CyNodeTable]("cy_node")

// test_cycles.py::SelfReferentialPostUpdateTest::test_one: "post_update
// only fires off when needed".
func TestSA_CyclesSelfReferentialPostUpdateTest_test_one(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CyNodes))
		s := relSession(t, db)
		appendChild := func(parent, child *CyNode) {
			if n := len(parent.Children); n > 0 {
				parent.Children[n-1].NextSibling = child
				child.PrevSibling = parent.Children[n-1]
			}
			parent.Children = append(parent.Children, child)
		}
		root, about, cats, stories, bruce := &CyNode{Path: "root"}, &CyNode{Path: "about"}, &CyNode{Path: "cats"}, &CyNode{Path: "stories"}, &CyNode{Path: "bruce"}
		root.Children = []*CyNode{}
		for _, n := range []*CyNode{about, cats, stories, bruce} {
			appendChild(root, n)
		}
		is.NoErr(s.Add(root))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		// Parents and previous siblings first, level by level; the next
		// siblings after.
		is.Equal(cyDML(log), []string{
			"INSERT INTO cy_node (path, parent_id, prev_sibling_id, next_sibling_id) VALUES (?, ?, ?, ?) RETURNING id root,NULL,NULL,NULL",
			"INSERT INTO cy_node (path, parent_id, prev_sibling_id, next_sibling_id) VALUES (?, ?, ?, ?) RETURNING id about,1,NULL,NULL",
			"INSERT INTO cy_node (path, parent_id, prev_sibling_id, next_sibling_id) VALUES (?, ?, ?, ?) RETURNING id cats,1,2,NULL",
			"INSERT INTO cy_node (path, parent_id, prev_sibling_id, next_sibling_id) VALUES (?, ?, ?, ?) RETURNING id stories,1,3,NULL",
			"INSERT INTO cy_node (path, parent_id, prev_sibling_id, next_sibling_id) VALUES (?, ?, ?, ?) RETURNING id bruce,1,4,NULL",
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? 3,2",
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? 4,3",
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? 5,4",
		})

		// remove_child(root, cats)
		cats.Parent = nil
		stories.PrevSibling = cats.PrevSibling
		about.NextSibling = stories
		is.NoErr(s.Delete(cats))
		cats.Children = []*CyNode{}
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? 4,2",
			"UPDATE cy_node SET prev_sibling_id = ? WHERE cy_node.id = ? 2,4",
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? NULL,3",
			"DELETE FROM cy_node WHERE cy_node.id = ? 3",
		})

		is.NoErr(s.Delete(root))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? NULL,2",
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? NULL,4",
			"DELETE FROM cy_node WHERE cy_node.id IN (?, ?, ?, ?) 5,4,2,1",
		})

		about, cats = &CyNode{Path: "about"}, &CyNode{Path: "cats"}
		about.NextSibling = cats
		cats.PrevSibling = about
		is.NoErr(s.Add(about))
		is.NoErr(s.Flush(ctx))
		is.NoErr(s.Delete(about))
		cats.PrevSibling = nil
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(cyDML(log), []string{
			"UPDATE cy_node SET prev_sibling_id = ? WHERE cy_node.id = ? NULL," + fmt.Sprint(cats.ID),
			"UPDATE cy_node SET next_sibling_id = ? WHERE cy_node.id = ? NULL," + fmt.Sprint(about.ID),
			"DELETE FROM cy_node WHERE cy_node.id = ? " + fmt.Sprint(about.ID),
		})
		rows, err := quarry.Select(CyNodes).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 1)
		is.Equal(rows[0].Path+":"+cyID(rows[0].PrevSiblingID)+":"+cyID(rows[0].NextSiblingID), "cats:NULL:NULL")
	})
}
