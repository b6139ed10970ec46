package quarry_test

// Ports of SQLAlchemy's test/orm/test_backref_mutations.py: moving
// children between parents through collections and many-to-one fields,
// one-to-many and one-to-one. SQLAlchemy applies the back-reference when
// the attribute is set; quarry applies it at the flush, so each case
// asserts the objects and the rows after Commit.

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// casUserIDs returns the user_id of every cas_addresses row, by email.
func casUserIDs(t *testing.T, db *quarry.DB) map[string]*int64 {
	t.Helper()
	rows, err := quarry.Select(CasAddresses).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*int64{}
	for _, r := range rows {
		out[r.EmailAddress] = r.UserID
	}
	return out
}

func TestUOWBackrefO2MCollectionMove(t *testing.T) {
	cases := []struct {
		name string
		// move moves a1 from u1 to u2 in session s.
		move func(t *testing.T, s *quarry.Session, u1, u2 *CasUser, a1 *CasAddress)
	}{
		{"collection_move_preloaded", func(t *testing.T, s *quarry.Session, u1, u2 *CasUser, a1 *CasAddress) {
			u2.Addresses = append(u2.Addresses, a1)
		}},
		{"collection_move_notloaded", func(t *testing.T, s *quarry.Session, u1, u2 *CasUser, a1 *CasAddress) {
			u1.Addresses = nil // as if never loaded
			u2.Addresses = append(u2.Addresses, a1)
		}},
		{"scalar_move_preloaded", func(t *testing.T, s *quarry.Session, u1, u2 *CasUser, a1 *CasAddress) {
			a1.User = u2
		}},
		{"scalar_move_notloaded", func(t *testing.T, s *quarry.Session, u1, u2 *CasUser, a1 *CasAddress) {
			u1.Addresses = nil
			u2.Addresses = nil
			a1.User = u2
		}},
		{"collection_assignment_mutates_previous", func(t *testing.T, s *quarry.Session, u1, u2 *CasUser, a1 *CasAddress) {
			u2.Addresses = []*CasAddress{a1}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				ctx := context.Background()
				is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
				s := relSession(t, db)
				a1 := &CasAddress{EmailAddress: "address1"}
				u1 := &CasUser{Name: "jack", Addresses: []*CasAddress{a1}}
				u2 := &CasUser{Name: "ed", Addresses: []*CasAddress{}}
				is.NoErr(s.Add(u1, u2))
				is.NoErr(s.Commit(ctx))
				tc.move(t, s, u1, u2, a1)
				is.NoErr(s.Commit(ctx))
				is.True(a1.User == u2)
				is.Equal(*a1.UserID, u2.ID)
				for _, a := range u1.Addresses {
					is.True(a != a1) // a1 not in u1.addresses
				}
				is.Equal(*casUserIDs(t, db)["address1"], u2.ID)
				is.NoErr(CasUsers.Addresses.Load(ctx, s, u1, u2))
				is.Equal(len(u1.Addresses), 0)
				is.Equal(u2.Addresses, []*CasAddress{a1})
			})
		})
	}
}

// test_set_none: a many-to-one set to nil leaves the collection and NULLs
// the key.
func TestUOWBackrefO2MSetNone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		a1 := &CasAddress{EmailAddress: "a1"}
		u1 := &CasUser{Name: "jack", Addresses: []*CasAddress{a1}}
		is.NoErr(s.Add(u1))
		is.NoErr(s.Commit(ctx))
		a1.User = nil
		is.NoErr(s.Commit(ctx))
		is.Equal(len(u1.Addresses), 0)
		is.Equal(casUserIDs(t, db)["a1"], (*int64)(nil))
	})
}

// O2OScalarBackrefMoveTest: a one-to-one (key on the target) moved from
// either side.
func TestUOWBackrefO2OMove(t *testing.T) {
	t.Run("collection_move", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, db *quarry.DB) {
			is := is.New(t)
			ctx := context.Background()
			uwSchema(t, db)
			s := relSession(t, db)
			a1 := &UwProfile{Bio: "address1"}
			u1 := &UwUser{Name: "jack", Profile: a1}
			u2 := &UwUser{Name: "ed"}
			is.NoErr(s.Add(u1, u2))
			is.NoErr(s.Commit(ctx))
			u2.Profile = a1
			is.NoErr(s.Commit(ctx))
			is.True(a1.User == u2)
			is.True(u1.Profile == nil)
			is.True(u2.Profile == a1)
			p, err := quarry.Get(ctx, relSession(t, db), UwProfiles, a1.ID)
			is.NoErr(err)
			is.Equal(*p.UserID, u2.ID)
		})
	})
	t.Run("scalar_move", func(t *testing.T) {
		testdb.Each(t, func(t *testing.T, db *quarry.DB) {
			is := is.New(t)
			ctx := context.Background()
			uwSchema(t, db)
			s := relSession(t, db)
			a1 := &UwProfile{Bio: "address1"}
			a2 := &UwProfile{Bio: "address2"}
			u1 := &UwUser{Name: "jack", Profile: a1}
			is.NoErr(s.Add(u1, a2))
			is.NoErr(s.Commit(ctx))
			a2.User = u1
			is.NoErr(s.Commit(ctx))
			// moves appropriately after commit
			is.True(u1.Profile == a2)
			is.True(a1.User == nil)
			is.True(a2.User == u1)
			profiles, err := quarry.Select(UwProfiles).OrderBy(UwProfiles.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(profiles[0].UserID, (*int64)(nil))
			is.Equal(*profiles[1].UserID, u1.ID)
		})
	})
}
