package quarry_test

// Regression tests of the unit of work found by TestUOWModel2 (random
// sequences over one-to-one, many-to-many and cascading many-to-one
// relationships), minimised. Each runs on every backend and asserts the
// statements sent and the rows left.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// UmUser has a one-to-one card (key on the card) under cascade
// "all,delete-orphan".
type UmUser struct {
	ID   int64
	Name string
	Card *UmCard
}

type UmUserTable struct {
	quarry.Entity[UmUser]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Name quarry.Column[string]
	Card quarry.One[UmUser, UmCard] `quarry:"back=User,cascade=all,delete-orphan"`
}

type UmCard struct {
	ID     int64
	Name   string
	UserID *int64
	User   *UmUser
}

type UmCardTable struct {
	quarry.Entity[UmCard]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Name   quarry.Column[string]
	UserID quarry.Column[*int64]      `quarry:"user_id,fk=um_users.id"`
	User   quarry.One[UmCard, UmUser] `quarry:"back=Card"`
}

var (
	UmUsers = quarry.Table[UmUser, UmUserTable]("um_users")
	UmCards = quarry.Table[UmCard, UmCardTable]("um_cards")
)

func umCardRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	cards, err := quarry.Select(UmCards).OrderBy(UmCards.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cards {
		out = append(out, c.Name+":"+ownerName(c.UserID))
	}
	return out
}

// A relationship loaded for the first time in a transaction after a flush
// of that transaction moved a child to it must not take the flushed links
// as committed: Rollback would then leave the child in two parents'
// fields, and the next delete cascade would delete another parent's card.
func TestUOWLoadAfterFlushNotCommitted(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UmUsers, UmCards))
		s := relSession(t, db)
		u1 := &UmUser{Name: "u1"}
		u2 := &UmUser{Name: "u2", Card: &UmCard{Name: "c"}}
		is.NoErr(s.Add(u1, u2))
		is.NoErr(s.Commit(ctx))
		c := u2.Card
		is.Equal(c.User, u2) // back-populated by the flush

		c.User = u1                                                                         // one side only: the flush moves c to u1
		_, err := quarry.Select(UmUsers).Options(quarry.SelectIn(UmUsers.Card)).All(ctx, s) // autoflush, then load
		is.NoErr(err)
		is.Equal(u1.Card, c)
		is.Equal(u2.Card, nil)

		is.NoErr(s.Rollback(ctx))
		is.Equal(u2.Card, c)   // the committed state
		is.Equal(c.User, u2)   // the committed state
		is.Equal(u1.Card, nil) // was c: the flushed, rolled-back link
		log.Reset()
		is.NoErr(s.Delete(u1))
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"DELETE FROM um_users WHERE um_users.id = ?"})
		is.Equal(umCardRows(t, db), []string{"c:2"})
	})
}

// umFailFlush makes the next flush fail on its own identity check and
// expunges the offending object again: the transaction is rolled back and
// the Session rebased, every change since the last commit pending again.
func umFailFlush[E any](t *testing.T, s *quarry.Session, dup *E) {
	t.Helper()
	ctx := context.Background()
	if err := s.Add(dup); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); !errors.Is(err, quarry.ErrIdentityConflict) {
		t.Fatalf("Flush: got %v, want ErrIdentityConflict", err)
	}
	s.Expunge(dup)
}

// A card brought in by the cascade, inserted by a flush that a later
// failed flush rolled back, is pending as it came in: replaced before the
// next flush, it is an orphan under delete-orphan and is expunged, not
// inserted (with the foreign key the rolled-back flush had copied).
func TestUOWRebasedCascadedOrphan(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UmUsers, UmCards))
		s := relSession(t, db)
		u := &UmUser{Name: "u", Card: &UmCard{Name: "c1"}}
		is.NoErr(s.Add(u))
		is.NoErr(s.Flush(ctx))
		c1 := u.Card
		umFailFlush(t, s, &UmUser{ID: u.ID, Name: "dup"})
		is.Equal(u.ID, int64(0)) // pending again
		is.Equal(c1.UserID, nil) // the copied key went with the INSERT
		u.Card = &UmCard{Name: "c2"}
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"INSERT INTO um_users (name) VALUES (?) RETURNING id",
			"INSERT INTO um_cards (name, user_id) VALUES (?, ?) RETURNING id",
		})
		is.Equal(umCardRows(t, db), []string{"c2:" + ownerName(&u.ID)})
		is.True(!s.Contains(c1))
	})
}

// Under the default cascade the same profile is inserted without a
// parent: its foreign key is NULL, not the key of the rolled-back row
// (which the re-inserted user gets again on SQLite, and which names no row
// on PostgreSQL).
func TestUOWRebasedPendingKeyRestored(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)
		u := &UwUser{Name: "u", Profile: &UwProfile{Bio: "f"}}
		is.NoErr(s.Add(u))
		is.NoErr(s.Flush(ctx))
		f := u.Profile
		umFailFlush(t, s, &UwUser{ID: u.ID, Name: "dup"})
		is.Equal(f.UserID, nil)
		u.Profile = nil
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"INSERT INTO uw_users (name) VALUES (?) RETURNING id",
			"INSERT INTO uw_profiles (bio, user_id) VALUES (?, ?) RETURNING id",
		})
		ps, err := quarry.Select(UwProfiles).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(ps), 1)
		is.Equal(ps[0].Bio, "f")
		is.Equal(ps[0].UserID, nil) // was u's rolled-back key
	})
}

// The relationships of a table whose first objects a flush's cascade
// brings into the Session take part in that flush: the new keyword's side
// of the many-to-many gets its snapshot, so the keyword is not dirty
// after the commit and a later removal from its side is written.
func TestUOWCascadedTableSnapshots(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		s := relSession(t, db)
		p := &TPost{Headline: "p"}
		is.NoErr(s.Add(p))
		is.NoErr(s.Commit(ctx)) // the Session holds posts only
		k := &TKeyword{Keyword: "k", Posts: []*TPost{p}}
		p.Keywords = []*TKeyword{k}
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"INSERT INTO keywords (keyword) VALUES (?) RETURNING id",
			"INSERT INTO post_keywords (keyword_id, post_id) VALUES (?, ?)", // written from the keywords' side, first in table order
		})
		is.Equal(len(s.Dirty()), 0) // was [k]: k.Posts had no snapshot
		is.True(!s.IsModified(k))

		k.Posts = []*TPost{} // from the keyword's side only
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"DELETE FROM post_keywords WHERE post_keywords.keyword_id = ? AND post_keywords.post_id = ?"})
		is.Equal(len(p.Keywords), 0) // back-populated
		n, err := quarry.Select(TPosts).Where(TPosts.Keywords.Any()).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// An object inserted by a flush of the transaction and then deleted
// (not flushed yet) stays deleted when a later flush fails: with its
// INSERT rolled back it is a pending object deleted, which leaves the
// Session; it was pending again and the next Commit inserted it.
func TestUOWRebasedDeleteOfInserted(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)
		a, b := &UwAddr{City: "a"}, &UwAddr{City: "b"}
		is.NoErr(s.Add(a, b))
		is.NoErr(s.Flush(ctx))
		is.NoErr(s.Delete(a))
		umFailFlush(t, s, &UwAddr{ID: b.ID, City: "dup"})
		is.True(!s.Contains(a))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"INSERT INTO uw_addrs (city) VALUES (?) RETURNING id"}) // b only
		cities, err := quarry.Select(UwAddrs.City).All(ctx, db)
		is.NoErr(err)
		is.Equal(cities, []string{"b"})
	})
}

// A foreign key that a flush copied into a persistent object is the
// flush's, not the program's: when a later flush fails and the Session is
// rebased on the last commit, the key is put back with the rest, so an
// unlink made after the failure writes nothing (the row never held the
// key), and a link kept is written again from the relationship.
func TestUOWRebasedFlushedKeyRestored(t *testing.T) {
	for _, unlink := range []bool{true, false} {
		t.Run(map[bool]string{true: "unlinked", false: "kept"}[unlink], func(t *testing.T) {
			testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
				is := is.New(t)
				ctx := context.Background()
				uwSchema(t, db)
				s := relSession(t, db)
				u, f := &UwUser{Name: "u"}, &UwProfile{Bio: "f"}
				is.NoErr(s.Add(u, f))
				is.NoErr(s.Commit(ctx))

				u.Profile, f.User = f, u
				is.NoErr(s.Flush(ctx))
				is.Equal(keyOf(f.UserID), u.ID) // copied by the flush
				umFailFlush(t, s, &UwUser{ID: u.ID, Name: "dup"})
				is.Equal(f.UserID, nil) // the committed row's value again
				is.True(f.User == u)    // the program's link is kept

				if unlink {
					u.Profile, f.User = nil, nil
				}
				log.Reset()
				is.NoErr(s.Commit(ctx))
				var owner int64 // none
				if unlink {
					is.Equal(dml(log), nil)
				} else {
					owner = u.ID
					is.Equal(dml(log), []string{"UPDATE uw_profiles SET user_id = ? WHERE uw_profiles.id = ?"})
				}
				ps, err := quarry.Select(UwProfiles).All(ctx, db)
				is.NoErr(err)
				is.Equal(len(ps), 1)
				is.Equal(keyOf(ps[0].UserID), owner)
			})
		})
	}
}

// keyOf is the value of a nullable key, 0 for NULL.
func keyOf(k *int64) int64 {
	if k == nil {
		return 0
	}
	return *k
}

// A pending object that Delete removed from the Session stays out of it:
// the save-update cascade of a parent that still holds it does not bring
// it back (it brings a deleted row's object back no more), while an
// explicit Add does.
func TestUOWDeletedPendingNotCascadedBack(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)
		u := &UwUser{Name: "u", Notes: []*UwNote{}}
		is.NoErr(s.Add(u))
		is.NoErr(s.Commit(ctx))

		n := &UwNote{Text: "n"}
		u.Notes = append(u.Notes, n)
		is.NoErr(s.Add(n))
		is.NoErr(s.Delete(n)) // pending: leaves the Session
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), nil)
		is.True(!s.Contains(n))

		is.NoErr(s.Add(n)) // explicitly: in again
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"INSERT INTO uw_notes (text, user_id) VALUES (?, ?) RETURNING id"})
		texts, err := quarry.Select(UwNotes.Text).All(ctx, db)
		is.NoErr(err)
		is.Equal(texts, []string{"n"})
	})
}

// The same after a failed flush: a note a flush of the transaction
// inserted and the program then deleted is forgotten by the rebase, as a
// pending object deleted is, and its parent's cascade does not insert it
// again.
func TestUOWRebasedDeleteOfInsertedStillHeld(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)
		u := &UwUser{Name: "u", Notes: []*UwNote{}}
		is.NoErr(s.Add(u))
		is.NoErr(s.Commit(ctx))

		n := &UwNote{Text: "n"}
		u.Notes = append(u.Notes, n)
		is.NoErr(s.Flush(ctx)) // n comes in through the cascade
		is.True(n.ID != 0)
		is.NoErr(s.Delete(n)) // still in u.Notes
		umFailFlush(t, s, &UwUser{ID: u.ID, Name: "dup"})
		is.True(!s.Contains(n))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), nil)
		count, err := quarry.Select(UwNotes).Count(ctx, db)
		is.NoErr(err)
		is.Equal(count, int64(0))
	})
}

// A one-to-one link set before a flush that a later failed flush rolled
// back yields to a change made since, from either side, as it would have
// without the failure: the child a parent took since, one-sided, is the
// one the next flush links, the one it held before loses its key, and a
// child a parent gave up since stays unlinked.
func TestUOWRebasedOneToOneYields(t *testing.T) {
	type tc struct {
		name string
		// run links, flushes, then relinks; it returns the user to
		// check and the profile expected to be its own (nil: none).
		run func(t *testing.T, s *quarry.Session, u *UwUser) (*UwUser, *UwProfile)
	}
	ctx := context.Background()
	cases := []tc{
		{"child repointed since", func(t *testing.T, s *quarry.Session, u *UwUser) (*UwUser, *UwProfile) {
			is := is.New(t)
			f1 := &UwProfile{Bio: "f1"}
			is.NoErr(s.Add(f1))
			is.NoErr(s.Flush(ctx))
			u.Profile, f1.User = f1, u
			is.NoErr(s.Flush(ctx))
			f2 := &UwProfile{Bio: "f2"}
			is.NoErr(s.Add(f2))
			f2.User = u // only this side
			return u, f2
		}},
		{"parent inserted before takes nothing", func(t *testing.T, s *quarry.Session, u *UwUser) (*UwUser, *UwProfile) {
			is := is.New(t)
			f := &UwProfile{Bio: "f"}
			other := &UwUser{Name: "other", Profile: f}
			is.NoErr(s.Add(other))
			is.NoErr(s.Flush(ctx))
			u.Profile = f // only this side
			return u, f
		}},
		{"parent inserted before gave it up", func(t *testing.T, s *quarry.Session, u *UwUser) (*UwUser, *UwProfile) {
			is := is.New(t)
			f := &UwProfile{Bio: "f"}
			other := &UwUser{Name: "other", Profile: f}
			f.User = other
			is.NoErr(s.Add(other))
			is.NoErr(s.Flush(ctx))
			other.Profile = nil // only this side
			return other, nil
		}},
	}
	for _, c := range cases {
		for _, fail := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/failed=%v", c.name, fail), func(t *testing.T) {
				testdb.Each(t, func(t *testing.T, db *quarry.DB) {
					is := is.New(t)
					uwSchema(t, db)
					s := relSession(t, db)
					u := &UwUser{Name: "u"}
					is.NoErr(s.Add(u))
					is.NoErr(s.Commit(ctx))

					owner, want := c.run(t, s, u)
					if fail {
						umFailFlush(t, s, &UwUser{ID: u.ID, Name: "dup"})
					}
					is.NoErr(s.Commit(ctx))
					is.True(owner.Profile == want)
					ps, err := quarry.Select(UwProfiles).OrderBy(UwProfiles.Bio.Asc()).All(ctx, db)
					is.NoErr(err)
					var owned, wantOwned []string
					for _, p := range ps {
						if keyOf(p.UserID) == owner.ID {
							owned = append(owned, p.Bio)
						}
					}
					if want != nil {
						wantOwned = []string{want.Bio}
					}
					is.Equal(owned, wantOwned) // the owner's profile, and only it
				})
			})
		}
	}
}

// The same for a one-to-many collection: a child that a parent inserted
// before the rolled-back flush held, appended since to another parent's
// collection, moves to that parent.
func TestUOWRebasedCollectionMoveYields(t *testing.T) {
	ctx := context.Background()
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failed=%v", fail), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				uwSchema(t, db)
				s := relSession(t, db)
				u := &UwUser{Name: "u", Notes: []*UwNote{}}
				is.NoErr(s.Add(u))
				is.NoErr(s.Commit(ctx))

				n := &UwNote{Text: "n"}
				other := &UwUser{Name: "other", Notes: []*UwNote{n}}
				is.NoErr(s.Add(other))
				is.NoErr(s.Flush(ctx))
				u.Notes = append(u.Notes, n) // only this side
				if fail {
					umFailFlush(t, s, &UwUser{ID: u.ID, Name: "dup"})
				}
				is.NoErr(s.Commit(ctx))
				is.Equal(len(other.Notes), 0)
				notes, err := quarry.Select(UwNotes).All(ctx, db)
				is.NoErr(err)
				is.Equal(len(notes), 1)
				is.Equal(keyOf(notes[0].UserID), u.ID)
			})
		})
	}
}

// The Delete of an object that a flush of the transaction inserted keeps
// its delete cascade when a failed flush rolls that flush back: the object
// is forgotten (its row is gone), and what its cascade reaches is deleted
// by the next flush (a persistent object) or forgotten with it (one the
// same flush inserted), as without the failure.
func TestUOWRebasedDeleteKeepsCascade(t *testing.T) {
	ctx := context.Background()
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failed=%v", fail), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				saSchema(t, db)
				s := relSession(t, db)
				t3, other := &SaT3{Data: "t3"}, &SaT3{Data: "other"}
				is.NoErr(s.Add(t3, other))
				is.NoErr(s.Commit(ctx))

				t2 := &SaT2{Data: "t2", T3: t3}
				t1 := &SaT1{Data: "t1", T2: t2}
				is.NoErr(s.Add(t1))
				is.NoErr(s.Flush(ctx))
				is.NoErr(s.Delete(t1))
				if fail {
					umFailFlush(t, s, &SaT3{ID: other.ID, Data: "dup"})
					is.True(!s.Contains(t1))
					is.True(!s.Contains(t2))
				}
				is.NoErr(s.Commit(ctx))
				for _, n := range []func() (int64, error){
					func() (int64, error) { return quarry.Select(SaT1s).Count(ctx, db) },
					func() (int64, error) { return quarry.Select(SaT2s).Count(ctx, db) },
				} {
					got, err := n()
					is.NoErr(err)
					is.Equal(got, int64(0))
				}
				left, err := quarry.Select(SaT3s.Data).All(ctx, db)
				is.NoErr(err)
				is.Equal(left, []string{"other"}) // t3 deleted by the cascade
				is.True(!s.Contains(t3))
			})
		})
	}
}

// Both sides of a many-to-many linked (or unlinked) and flushed, then one
// side changed back: after a failed flush rolled that flush back, the side
// changed since wins over the side left as flushed, as without the
// failure.
func TestUOWRebasedManyToManyYields(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		linked   bool // committed linked
		wantLink bool
	}{
		{"unlinked since from one side", false, false},
		{"relinked since from one side", true, true},
	}
	for _, c := range cases {
		for _, fail := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/failed=%v", c.name, fail), func(t *testing.T) {
				testdb.Each(t, func(t *testing.T, db *quarry.DB) {
					is := is.New(t)
					is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
					s := relSession(t, db)
					p := &TPost{Headline: "p", Keywords: []*TKeyword{}}
					k := &TKeyword{Keyword: "k", Posts: []*TPost{}}
					if c.linked {
						p.Keywords, k.Posts = []*TKeyword{k}, []*TPost{p}
					}
					is.NoErr(s.Add(p, k))
					is.NoErr(s.Commit(ctx))

					if c.linked { // unlink both sides, flush, relink from one
						p.Keywords, k.Posts = []*TKeyword{}, []*TPost{}
						is.NoErr(s.Flush(ctx))
						k.Posts = []*TPost{p}
					} else { // link both sides, flush, unlink from one
						p.Keywords, k.Posts = []*TKeyword{k}, []*TPost{p}
						is.NoErr(s.Flush(ctx))
						p.Keywords = []*TKeyword{}
					}
					if fail {
						bad := &TKeyword{Keyword: "k"} // UNIQUE fails
						is.NoErr(s.Add(bad))
						is.True(s.Flush(ctx) != nil)
						s.Expunge(bad)
					}
					is.NoErr(s.Commit(ctx))
					fresh := relSession(t, db)
					ps, err := quarry.Select(TPosts).Options(quarry.SelectIn(TPosts.Keywords)).All(ctx, fresh)
					is.NoErr(err)
					is.Equal(len(ps), 1)
					is.Equal(len(ps[0].Keywords) == 1, c.wantLink) // the row
					is.Equal(len(p.Keywords) == 1, c.wantLink)     // both sides agree
					is.Equal(len(k.Posts) == 1, c.wantLink)
				})
			})
		}
	}
}

// A card added explicitly and linked, flushed, then unlinked: an orphan
// under delete-orphan, whose row the next flush deletes. When a failed
// flush rolls back the flush that inserted it, it is pending again and
// still an orphan: the next flush forgets it rather than inserting it
// unlinked.
func TestUOWRebasedExplicitOrphanForgotten(t *testing.T) {
	ctx := context.Background()
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failed=%v", fail), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				is.NoErr(db.CreateAll(ctx, UmUsers, UmCards))
				s := relSession(t, db)
				u := &UmUser{Name: "u"}
				is.NoErr(s.Add(u))
				is.NoErr(s.Commit(ctx))

				c := &UmCard{Name: "c"}
				is.NoErr(s.Add(c))
				u.Card, c.User = c, u
				is.NoErr(s.Flush(ctx))
				u.Card, c.User = nil, nil
				if fail {
					umFailFlush(t, s, &UmUser{ID: u.ID, Name: "dup"})
				}
				is.NoErr(s.Commit(ctx))
				is.Equal(umCardRows(t, db), nil)
				is.True(!s.Contains(c))
			})
		})
	}
}

// A failed flush is undone as a whole, its cascades too: an object that
// only its save-update cascade brought in is not in the Session after it,
// so once nothing refers to it no flush inserts it, as if the failed flush
// had not run. One failed flush or two in a row.
func TestUOWFailedFlushForgetsItsCascades(t *testing.T) {
	ctx := context.Background()
	for _, fails := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("fails=%d", fails), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				saSchema(t, db)
				s := relSession(t, db)
				t1, other := &SaT1{Data: "t1"}, &SaT3{Data: "other"}
				is.NoErr(s.Add(t1, other))
				is.NoErr(s.Commit(ctx))

				t2 := &SaT2{Data: "t2"}
				t1.T2 = t2
				if fails > 0 {
					umFailFlush(t, s, &SaT3{ID: other.ID, Data: "dup"})
					is.True(!s.Contains(t2))
					is.Equal(t2.ID, int64(0))
				}
				t1.T2 = nil
				if fails > 1 {
					umFailFlush(t, s, &SaT3{ID: other.ID, Data: "dup"})
				}
				is.NoErr(s.Commit(ctx))
				n, err := quarry.Select(SaT2s).Count(ctx, db)
				is.NoErr(err)
				is.Equal(n, int64(0))
				is.True(!s.Contains(t2))
			})
		})
	}
}

// A new parent and its card, flushed, then the card's own field cleared
// (one side only): an orphan under delete-orphan, deleted by the next
// flush. After a failed flush rolled back their INSERTs, the card's
// cleared field still wins over the parent's field that holds it, and the
// card is forgotten rather than inserted.
func TestUOWRebasedChildSideUnlinkWins(t *testing.T) {
	ctx := context.Background()
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failed=%v", fail), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				is.NoErr(db.CreateAll(ctx, UmUsers, UmCards))
				s := relSession(t, db)
				other := &UmUser{Name: "other"}
				is.NoErr(s.Add(other))
				is.NoErr(s.Commit(ctx))

				c := &UmCard{Name: "c"}
				u := &UmUser{Name: "u", Card: c}
				is.NoErr(s.Add(u))
				is.NoErr(s.Flush(ctx))
				is.True(c.User == u) // back-populated by the flush
				c.User = nil         // only this side
				if fail {
					umFailFlush(t, s, &UmUser{ID: other.ID, Name: "dup"})
				}
				is.NoErr(s.Commit(ctx))
				is.Equal(umCardRows(t, db), nil)
				is.True(u.Card == nil)
				names, err := quarry.Select(UmUsers.Name).OrderBy(UmUsers.Name).All(ctx, db)
				is.NoErr(err)
				is.Equal(names, []string{"other", "u"})
			})
		})
	}
}

// An object deleted while pending, or inserted by a flush that a failed
// flush rolled back and deleted in between, leaves the collections that
// hold it at the next flush, as a deleted row's object does: they stay
// loaded, and Rollback keeps them so.
func TestUOWDroppedLeavesCollections(t *testing.T) {
	ctx := context.Background()
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failed=%v", fail), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
				s := relSession(t, db)
				p := &TPost{Headline: "p", Keywords: []*TKeyword{}}
				is.NoErr(s.Add(p))
				is.NoErr(s.Commit(ctx))

				k := &TKeyword{Keyword: "k"}
				p.Keywords = []*TKeyword{k}
				if fail {
					is.NoErr(s.Flush(ctx))
				} else {
					is.NoErr(s.Add(k))
				}
				is.NoErr(s.Delete(k))
				if fail {
					bad := &TPost{ID: p.ID, Headline: "dup"}
					umFailFlush(t, s, bad)
				}
				is.NoErr(s.Commit(ctx))
				is.Equal(len(p.Keywords), 0)
				p.Headline = "changed"
				is.NoErr(s.Rollback(ctx))
				is.True(p.Keywords != nil) // still loaded
				is.Equal(p.Headline, "p")
				n, err := quarry.Select(TKeywords).Count(ctx, db)
				is.NoErr(err)
				is.Equal(n, int64(0))
			})
		})
	}
}

// A savepoint's rollback puts back the record of what flushes set on an
// object, as well as its columns: a foreign key a flush inside the
// savepoint changed and the rollback put back is put back to its committed
// value by a later failed flush's rebase, not taken for the program's.
func TestUOWSavepointRollbackKeepsFlushRecord(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)
		u, f := &UwUser{Name: "u"}, &UwProfile{Bio: "f"}
		is.NoErr(s.Add(u, f))
		is.NoErr(s.Commit(ctx))

		f.User = u
		is.NoErr(s.Flush(ctx))
		is.Equal(keyOf(f.UserID), u.ID) // copied by the flush
		sp, err := s.BeginNested(ctx)
		is.NoErr(err)
		f.User = nil
		is.NoErr(s.Flush(ctx))
		is.Equal(f.UserID, nil) // nulled by the flush
		is.NoErr(sp.Rollback(ctx))
		is.Equal(keyOf(f.UserID), u.ID)

		f.User = nil
		umFailFlush(t, s, &UwUser{ID: u.ID, Name: "dup"})
		is.Equal(f.UserID, nil) // the committed value again
		is.NoErr(s.Commit(ctx))
		ps, err := quarry.Select(UwProfiles).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(ps), 1)
		is.Equal(ps[0].UserID, nil)
	})
}

// A child pointed at one parent from its own side, flushed, then taken by
// another parent from that parent's side: the flush that follows links
// it to the second parent, over the child's older field. When failed
// flushes roll back the first flush, then that one too, the second parent
// still wins, as without the failures.
func TestUOWRebasedTwiceNewerParentWins(t *testing.T) {
	ctx := context.Background()
	for _, fails := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("fails=%d", fails), func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				is.NoErr(db.CreateAll(ctx, UmUsers, UmCards))
				s := relSession(t, db)
				p1, p2 := &UmUser{Name: "p1"}, &UmUser{Name: "p2"}
				is.NoErr(s.Add(p1, p2))
				is.NoErr(s.Commit(ctx))

				c := &UmCard{Name: "c"}
				is.NoErr(s.Add(c))
				c.User = p1 // only this side
				is.NoErr(s.Flush(ctx))
				p2.Card = c // only this side
				if fails > 0 {
					umFailFlush(t, s, &UmUser{ID: p1.ID, Name: "dup"})
					is.NoErr(s.Flush(ctx))
				}
				if fails > 1 {
					umFailFlush(t, s, &UmUser{ID: p1.ID, Name: "dup"})
				}
				is.NoErr(s.Commit(ctx))
				is.Equal(umCardRows(t, db), []string{"c:" + strconv.FormatInt(p2.ID, 10)})
				is.True(p2.Card == c)
				is.True(p1.Card == nil)
				is.True(c.User == p2)
			})
		})
	}
}
