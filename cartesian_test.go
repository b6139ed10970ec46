package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// A FROM item that no join or condition links to the others is a
// cartesian product: an error before any SQL is sent, unless the
// statement says AllowCartesian (SQLAlchemy's from linter warns).
func TestCartesianProductRefused(t *testing.T) {
	u2 := quarry.Aliased(GUsers, quarry.AliasName("u2"))
	cases := []struct {
		name string
		stmt interface {
			Count(context.Context, quarry.Executor) (int64, error)
		}
		names string // a FROM item the message names
	}{
		{"alias in where only", quarry.Select(GUsers).Where(u2.Name.Eq("sandy")), "u2"},
		{"other table in where", quarry.Select(GUsers).Where(quarry.Like(GAddresses.EmailAddress, "sandy@%")), "address"},
		{"two tables selected", quarry.Select2(GUsers.Name, GAddresses.EmailAddress), "address"},
		{"OR of one-table terms links nothing", quarry.Select2(GUsers.Name, GAddresses.EmailAddress).
			Where(quarry.Or(GUsers.Name.Eq("sandy"), GAddresses.EmailAddress.Eq("x"))), "address"},
		{"third item apart from a join", quarry.Select2(GUsers.Name, GOrders.ID).Join(GUsers.Addresses), "user_order"},
	}
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		ctx := context.Background()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				_, err := c.stmt.Count(ctx, db)
				is.True(errors.Is(err, quarry.ErrCartesian))
				is.True(strings.Contains(err.Error(), c.names))
				is.True(strings.Contains(err.Error(), "AllowCartesian"))
				is.Equal(strings.Count(err.Error(), "quarry:"), 1)
				log.AssertCount(t, 0)
			})
		}
	})
}

// Linked FROM items pass: by a join, by a WHERE condition naming both, by
// a condition inside AND or NOT; AllowCartesian lets a cross join run.
func TestCartesianProductAllowed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadGuide(t, db)
		ctx := context.Background()

		n, err := quarry.Select2(GUsers.Name, GAddresses.EmailAddress).
			Where(GUsers.ID.EqExpr(GAddresses.UserID)).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(5))

		n, err = quarry.Select2(GUsers.Name, GAddresses.EmailAddress).
			Where(quarry.Not(GUsers.ID.NeExpr(GAddresses.UserID)), GUsers.Name.Eq("sandy")).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))

		u2 := quarry.Aliased(GUsers, quarry.AliasName("u2"))
		names, err := quarry.Select(GUsers.Name).Where(GUsers.ID.LtExpr(u2.ID), u2.Name.Eq("patrick")).
			OrderBy(GUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"spongebob", "sandy"})

		// One FROM item, whatever the conditions.
		n, err = quarry.Select(GUsers).Where(GUsers.Name.Eq("sandy")).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))

		n, err = quarry.Select2(GUsers.Name, GItems.Description).AllowCartesian().Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(15))

		// A correlated scalar subquery's outer table is not its FROM item.
		rows, err := quarry.Select2(GUsers.Name, quarry.Select(quarry.CountAll()).
			Where(GAddresses.UserID.EqExpr(GUsers.ID)).ScalarSubquery()).OrderBy(GUsers.ID).All(ctx, db)
		is.NoErr(err)
		var counts []int64
		for _, r := range rows {
			counts = append(counts, r.V2)
		}
		is.Equal(counts, []int64{1, 2, 1, 1, 0})
	})
}

// ContainsEager reads the columns of a join the statement has: without
// the join it is an error before SQL (it would fill every parent from a
// cross join), with it the relationship is filled.
func TestContainsEagerNeedsJoin(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadGuide(t, db)
		ctx := context.Background()
		s := db.Session()
		defer s.Close(ctx)
		log.Reset()
		_, err := quarry.Select(GAddresses).Options(quarry.ContainsEager(GAddresses.User)).All(ctx, s)
		is.True(errors.Is(err, quarry.ErrJoin))
		is.True(strings.Contains(err.Error(), "ContainsEager"))
		is.True(strings.Contains(err.Error(), "user_account"))
		log.AssertCount(t, 0)

		got, err := quarry.Select(GAddresses).Join(GAddresses.User).Where(GUsers.Name.Eq("sandy")).
			Options(quarry.ContainsEager(GAddresses.User)).OrderBy(GAddresses.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(got), 2)
		is.Equal(got[0].User.Name, "sandy")
		is.Equal(got[1].User, got[0].User)
	})
}

// An alias over a subquery reads the subquery's columns by where they come
// from: a subquery of another table, whatever its column names, does not
// fill the alias's entities.
func TestSubqueryColumnProvenance(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadGuide(t, db)
		ctx := context.Background()
		log.Reset()
		items := quarry.Select(GItems).Subquery()
		wrong := quarry.Aliased(GUsers, quarry.FromSubquery(items))
		_, err := quarry.Select(wrong).All(ctx, db)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "user_account.id"))
		log.AssertCount(t, 0)

		// The same table's subquery, aliased, is read.
		sq := quarry.Select(GUsers).Where(GUsers.ID.Lt(3)).Subquery()
		u := quarry.Aliased(GUsers, quarry.FromSubquery(sq))
		got, err := quarry.Select(u).OrderBy(u.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(names(got), []string{"spongebob", "sandy"})
	})
}
