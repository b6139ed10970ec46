package quarry_test

// Regression tests of the unit of work: each names the data-loss path it
// closes, runs on every backend and asserts the statements sent and the
// rows left in the database.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// UwUser has notes (cascade all, no delete-orphan, nullable key) and a
// one-to-one profile whose key is on the profile.
type UwUser struct {
	ID      int64
	Name    string
	Notes   []*UwNote
	Profile *UwProfile
}

type UwUserTable struct {
	quarry.Entity[UwUser]
	ID      quarry.Column[int64] `quarry:"id,pk"`
	Name    quarry.Column[string]
	Notes   quarry.Many[UwUser, UwNote]   `quarry:"order=id,back=User,cascade=all"`
	Profile quarry.One[UwUser, UwProfile] `quarry:"back=User"`
}

type UwNote struct {
	ID     int64
	Text   string
	UserID *int64
	User   *UwUser
}

type UwNoteTable struct {
	quarry.Entity[UwNote]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Text   quarry.Column[string]
	UserID quarry.Column[*int64]      `quarry:"user_id,fk=uw_users.id"`
	User   quarry.One[UwNote, UwUser] `quarry:"back=Notes"`
}

type UwProfile struct {
	ID     int64
	Bio    string
	UserID *int64
	User   *UwUser
}

type UwProfileTable struct {
	quarry.Entity[UwProfile]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Bio    quarry.Column[string]
	UserID quarry.Column[*int64]         `quarry:"user_id,fk=uw_users.id"`
	User   quarry.One[UwProfile, UwUser] `quarry:"back=Profile"`
}

// UwOwner has emails under delete-orphan, with a NOT NULL key.
type UwOwner struct {
	ID     int64
	Name   string
	Emails []*UwEmail
}

type UwOwnerTable struct {
	quarry.Entity[UwOwner]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Name   quarry.Column[string]
	Emails quarry.Many[UwOwner, UwEmail] `quarry:"order=id,back=Owner,cascade=all,delete-orphan"`
}

type UwEmail struct {
	ID      int64
	Addr    string
	OwnerID int64
	Owner   *UwOwner
}

type UwEmailTable struct {
	quarry.Entity[UwEmail]
	ID      quarry.Column[int64] `quarry:"id,pk"`
	Addr    quarry.Column[string]
	OwnerID quarry.Column[int64]         `quarry:"owner_id,fk=uw_owners.id"`
	Owner   quarry.One[UwEmail, UwOwner] `quarry:"back=Emails"`
}

// UwTeam has members with the default cascade and a NOT NULL key.
type UwTeam struct {
	ID      int64
	Members []*UwMember
}

type UwTeamTable struct {
	quarry.Entity[UwTeam]
	ID      quarry.Column[int64]          `quarry:"id,pk"`
	Members quarry.Many[UwTeam, UwMember] `quarry:"order=id"`
}

type UwMember struct {
	ID     int64
	Name   string
	TeamID int64
}

type UwMemberTable struct {
	quarry.Entity[UwMember]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Name   quarry.Column[string]
	TeamID quarry.Column[int64] `quarry:"team_id,fk=uw_teams.id"`
}

// UwOrder has a many-to-one with the delete cascade.
type UwOrder struct {
	ID     int64
	AddrID *int64
	Addr   *UwAddr
}

type UwOrderTable struct {
	quarry.Entity[UwOrder]
	ID     quarry.Column[int64]        `quarry:"id,pk"`
	AddrID quarry.Column[*int64]       `quarry:"addr_id,fk=uw_addrs.id"`
	Addr   quarry.One[UwOrder, UwAddr] `quarry:"cascade=all"`
}

type UwAddr struct {
	ID   int64
	City string
}

type UwAddrTable struct {
	quarry.Entity[UwAddr]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	City quarry.Column[string]
}

var (
	UwUsers    = quarry.Table[UwUser, UwUserTable]("uw_users")
	UwNotes    = quarry.Table[UwNote, UwNoteTable]("uw_notes")
	UwProfiles = quarry.Table[UwProfile, UwProfileTable]("uw_profiles")
	UwOwners   = quarry.Table[UwOwner, UwOwnerTable]("uw_owners")
	UwEmails   = quarry.Table[UwEmail, UwEmailTable]("uw_emails")
	UwTeams    = quarry.Table[UwTeam, UwTeamTable]("uw_teams")
	UwMembers  = quarry.Table[UwMember, UwMemberTable]("uw_members")
	UwOrders   = quarry.Table[UwOrder, UwOrderTable]("uw_orders")
	UwAddrs    = quarry.Table[UwAddr, UwAddrTable]("uw_addrs")
)

func uwSchema(t *testing.T, db *quarry.DB) {
	t.Helper()
	if err := db.CreateAll(context.Background(), UwUsers, UwNotes, UwProfiles, UwOwners, UwEmails, UwTeams, UwMembers, UwAddrs, UwOrders); err != nil {
		t.Fatal(err)
	}
}

// uwNoteRows returns "text:user_id" for every note, in id order ("-" for
// a NULL user_id).
func uwNoteRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	notes, err := quarry.Select(UwNotes).OrderBy(UwNotes.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range notes {
		out = append(out, n.Text+":"+ownerName(n.UserID))
	}
	return out
}

func ownerName(id *int64) string {
	if id == nil {
		return "-"
	}
	return string(rune('0' + *id))
}

// uwUserWithNotes commits a user with the given notes and returns it in
// a new Session with its notes loaded.
func uwUserWithNotes(t *testing.T, db *quarry.DB, name string, notes ...string) (*quarry.Session, *UwUser) {
	t.Helper()
	ctx := context.Background()
	u := &UwUser{Name: name}
	for _, n := range notes {
		u.Notes = append(u.Notes, &UwNote{Text: n})
	}
	if err := db.Transaction(ctx, func(s *quarry.Session) error { return s.Add(u) }); err != nil {
		t.Fatal(err)
	}
	s := relSession(t, db)
	got, err := quarry.Get(ctx, s, UwUsers, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := UwUsers.Notes.Load(ctx, s, got); err != nil {
		t.Fatal(err)
	}
	return s, got
}

// dml returns the INSERT, UPDATE and DELETE statements of the log.
func dml(log *testdb.Log) []string {
	var out []string
	for _, s := range relFlushSQL(log) {
		if !strings.HasPrefix(s, "SELECT") {
			out = append(out, s)
		}
	}
	return out
}

// Item 1: a deleted child still in its parent's loaded collection is not
// inserted again by the save-update cascade, and leaves the collection.
func TestUOWDeletedNotWrittenBack(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u := uwUserWithNotes(t, db, "ed", "n1", "n2")
		n1 := u.Notes[0]
		log.Reset()
		is.NoErr(s.Delete(n1))
		is.NoErr(s.Flush(ctx))
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"DELETE FROM uw_notes WHERE uw_notes.id = ?"})
		is.Equal(len(u.Notes), 1) // the flushed delete left the collection
		is.NoErr(s.Commit(ctx))
		is.Equal(uwNoteRows(t, db), []string{"n2:1"})
		is.NoErr(s.Delete(n1)) // a second Delete is a no-op
		err := s.Add(n1)
		is.True(err != nil) // adding a deleted object is an error
		is.True(strings.Contains(err.Error(), "deleted"))
		is.NoErr(s.Commit(ctx))
		is.Equal(uwNoteRows(t, db), []string{"n2:1"})
	})
}

// Item 1: after a row switch (delete and insert of one key in a flush)
// the next Commit succeeds and the transaction is closed.
func TestUOWRowSwitchThenCommit(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u := uwUserWithNotes(t, db, "ed", "n1", "n2")
		n1 := u.Notes[0]
		is.NoErr(s.Delete(n1))
		is.NoErr(s.Add(&UwNote{ID: n1.ID, Text: "switched", UserID: &u.ID}))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(dml(log), []string{"UPDATE uw_notes SET text = ? WHERE uw_notes.id = ?"})
		is.NoErr(s.Commit(ctx))
		is.NoErr(s.Commit(ctx))
		is.Equal(uwNoteRows(t, db), []string{"switched:1", "n2:1"})
		// Nothing holds a transaction: another connection writes.
		_, err := db.Exec(ctx, quarry.Text("UPDATE uw_notes SET text = 'x' WHERE id = 2"))
		is.NoErr(err)
	})
}

// Item 2: with cascade "all" and no delete-orphan, only the children still
// in the collection follow the parent's delete; a removed one keeps its
// row with a NULL key.
func TestUOWDeleteCascadeSkipsRemoved(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u := uwUserWithNotes(t, db, "ed", "n1", "n2")
		u.Notes = u.Notes[1:]
		is.NoErr(s.Delete(u))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"UPDATE uw_notes SET user_id = ? WHERE uw_notes.id = ?",
			"DELETE FROM uw_notes WHERE uw_notes.id = ?",
			"DELETE FROM uw_users WHERE uw_users.id = ?",
		})
		is.Equal(uwNoteRows(t, db), []string{"n1:-"})
	})
}

// Item 3: Rollback restores collection fields to their committed value,
// and the next Commit writes nothing that was rolled back.
func TestUOWRollbackRestoresCollections(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u := uwUserWithNotes(t, db, "ed", "n1", "n2")
		n1, n2 := u.Notes[0], u.Notes[1]

		u.Notes = []*UwNote{}
		is.NoErr(s.Flush(ctx))
		is.NoErr(s.Rollback(ctx))
		is.Equal(u.Notes, []*UwNote{n1, n2})

		extra := &UwNote{Text: "extra"}
		u.Notes = append(u.Notes, extra)
		is.NoErr(s.Flush(ctx))
		is.NoErr(s.Rollback(ctx))
		is.Equal(u.Notes, []*UwNote{n1, n2})
		is.True(!s.Contains(extra))

		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string(nil))
		is.Equal(uwNoteRows(t, db), []string{"n1:1", "n2:1"})
	})
}

// Item 3: Rollback does not re-attach an object the program expunged, and
// a collection naming it is reset to "not loaded" rather than orphaning it.
func TestUOWRollbackKeepsExpunged(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u := uwUserWithNotes(t, db, "ed", "n1", "n2")
		n1 := u.Notes[0]
		is.NoErr(s.Delete(n1))
		is.NoErr(s.Flush(ctx))
		s.Expunge(n1)
		is.NoErr(s.Rollback(ctx))
		is.True(!s.Contains(n1))
		is.Equal(u.Notes, []*UwNote(nil))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string(nil))
		is.Equal(uwNoteRows(t, db), []string{"n1:1", "n2:1"})
	})
}

// Item 4: a one-to-one whose key is on the target inserts, replaces,
// unlinks and deletes.
func TestUOWOneToOne(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		log.Reset()
		s := relSession(t, db)
		u := &UwUser{Name: "ed", Profile: &UwProfile{Bio: "first"}}
		is.NoErr(s.Add(u))
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"INSERT INTO uw_users (name) VALUES (?) RETURNING id",
			"INSERT INTO uw_profiles (bio, user_id) VALUES (?, ?) RETURNING id",
		})
		first := u.Profile
		is.True(first.User == u) // back-populated
		is.Equal(*first.UserID, u.ID)

		log.Reset()
		u.Profile = &UwProfile{Bio: "second"}
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"UPDATE uw_profiles SET user_id = ? WHERE uw_profiles.id = ?",
			"INSERT INTO uw_profiles (bio, user_id) VALUES (?, ?) RETURNING id",
		})
		is.Equal(first.UserID, (*int64)(nil))

		// From the other side: the profile points at another user.
		wendy := &UwUser{Name: "wendy"}
		is.NoErr(s.Add(wendy))
		second := u.Profile
		second.User = wendy
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.True(wendy.Profile == second)
		is.True(u.Profile == nil)
		is.Equal(*second.UserID, wendy.ID)

		log.Reset()
		is.NoErr(s.Delete(wendy))
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"UPDATE uw_profiles SET user_id = ? WHERE uw_profiles.id = ?",
			"DELETE FROM uw_users WHERE uw_users.id = ?",
		})
		profiles, err := quarry.Select(UwProfiles).OrderBy(UwProfiles.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(profiles), 2)
		is.Equal(profiles[0].UserID, (*int64)(nil))
		is.Equal(profiles[1].UserID, (*int64)(nil))
	})
}

// Item 5: a pending child removed from its pending parent's collection is
// expunged under delete-orphan, inserted without a parent otherwise, and
// reported when its key cannot be NULL.
func TestUOWPendingOrphans(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)

		old := &UwEmail{Addr: "old"}
		o := &UwOwner{Name: "o", Emails: []*UwEmail{old}}
		is.NoErr(s.Add(o))
		o.Emails = []*UwEmail{{Addr: "new"}}
		is.NoErr(s.Commit(ctx))
		is.True(!s.Contains(old))
		emails, err := quarry.Select(UwEmails).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(emails), 1)
		is.Equal(emails[0].Addr, "new")
		is.Equal(emails[0].OwnerID, o.ID)

		oldNote := &UwNote{Text: "old"}
		u := &UwUser{Name: "u", Notes: []*UwNote{oldNote}}
		is.NoErr(s.Add(u))
		u.Notes = []*UwNote{{Text: "new"}}
		is.NoErr(s.Commit(ctx))
		is.Equal(uwNoteRows(t, db), []string{"old:-", "new:1"})

		gone := &UwMember{Name: "gone"}
		team := &UwTeam{Members: []*UwMember{gone}}
		is.NoErr(s.Add(team))
		team.Members = []*UwMember{{Name: "kept"}}
		log.Reset()
		err = s.Commit(ctx)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "team_id cannot be NULL"))
		is.True(strings.Contains(err.Error(), "UwTeam.Members"))
		is.Equal(dml(log), []string(nil))
		s.Expunge(gone)
		is.NoErr(s.Commit(ctx))
		members, err := quarry.Select(UwMembers).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(members), 1)
		is.Equal(members[0].Name, "kept")
	})
}

// Item 7: a child appended to another loaded collection while still in
// its first one moves, every time, and leaves the first in memory; two
// collections gaining one child is an error naming both parents.
func TestUOWMovedChildDeterministic(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u1 := uwUserWithNotes(t, db, "u1", "a", "b")
		u2 := &UwUser{Name: "u2", Notes: []*UwNote{}}
		is.NoErr(s.Add(u2))
		is.NoErr(s.Commit(ctx))
		for i := range 20 {
			from, to := u1, u2
			if i%2 == 1 {
				from, to = u2, u1
			}
			n := from.Notes[0]
			to.Notes = append(to.Notes, n)
			is.NoErr(s.Commit(ctx))
			is.Equal(*n.UserID, to.ID)
			is.True(n.User == to)
			is.True(!slices.Contains(from.Notes, n))
		}
		is.Equal(uwNoteRows(t, db), []string{"a:1", "b:1"})

		both := &UwNote{Text: "both"}
		u1.Notes = append(u1.Notes, both)
		u2.Notes = append(u2.Notes, both)
		err := s.Commit(ctx)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "two"))
		is.True(strings.Contains(err.Error(), "[1]") && strings.Contains(err.Error(), "[2]"))
		u1.Notes = u1.Notes[:len(u1.Notes)-1]
		is.NoErr(s.Commit(ctx))
		is.Equal(uwNoteRows(t, db), []string{"a:1", "b:1", "both:2"})
	})
}

// Item 8: a many-to-one delete cascade follows the field as it is at
// flush time.
func TestUOWCascadeAtFlushTime(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)
		a1, a2 := &UwAddr{City: "a1"}, &UwAddr{City: "a2"}
		o := &UwOrder{Addr: a1}
		is.NoErr(s.Add(o, a2))
		is.NoErr(s.Commit(ctx))
		is.NoErr(s.Delete(o))
		o.Addr = a2
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{
			"DELETE FROM uw_orders WHERE uw_orders.id = ?",
			"DELETE FROM uw_addrs WHERE uw_addrs.id = ?",
		})
		addrs, err := quarry.Select(UwAddrs).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(addrs), 1)
		is.Equal(addrs[0].City, "a1")
	})
}

// Item 13: a child's foreign key is not rewritten when neither its
// many-to-one nor its membership changed, even when its parent is
// re-added as a new row.
func TestUOWUnchangedManyToOneNotResynced(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		u := &CasUser{Name: "ed", Addresses: []*CasAddress{{EmailAddress: "a"}}}
		is.NoErr(s.Add(u))
		is.NoErr(s.Commit(ctx))
		a := u.Addresses[0]
		oldID := u.ID
		s.Expunge(u) // the default cascade does not expunge a
		u.ID = 0
		is.NoErr(s.Add(u))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"INSERT INTO cas_users (name) VALUES (?) RETURNING id"})
		is.True(u.ID != oldID)
		is.Equal(*a.UserID, oldID)
		rows, err := quarry.Select(CasAddresses).All(ctx, db)
		is.NoErr(err)
		is.Equal(*rows[0].UserID, oldID)
	})
}

// Item 14: a flush that fails its own checks rolls back, releases the
// SQLite write lock and leaves the Session usable.
func TestUOWFailedCheckRollsBack(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u := uwUserWithNotes(t, db, "ed", "n1")
		u.Name = "edward"
		is.NoErr(s.Flush(ctx)) // holds the write lock
		dup := &UwUser{ID: u.ID, Name: "dup"}
		is.NoErr(s.Add(dup))
		log.Reset()
		err := s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrIdentityConflict))
		is.Equal(log.Statements(), []string{"ROLLBACK"})
		_, err = db.Exec(ctx, quarry.Text("UPDATE uw_notes SET text = 'other' WHERE id = 1"))
		is.NoErr(err) // nothing holds the lock
		s.Expunge(dup)
		is.NoErr(s.Commit(ctx))
		names, err := quarry.Select(UwUsers.Name).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"edward"}) // the rolled-back UPDATE was written again
	})
}

// Item 15: Rollback and savepoint rollback in combinations of pending,
// persistent and deleted objects and nesting depth.
func TestUOWRollbackCombinations(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s := relSession(t, db)

		// Added, flushed by a savepoint, deleted inside a nested one.
		p1 := &UwAddr{City: "p1"}
		is.NoErr(s.Add(p1))
		_, err := s.BeginNested(ctx)
		is.NoErr(err)
		is.NoErr(s.Delete(p1))
		_, err = s.BeginNested(ctx)
		is.NoErr(err)
		is.NoErr(s.Rollback(ctx))
		is.True(!s.Contains(p1))
		is.Equal(p1.ID, int64(0))

		// A committed object deleted, flushed by a savepoint, rolled back.
		u1 := &UwAddr{City: "u1"}
		is.NoErr(s.Add(u1))
		is.NoErr(s.Commit(ctx))
		is.NoErr(s.Delete(u1))
		_, err = s.BeginNested(ctx)
		is.NoErr(err)
		is.NoErr(s.Rollback(ctx))
		is.True(s.Contains(u1))

		// Savepoint rollbacks at depth two.
		sp1, err := s.BeginNested(ctx)
		is.NoErr(err)
		u1.City = "changed"
		p2 := &UwAddr{City: "p2"}
		is.NoErr(s.Add(p2))
		sp2, err := s.BeginNested(ctx)
		is.NoErr(err)
		is.NoErr(s.Delete(u1))
		is.NoErr(s.Delete(p2))
		is.NoErr(s.Flush(ctx))
		is.NoErr(sp2.Rollback(ctx))
		is.True(s.Contains(u1) && s.Contains(p2))
		is.Equal(u1.City, "changed")
		is.NoErr(sp1.Rollback(ctx))
		is.True(!s.Contains(p2))
		is.Equal(u1.City, "u1")
		is.NoErr(s.Commit(ctx))
		addrs, err := quarry.Select(UwAddrs.City).All(ctx, db)
		is.NoErr(err)
		is.Equal(addrs, []string{"u1"})
	})
}

// Item 16: a many-to-one pointed at a parent deleted in the same flush
// ends NULL, not at its old parent.
func TestUOWRepointedToDeletedParent(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		u1 := &CasUser{Name: "u1", Addresses: []*CasAddress{{EmailAddress: "n1"}, {EmailAddress: "n2"}}}
		u3 := &CasUser{Name: "u3"}
		is.NoErr(s.Add(u1, u3))
		is.NoErr(s.Commit(ctx))
		n2 := u1.Addresses[1]
		n2.User = u3
		is.NoErr(s.Delete(u3))
		is.NoErr(s.Commit(ctx))
		rows, err := quarry.Select(CasAddresses).OrderBy(CasAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(*rows[0].UserID, u1.ID)
		is.Equal(rows[1].UserID, (*int64)(nil))
	})
}

// Item 17: Expunge follows cascade=all; Dirty and IsModified see
// collection and many-to-one changes.
func TestUOWExpungeCascadeAndRelationshipDirty(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uwSchema(t, db)
		s, u := uwUserWithNotes(t, db, "ed", "n1", "n2")
		n1 := u.Notes[0]
		is.True(!s.IsModified(u))
		u.Notes = u.Notes[1:]
		is.True(s.IsModified(u))
		is.Equal(len(s.Dirty()), 1)
		u.Notes = append([]*UwNote{n1}, u.Notes...)
		is.True(!s.IsModified(u))

		other := &UwUser{Name: "other"}
		is.NoErr(s.Add(other))
		is.NoErr(s.Flush(ctx))
		n1.User = other
		is.True(s.IsModified(n1))
		n1.User = u
		is.True(!s.IsModified(n1))

		s.Expunge(u)
		is.True(!s.Contains(u))
		is.True(!s.Contains(n1)) // cascade=all includes expunge
		is.True(s.Contains(other))
	})
}
