package quarry_test

// Regression tests of the unit of work found by TestUOWModel2 (random
// sequences over one-to-one, many-to-many and cascading many-to-one
// relationships), minimised. Each runs on every backend and asserts the
// statements sent and the rows left.

import (
	"context"
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
