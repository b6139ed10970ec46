package quarry_test

// Back-references set by Add (session_backref.go). SQLAlchemy's backref
// sets address.user when the address is appended to user.addresses
// (test/orm/test_attributes.py::BackrefTest, test_backref_mutations.py);
// quarry has no attribute events, and sets it when Add cascades into the
// collection. These cases follow the 1.3 ORM tutorial ("jack.addresses[1]
// .user" right after session.add(jack)) and then check that the derived
// value never reads as the program's own at the flush: a collection
// changed after Add decides, a value the program set wins, and Rollback
// and a failed flush restore the fields as the Session restores the rest.

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// The tutorial: jack.Addresses[1].User is jack right after Add, before
// any statement.
func TestSA_BackrefAdd_tutorial(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		s := relSession(t, db)
		jack := &TUser{Name: "jack", Fullname: "Jack Bean"}
		jack.Addresses = []*TAddress{{EmailAddress: "jack@google.com"}, {EmailAddress: "j25@yahoo.com"}}
		log.Reset()
		is.NoErr(s.Add(jack))
		is.True(jack.Addresses[1].User == jack)
		is.True(jack.Addresses[0].User == jack)
		is.Equal(len(log.Statements()), 0) // nothing sent
		is.NoErr(s.Commit(ctx))
		is.Equal(len(relFlushSQL(log)), 2) // INSERT users, INSERT addresses
		rows, err := quarry.Select(TAddresses).OrderBy(TAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 2)
		for _, a := range rows {
			is.Equal(*a.UserID, jack.ID)
		}
	})
}

// A value the program set is never overwritten.
func TestSA_BackrefAdd_program_value_kept(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		ed := &CasUser{Name: "ed"}
		a := &CasAddress{EmailAddress: "a", User: ed}
		jack := &CasUser{Name: "jack", Addresses: []*CasAddress{a}}
		is.NoErr(s.Add(jack))
		is.True(a.User == ed) // the program's value
		err := s.Flush(ctx)
		is.True(err != nil) // in jack's collection but pointing at ed: set one or the other
		is.True(a.User == ed)
		is.Equal(count(t, db, CasUsers), int64(0))
	})
}

// The collection replaced after Add: the addresses it no longer holds
// lose the back-reference Add set, rather than being put back into it.
// This is the case the earlier attempt broke.
func TestSA_BackrefAdd_collection_replaced(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		a1, a2 := &CasAddress{EmailAddress: "a1"}, &CasAddress{EmailAddress: "a2"}
		jack := &CasUser{Name: "jack", Addresses: []*CasAddress{a1, a2}}
		is.NoErr(s.Add(jack))
		is.True(a1.User == jack && a2.User == jack)
		a3 := &CasAddress{EmailAddress: "a3"}
		jack.Addresses = []*CasAddress{a3}
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(jack.Addresses, []*CasAddress{a3})
		is.True(a1.User == nil && a2.User == nil)
		is.True(a3.User == jack)
		ids := casUserIDs(t, db)
		// a1 and a2 came in through the cascade and belong to no user:
		// inserted as they are (default cascade), without jack's key.
		is.Equal(ids["a1"], (*int64)(nil))
		is.Equal(ids["a2"], (*int64)(nil))
		is.Equal(*ids["a3"], jack.ID)
	})
}

// The same under delete-orphan: the dropped pending emails are expunged.
func TestSA_BackrefAdd_collection_replaced_delete_orphan(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)
		e1 := &UwEmail{Addr: "e1"}
		o := &UwOwner{Name: "o", Emails: []*UwEmail{e1}}
		is.NoErr(s.Add(o))
		is.True(e1.Owner == o)
		o.Emails = []*UwEmail{{Addr: "e2"}}
		is.NoErr(s.Commit(ctx))
		is.True(!s.Contains(e1))
		is.True(e1.Owner == nil)
		addrs, err := quarry.Select(UwEmails.Addr).All(ctx, db)
		is.NoErr(err)
		is.Equal(addrs, []string{"e2"})
	})
}

// The program moves the child after Add by setting its many-to-one: its
// value wins over the derived one.
func TestSA_BackrefAdd_program_moves_child(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		ed := &CasUser{Name: "ed", Addresses: []*CasAddress{}}
		is.NoErr(s.Add(ed))
		is.NoErr(s.Commit(ctx))
		a := &CasAddress{EmailAddress: "a"}
		jack := &CasUser{Name: "jack", Addresses: []*CasAddress{a}}
		is.NoErr(s.Add(jack))
		is.True(a.User == jack)
		jack.Addresses = []*CasAddress{}
		a.User = ed
		is.NoErr(s.Commit(ctx))
		is.True(a.User == ed)
		is.Equal(ed.Addresses, []*CasAddress{a})
		is.Equal(*casUserIDs(t, db)["a"], ed.ID)
	})
}

// Rollback removes the objects added since the last commit and clears the
// back-references Add set on them, before and after a flush.
func TestSA_BackrefAdd_rollback(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		for _, flushed := range []bool{false, true} {
			s := relSession(t, db)
			a := &CasAddress{EmailAddress: "a"}
			jack := &CasUser{Name: "jack", Addresses: []*CasAddress{a}}
			is.NoErr(s.Add(jack))
			is.True(a.User == jack)
			if flushed {
				is.NoErr(s.Flush(ctx))
			}
			is.NoErr(s.Rollback(ctx))
			is.True(!s.Contains(a))
			is.True(a.User == nil)                     // as before the Add
			is.Equal(jack.Addresses, []*CasAddress{a}) // the program's own field
			is.Equal(count(t, db, CasAddresses), int64(0))
		}
	})
}

// A failed flush keeps the back-reference Add set, and the corrected
// flush writes it.
func TestSA_BackrefAdd_failed_flush(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		u0 := &CasUser{Name: "u0"}
		is.NoErr(s.Add(u0))
		is.NoErr(s.Commit(ctx))
		a := &CasAddress{EmailAddress: "a"}
		jack := &CasUser{ID: u0.ID, Name: "jack", Addresses: []*CasAddress{a}}
		is.NoErr(s.Add(jack))
		err := s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrIdentityConflict))
		is.True(a.User == jack) // as before the flush
		jack.ID = 0
		is.NoErr(s.Commit(ctx))
		is.True(a.User == jack)
		is.Equal(*casUserIDs(t, db)["a"], jack.ID)
	})
}
