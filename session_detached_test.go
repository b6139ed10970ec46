package quarry_test

// Detached objects re-attached by Add, as SQLAlchemy's Session.add does
// for an object whose state has a key (test/orm/test_session.py
// SessionStateTest test_update / test_deleted_flag / test_no_double_save
// and test_transaction.py's rollback-then-reuse cases): the flush UPDATEs
// what changed while the object was detached and never INSERTs its row
// again.

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// detachedJack loads jack (id 1, with his addresses) in a Session of its
// own and closes it.
func detachedJack(t *testing.T, db *quarry.DB) *MgUser {
	t.Helper()
	ctx := context.Background()
	s := db.Session()
	u, err := quarry.Select(MgUsers).Where(MgUsers.ID.Eq(1)).
		Options(quarry.SelectIn(MgUsers.Addresses)).One(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDetachedAddUpdatesChanges(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		jack := detachedJack(t, db)
		jack.Fullname = "Jack Smith" // changed while detached

		s := db.Session()
		defer s.Close(ctx)
		log.Reset()
		is.NoErr(s.Add(jack))
		is.True(s.Contains(jack))
		is.Equal(s.Dirty(), []any{jack})
		is.Equal(len(s.New()), 0)
		is.NoErr(s.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			"BEGIN",
			`UPDATE "mg_users" SET "fullname" = ? WHERE "mg_users"."id" = ?`,
			"COMMIT",
		})
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Smith"}})
		is.Equal(len(mgAddresses(t, db)), 2)

		// The object is the Session's own again: Get hands it back without SQL.
		log.Reset()
		got, err := quarry.Get(ctx, s, MgUsers, int64(1))
		is.NoErr(err)
		is.True(got == jack)
	})
}

func TestDetachedAddUnchangedWritesNothing(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		jack := detachedJack(t, db)
		s := db.Session()
		defer s.Close(ctx)
		log.Reset()
		is.NoErr(s.Add(jack))
		is.NoErr(s.Flush(ctx))
		is.Equal(len(s.Dirty()), 0)
		for _, st := range sqlOnly(log.Statements()) {
			is.True(st == "BEGIN") // nothing else: no INSERT, no UPDATE
		}
	})
}

// Expunge detaches: Add in the same Session takes the object back.
func TestDetachedExpungeThenAdd(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s := db.Session()
		defer s.Close(ctx)
		doc, err := quarry.Get(ctx, s, MgDocs, int64(1))
		is.NoErr(err)
		s.Expunge(doc)
		is.True(!s.Contains(doc))
		doc.Title = "final"
		log.Reset()
		is.NoErr(s.Add(doc))
		is.NoErr(s.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			"BEGIN",
			`UPDATE "mg_docs" SET "title" = ?, "version" = ? WHERE "mg_docs"."id" = ? AND "mg_docs"."version" = ?`,
			"COMMIT",
		})
		docs, err := quarry.Select(MgDocs).All(ctx, db)
		is.NoErr(err)
		is.Equal(*docs[0], MgDoc{ID: 1, Title: "final", Version: 2})
	})
}

// The save-update cascade re-attaches the detached members and adds the
// new one: one UPDATE, one INSERT, and jack's row is left alone.
func TestDetachedAddCascades(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		jack := detachedJack(t, db)
		is.Equal(len(jack.Addresses), 2)
		jack.Addresses[0].Email = "jack@c"
		jack.Addresses = append(jack.Addresses, &MgAddress{Email: "jack@d"})

		s := db.Session()
		defer s.Close(ctx)
		log.Reset()
		is.NoErr(s.Add(jack))
		is.Equal(len(s.New()), 1)
		is.NoErr(s.Commit(ctx))
		stmts := sqlOnly(log.Statements())
		is.Equal(stmts[0], "BEGIN")
		is.Equal(stmts[len(stmts)-1], "COMMIT")
		var inserts, updates int
		for _, st := range stmts {
			switch {
			case len(st) > 6 && st[:6] == "INSERT":
				inserts++
				is.True(st[:len(`INSERT INTO "mg_addresses"`)] == `INSERT INTO "mg_addresses"`)
			case len(st) > 6 && st[:6] == "UPDATE":
				updates++
				is.Equal(st, `UPDATE "mg_addresses" SET "email" = ? WHERE "mg_addresses"."id" = ?`)
			}
		}
		is.Equal(inserts, 1)
		is.Equal(updates, 1)
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Jones"}})
		is.Equal(mgAddresses(t, db), []MgAddress{
			{ID: 1, UserID: 1, Email: "jack@c"},
			{ID: 2, UserID: 1, Email: "jack@b"},
			{ID: 3, UserID: 1, Email: "jack@d"},
		})
	})
}

// A Session holding another object for the key refuses the detached one,
// with nothing changed, and stays usable.
func TestDetachedAddIdentityConflict(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		jack := detachedJack(t, db)
		jack.Fullname = "Jack Smith"

		s := db.Session()
		defer s.Close(ctx)
		held, err := quarry.Get(ctx, s, MgUsers, int64(1))
		is.NoErr(err)
		err = s.Add(jack)
		is.True(errors.Is(err, quarry.ErrIdentityConflict))
		is.True(!s.Contains(jack))
		is.NoErr(s.Commit(ctx))
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Jones"}})

		// Merge copies it onto the held object instead.
		got, err := quarry.Merge(ctx, s, jack)
		is.NoErr(err)
		is.True(got == held)
		is.NoErr(s.Commit(ctx))
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Smith"}})

		// Once the other Session's object is gone, Add takes it.
		is.NoErr(s.Close(ctx))
		s2 := db.Session()
		defer s2.Close(ctx)
		jack.Name = "jacko"
		is.NoErr(s2.Add(jack))
		is.NoErr(s2.Commit(ctx))
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jacko", Fullname: "Jack Smith"}})
	})
}

// The version counter a detached object remembers catches a concurrent
// change: the flush fails with ErrStale and writes nothing.
func TestDetachedAddVersionCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s1 := db.Session()
		doc, err := quarry.Get(ctx, s1, MgDocs, int64(1))
		is.NoErr(err)
		is.NoErr(s1.Close(ctx))

		other := db.Session()
		o, err := quarry.Get(ctx, other, MgDocs, int64(1))
		is.NoErr(err)
		o.Title = "theirs"
		is.NoErr(other.Commit(ctx))
		is.NoErr(other.Close(ctx))

		doc.Title = "mine"
		s2 := db.Session()
		defer s2.Close(ctx)
		is.NoErr(s2.Add(doc))
		err = s2.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrStale))
		docs, err := quarry.Select(MgDocs).All(ctx, db)
		is.NoErr(err)
		is.Equal(*docs[0], MgDoc{ID: 1, Title: "theirs", Version: 2})
	})
}

// A Close that rolls back: changes flushed in that transaction are
// written again by the next Session the object is added to, and an
// object inserted in it is inserted again.
func TestDetachedAfterRollbackNothingLost(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s1 := db.Session()
		jack, err := quarry.Get(ctx, s1, MgUsers, int64(1))
		is.NoErr(err)
		jack.Name = "jackie"
		fresh := &MgUser{Name: "wendy", Fullname: "Wendy Williams"}
		is.NoErr(s1.Add(fresh))
		is.NoErr(s1.Flush(ctx))
		is.NoErr(s1.Close(ctx)) // rolls back both
		is.Equal(mgUsers(t, db), []MgUser{{ID: 1, Name: "jack", Fullname: "Jack Jones"}})

		s2 := db.Session()
		defer s2.Close(ctx)
		is.NoErr(s2.Add(jack, fresh))
		is.Equal(s2.New(), []any{fresh})
		is.Equal(s2.Dirty(), []any{jack})
		is.NoErr(s2.Commit(ctx))
		is.Equal(mgUsers(t, db), []MgUser{
			{ID: 1, Name: "jackie", Fullname: "Jack Jones"},
			{ID: fresh.ID, Name: "wendy", Fullname: "Wendy Williams"},
		})
	})
}

// Delete of a detached object re-attaches it and deletes its row.
func TestDetachedDelete(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		s1 := db.Session()
		doc, err := quarry.Get(ctx, s1, MgDocs, int64(1))
		is.NoErr(err)
		is.NoErr(s1.Close(ctx))

		s2 := db.Session()
		defer s2.Close(ctx)
		log.Reset()
		is.NoErr(s2.Delete(doc))
		is.NoErr(s2.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			"BEGIN",
			`DELETE FROM "mg_docs" WHERE "mg_docs"."id" = ? AND "mg_docs"."version" = ?`,
			"COMMIT",
		})
		n, err := quarry.Select(quarry.CountAll()).SelectFrom(MgDocs).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))

		// A new object is still not in the Session.
		is.True(errors.Is(s2.Delete(&MgDoc{ID: 7}), quarry.ErrNotInSession))
	})
}

// A new object of a Session's DB, or an object detached from another
// DB, is new: Add INSERTs it.
func TestDetachedOnlyFromSameDB(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	db1, db2 := testdb.SQLite(t), testdb.SQLite(t)
	mgSetup(t, db1)
	mgSetup(t, db2)
	jack := detachedJack(t, db1)
	s := db2.Session()
	defer s.Close(ctx)
	is.NoErr(s.Add(jack))
	is.Equal(len(s.New()), 3) // jack and his two addresses
	is.True(s.New()[0] == any(jack))
}

// Objects the program dropped leave the DB's memory of detached objects;
// one it kept, read with its block of rows, is still re-attached.
func TestDetachedSweep(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	db := testdb.SQLite(t)
	mgSetup(t, db)
	s := db.Session()
	is.NoErr(quarry.AddAll(s, make3000Docs()))
	is.NoErr(s.Commit(ctx))
	is.NoErr(s.Close(ctx))
	is.True(quarry.DetachedCount(db) >= 3000)
	runtime.GC()
	is.Equal(quarry.SweepDetached(db), 0)

	s = db.Session()
	docs, err := quarry.Select(MgDocs).OrderBy(MgDocs.ID).All(ctx, s)
	is.NoErr(err)
	is.Equal(len(docs), 3001)
	kept := docs[1500]
	docs = nil
	is.NoErr(s.Close(ctx))
	runtime.GC()
	live := quarry.SweepDetached(db)
	is.True(live >= 1 && live <= 64) // the kept object's block at most
	kept.Title = "kept"
	s = db.Session()
	defer s.Close(ctx)
	is.NoErr(s.Add(kept))
	is.Equal(s.Dirty(), []any{kept})
	is.NoErr(s.Commit(ctx))
	got, err := quarry.Select(MgDocs).Where(MgDocs.ID.Eq(kept.ID)).One(ctx, db)
	is.NoErr(err)
	is.Equal(got.Title, "kept")
	runtime.KeepAlive(docs)
}

func make3000Docs() []*MgDoc {
	docs := make([]*MgDoc, 3000)
	for i := range docs {
		docs[i] = &MgDoc{Title: "d"}
	}
	return docs
}

// A detached object keeps its unloaded columns: re-attached, they are
// still unloaded, the flush does not write them, and LoadColumns reads
// them.
func TestDetachedKeepsUnloadedColumns(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, DfOrders))
		_, err := quarry.Insert(DfOrders).Values(&DfOrder{ID: 1, UserID: 7, Description: "long text", IsOpen: 1}).Exec(ctx, db)
		is.NoErr(err)
		s1 := db.Session()
		o, err := quarry.Select(DfOrders).One(ctx, s1) // description deferred
		is.NoErr(err)
		is.Equal(s1.Unloaded(o), []string{"Description"})
		is.NoErr(s1.Close(ctx))

		o.IsOpen = 0
		s2 := db.Session()
		defer s2.Close(ctx)
		is.NoErr(s2.Add(o))
		is.Equal(s2.Unloaded(o), []string{"Description"})
		log.Reset()
		is.NoErr(s2.Commit(ctx))
		is.Equal(sqlOnly(log.Statements()), []string{
			"BEGIN",
			`UPDATE "df_orders" SET "isopen" = ? WHERE "df_orders"."id" = ?`,
			"COMMIT",
		})
		is.NoErr(s2.LoadColumns(ctx, o))
		is.Equal(o.Description, "long text")
	})
}

// Sessions closing and re-attaching on one DB at once share its memory
// of detached objects safely (run with -race).
func TestDetachedConcurrentSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		mgSetup(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				for range 20 {
					s := db.Session()
					docs, err := quarry.Select(MgDocs).All(ctx, s)
					if err == nil {
						err = s.Close(ctx)
					}
					s2 := db.Session()
					for _, d := range docs {
						if err == nil {
							err = s2.Add(d)
						}
					}
					if err == nil && (len(s2.New()) != 0 || len(s2.Dirty()) != 0) {
						err = errors.New("a re-attached object is new or dirty")
					}
					if cerr := s2.Close(ctx); err == nil {
						err = cerr
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			is.NoErr(err)
		}
	})
}
