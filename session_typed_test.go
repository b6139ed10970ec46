package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// The typed view of a Session takes and returns the objects of one
// entity, and does what the Session's own methods do.
func TestSessionTypedView(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadGuide(t, db)
		s := db.Session()
		defer s.Close(ctx)
		users := quarry.For(s, GUsers)
		addrs := quarry.For(s, GAddresses)

		gary := &GUser{ID: 10, Name: "gary", Fullname: "Gary the Snail"}
		is.NoErr(users.Add(gary))
		is.Equal(users.New(), []*GUser{gary})
		is.Equal(len(addrs.New()), 0)
		is.True(users.Contains(gary))
		is.True(users.IsModified(gary))
		is.NoErr(s.Commit(ctx))

		sandy, err := quarry.Get(ctx, s, GUsers, int64(2))
		is.NoErr(err)
		sandy.Fullname = "Sandy Squirrel"
		is.Equal(users.Dirty(), []*GUser{sandy})
		is.Equal(len(addrs.Dirty()), 0)
		is.NoErr(users.Expire(sandy, "Fullname"))
		is.Equal(sandy.Fullname, "Sandy Cheeks")
		is.Equal(len(users.Dirty()), 0)

		is.NoErr(users.Delete(gary))
		is.Equal(users.Deleted(), []*GUser{gary})
		log.Reset()
		is.NoErr(s.Commit(ctx))
		// The delete loads gary's collections first (to detach any child).
		var sent []string
		for _, st := range log.Statements() {
			sent = append(sent, normSQL(st))
		}
		is.Equal(sent, sqlList(
			"SELECT address.id, address.user_id, address.email_address FROM address WHERE ? = address.user_id ORDER BY address.id",
			"SELECT user_order.id, user_order.user_id FROM user_order WHERE ? = user_order.user_id ORDER BY user_order.id",
			"BEGIN", "DELETE FROM user_account WHERE user_account.id = ?", "COMMIT"))
		n, err := quarry.Select(GUsers).Where(GUsers.ID.Eq(10)).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))

		// Refresh reloads a row changed behind the Session's back.
		_, err = quarry.Update(GUsers).Set(quarry.Set(GUsers.Fullname, "Sandy C.")).Where(GUsers.ID.Eq(2)).Exec(ctx, db)
		is.NoErr(err)
		is.NoErr(users.Refresh(ctx, sandy))
		is.Equal(sandy.Fullname, "Sandy C.")

		users.Expunge(sandy)
		is.True(!users.Contains(sandy))

		// Errors are the Session's: deleting what it does not hold.
		err = users.Delete(&GUser{ID: 99})
		is.True(errors.Is(err, quarry.ErrNotInSession))
		err = users.Add(nil)
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
		err = quarry.For[GUser](nil, GUsers).Add(gary)
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
	})
}
