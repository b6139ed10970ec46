package quarry_test

// Ports of SQLAlchemy ORM tests of a row switch whose key the flush fills
// in: a one-to-one child whose primary key is its foreign key to the
// parent. They failed until the flush copied known keys before looking
// for row switches.

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// test_versioning.py::RowSwitchTest::test_child_row_switch
func TestSA_RowSwitchTest_test_child_row_switch(t *testing.T) {
	saEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(s.Add(&SaP{ID: "P1", Data: strp("P version 1")}))
		is.NoErr(s.Commit(ctx))
		s = relSession(t, db)
		p, err := quarry.Select(SaPs).First(ctx, s)
		is.NoErr(err)
		is.NoErr(SaPs.C.Load(ctx, s, p))
		p.C = &SaPC{Data: strp("child version 1")}
		is.NoErr(s.Commit(ctx))
		p, err = quarry.Select(SaPs).First(ctx, s)
		is.NoErr(err)
		p.C = &SaPC{Data: strp("child row-switch")}
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"UPDATE sa_pc SET data = ?, version_id = ? WHERE sa_pc.id = ? AND sa_pc.version_id = ?"})
		got, err := quarry.Get(ctx, relSession(t, db), SaPCs, "P1")
		is.NoErr(err)
		is.Equal(*got.Data, "child row-switch")
		is.Equal(got.VersionID, int64(2))
	})
}

// The same without version counters: a one-to-one whose child's primary
// key is its foreign key to the parent, cascade "all, delete-orphan".
// Replacing the child is a row switch (the orphan's DELETE and the new
// child's INSERT have one key), written as one UPDATE as SQLAlchemy does.
type SaRsP struct {
	ID string
	C  *SaRsC
}

type SaRsPTable struct {
	quarry.Entity[SaRsP]
	ID quarry.Column[string]    `quarry:"id,pk,len=10"`
	C  quarry.One[SaRsP, SaRsC] `quarry:"cascade=all,delete-orphan"`
}

type SaRsC struct {
	ID   string
	Data string
}

type SaRsCTable struct {
	quarry.Entity[SaRsC]
	ID   quarry.Column[string] `quarry:"id,pk,len=10,fk=sa_rs_p.id"`
	Data quarry.Column[string]
}

var (
	SaRsPs = quarry.Table[SaRsP, SaRsPTable]("sa_rs_p")
	SaRsCs = quarry.Table[SaRsC, SaRsCTable]("sa_rs_c")
)

func TestSA_RowSwitchTest_child_row_switch_minimal(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, SaRsPs, SaRsCs))
		s := relSession(t, db)
		p := &SaRsP{ID: "P1", C: &SaRsC{Data: "c1"}}
		is.NoErr(s.Add(p))
		is.NoErr(s.Commit(ctx))
		p.C = &SaRsC{Data: "c2"}
		log.Reset()
		is.NoErr(s.Commit(ctx)) // fails: UNIQUE constraint failed: sa_rs_c.id
		is.Equal(dml(log), []string{"UPDATE sa_rs_c SET data = ? WHERE sa_rs_c.id = ?"})
		rows, err := quarry.Select(SaRsCs.Data).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []string{"c2"})
	})
}
