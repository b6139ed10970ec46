package quarry_test

// Ports of SQLAlchemy's test/orm/test_cascade.py, one-to-many cases:
// O2MCascadeDeleteOrphanTest on UwOwner/UwEmail (cascade "all,
// delete-orphan", NOT NULL key) and O2MCascadeDeleteNoOrphanTest on
// UwUser/UwNote (cascade "all", nullable key). Each case asserts the rows
// left after its flushes.

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// count returns the number of rows of a table.
func count[T any](t *testing.T, db *quarry.DB, src quarry.Selectable[T]) int64 {
	t.Helper()
	n, err := quarry.Select(src).Count(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUOWCascadeO2M(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, db *quarry.DB, s *quarry.Session)
	}{
		{"list_assignment_replace", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwOwner{Name: "jack", Emails: []*UwEmail{{Addr: "someorder"}, {Addr: "someotherorder"}}}
			is.NoErr(s.Add(u))
			u.Emails = []*UwEmail{{Addr: "order 3"}, {Addr: "order 4"}}
			is.NoErr(s.Commit(ctx))
			addrs, err := quarry.Select(UwEmails.Addr).OrderBy(UwEmails.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(addrs, []string{"order 3", "order 4"})
		}},
		{"standalone_orphan", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			o5 := &UwEmail{Addr: "order 5"}
			is.NoErr(s.Add(o5))
			is.True(s.Flush(ctx) != nil) // owner_id 0 names no owner
			is.True(s.Contains(o5))      // still pending after the failed flush
			is.Equal(count(t, db, UwEmails), int64(0))
		}},
		{"remove_pending_from_collection", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwOwner{Name: "jack", Emails: []*UwEmail{}}
			is.NoErr(s.Add(u))
			is.NoErr(s.Commit(ctx))
			o1 := &UwEmail{Addr: "o1"}
			u.Emails = append(u.Emails, o1)
			is.NoErr(s.Flush(ctx))
			u.Emails = u.Emails[:0]
			is.NoErr(s.Commit(ctx))
			is.True(!s.Contains(o1))
			is.Equal(count(t, db, UwEmails), int64(0))
		}},
		{"delete", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwOwner{Name: "jack", Emails: []*UwEmail{{Addr: "a"}, {Addr: "b"}}}
			is.NoErr(s.Add(u))
			is.NoErr(s.Flush(ctx))
			is.NoErr(s.Delete(u))
			is.NoErr(s.Commit(ctx))
			is.Equal(count(t, db, UwOwners), int64(0))
			is.Equal(count(t, db, UwEmails), int64(0))
		}},
		{"delete_unloaded_collections", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwOwner{Name: "jack", Emails: []*UwEmail{{Addr: "a"}, {Addr: "b"}}}
			is.NoErr(s.Add(u))
			is.NoErr(s.Commit(ctx))
			s.ExpungeAll()
			got, err := quarry.Get(ctx, s, UwOwners, u.ID)
			is.NoErr(err)
			is.Equal(got.Emails, []*UwEmail(nil)) // not loaded
			is.NoErr(s.Delete(got))
			is.NoErr(s.Commit(ctx))
			is.Equal(count(t, db, UwOwners), int64(0))
			is.Equal(count(t, db, UwEmails), int64(0))
		}},
		{"cascades_onlycollection", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwOwner{Name: "jack", Emails: []*UwEmail{{Addr: "someorder"}, {Addr: "someotherorder"}}}
			is.NoErr(s.Add(u))
			is.NoErr(s.Flush(ctx))
			o := u.Emails[0]
			u.Emails = u.Emails[1:]
			is.NoErr(s.Delete(u))
			u2 := &UwOwner{Name: "newuser", Emails: []*UwEmail{o}}
			is.NoErr(s.Add(u2))
			is.NoErr(s.Commit(ctx))
			is.Equal(count(t, db, UwOwners), int64(1))
			emails, err := quarry.Select(UwEmails).All(ctx, db)
			is.NoErr(err)
			is.Equal(len(emails), 1)
			is.Equal(emails[0].Addr, "someorder")
			is.Equal(emails[0].OwnerID, u2.ID)
		}},
		{"cascade_delete_plusorphans", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwOwner{Name: "jack", Emails: []*UwEmail{{Addr: "a"}, {Addr: "b"}}}
			is.NoErr(s.Add(u))
			is.NoErr(s.Flush(ctx))
			u.Emails = u.Emails[1:]
			is.NoErr(s.Delete(u))
			is.NoErr(s.Commit(ctx))
			is.Equal(count(t, db, UwOwners), int64(0))
			is.Equal(count(t, db, UwEmails), int64(0))
		}},
		{"collection_orphans", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwOwner{Name: "jack", Emails: []*UwEmail{{Addr: "a"}, {Addr: "b"}}}
			is.NoErr(s.Add(u))
			is.NoErr(s.Flush(ctx))
			u.Emails = u.Emails[:0]
			is.NoErr(s.Commit(ctx))
			is.Equal(count(t, db, UwOwners), int64(1))
			is.Equal(count(t, db, UwEmails), int64(0))
		}},
		{"cascade_delete_noorphans", func(t *testing.T, db *quarry.DB, s *quarry.Session) {
			is := is.New(t)
			ctx := context.Background()
			u := &UwUser{Name: "jack", Notes: []*UwNote{{Text: "a"}, {Text: "b"}}}
			is.NoErr(s.Add(u))
			is.NoErr(s.Flush(ctx))
			u.Notes = u.Notes[1:]
			is.NoErr(s.Delete(u))
			is.NoErr(s.Commit(ctx))
			is.Equal(count(t, db, UwUsers), int64(0))
			is.Equal(uwNoteRows(t, db), []string{"a:-"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				uwSchema(t, db)
				tc.run(t, db, relSession(t, db))
			})
		})
	}
}
