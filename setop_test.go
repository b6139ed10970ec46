package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// TestSetOpSQL checks the 2.0 guide's entities from UNIONs, subqueries
// and text, and the set operations' own clauses.
func TestSetOpSQL(t *testing.T) {
	const cols = `user_account.id, user_account.name, user_account.fullname`
	u := quarry.UnionAll(quarry.Select(GUsers).Where(GUsers.ID.Lt(2)), quarry.Select(GUsers).Where(GUsers.ID.Eq(3)))
	ua := quarry.Aliased(GUsers, quarry.FromSubquery(u.Subquery()))
	inner := quarry.Aliased(GUsers, quarry.FromSubquery(quarry.Select(GUsers).Where(GUsers.ID.Lt(7)).OrderBy(GUsers.ID).Subquery()))
	text := quarry.Text("SELECT id, name, fullname FROM user_account ORDER BY id").Columns(GUsers.ID, GUsers.Name, GUsers.Fullname)
	tu := quarry.Aliased(GUsers, quarry.FromSubquery(text.Subquery()))
	tests := []struct {
		name string
		stmt stringer
		want string
	}{
		{"union all from_statement", quarry.Select(GUsers).FromStatement(u.OrderBy(GUsers.ID)),
			`SELECT ` + cols + ` FROM user_account WHERE user_account.id < ? UNION ALL SELECT ` + cols + ` FROM user_account WHERE user_account.id = ? ORDER BY id`},
		{"union all subquery", quarry.Select(ua).OrderBy(ua.ID),
			`SELECT anon_1.id, anon_1.name, anon_1.fullname FROM (SELECT user_account.id AS id, user_account.name AS name, user_account.fullname AS fullname FROM user_account WHERE user_account.id < ? UNION ALL SELECT user_account.id AS id, user_account.name AS name, user_account.fullname AS fullname FROM user_account WHERE user_account.id = ?) AS anon_1 ORDER BY anon_1.id`},
		{"entity from subquery", quarry.Select(inner),
			`SELECT anon_1.id, anon_1.name, anon_1.fullname FROM (SELECT user_account.id AS id, user_account.name AS name, user_account.fullname AS fullname FROM user_account WHERE user_account.id < ? ORDER BY user_account.id) AS anon_1`},
		{"text from_statement", quarry.Select(GUsers).FromText(text), `SELECT id, name, fullname FROM user_account ORDER BY id`},
		{"text subquery", quarry.Select(tu), `SELECT anon_1.id, anon_1.name, anon_1.fullname FROM (SELECT id, name, fullname FROM user_account ORDER BY id) AS anon_1`},
		{"union limit offset", quarry.Union(quarry.Select(GUsers.Name), quarry.Select(GAddresses.EmailAddress)).OrderBy(GUsers.Name.Desc()).Limit(2).Offset(1),
			`SELECT user_account.name FROM user_account UNION SELECT address.email_address FROM address ORDER BY name DESC LIMIT ? OFFSET ?`},
		{"except intersect", quarry.Except(quarry.Select(GUsers.ID), quarry.Select(GAddresses.UserID)), `SELECT user_account.id FROM user_account EXCEPT SELECT address.user_id FROM address`},
		{"intersect", quarry.Intersect(quarry.Select(GUsers.ID), quarry.Select(GAddresses.UserID)), `SELECT user_account.id FROM user_account INTERSECT SELECT address.user_id FROM address`},
		{"member with its own limit", quarry.UnionAll(quarry.Select(GUsers.ID).OrderBy(GUsers.ID.Desc()).Limit(1), quarry.Select(GUsers.ID).Where(GUsers.ID.Eq(1))),
			`SELECT * FROM (SELECT user_account.id AS id FROM user_account ORDER BY user_account.id DESC LIMIT ?) AS anon_1 UNION ALL SELECT user_account.id FROM user_account WHERE user_account.id = ?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertSQL(t, tt.stmt, tt.want) })
	}
}

// TestSetOpRows runs them.
func TestSetOpRows(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadGuide(t, db)
		u := quarry.UnionAll(quarry.Select(GUsers).Where(GUsers.ID.Lt(2)), quarry.Select(GUsers).Where(GUsers.ID.Eq(3)))
		us, err := quarry.Select(GUsers).FromStatement(u.OrderBy(GUsers.ID)).All(ctx, db)
		is.NoErr(err)
		is.Equal(names(us), []string{"spongebob", "patrick"})
		is.Equal(*us[1], GUser{ID: 3, Name: "patrick", Fullname: "Patrick Star"})
		ua := quarry.Aliased(GUsers, quarry.FromSubquery(u.Subquery()))
		us, err = quarry.Select(ua).OrderBy(ua.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(names(us), []string{"spongebob", "patrick"})
		us, err = u.OrderBy(GUsers.ID.Desc()).All(ctx, db)
		is.NoErr(err)
		is.Equal(names(us), []string{"patrick", "spongebob"})

		all := "Spongebob Squarepants,Sandy Cheeks,Patrick Star,Squidward Tentacles,Eugene H. Krabs"
		inner := quarry.Aliased(GUsers, quarry.FromSubquery(quarry.Select(GUsers).Where(GUsers.ID.Lt(7)).OrderBy(GUsers.ID).Subquery()))
		us, err = quarry.Select(inner).OrderBy(inner.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(fullnames(us), all)
		text := quarry.Text("SELECT id, name, fullname FROM user_account ORDER BY id").Columns(GUsers.ID, GUsers.Name, GUsers.Fullname)
		us, err = quarry.Select(GUsers).FromText(text).All(ctx, db)
		is.NoErr(err)
		is.Equal(fullnames(us), all)
		tu := quarry.Aliased(GUsers, quarry.FromSubquery(text.Subquery()))
		us, err = quarry.Select(tu).OrderBy(tu.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(fullnames(us), all)

		ids, err := quarry.Union(quarry.Select(GUsers.ID), quarry.Select(GAddresses.UserID)).OrderBy(GUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{1, 2, 3, 4, 5})
		ids, err = quarry.UnionAll(quarry.Select(GUsers.ID).Where(GUsers.ID.Lt(3)), quarry.Select(GAddresses.UserID)).OrderBy(GUsers.ID).Limit(3).Offset(1).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{1, 2, 2})
		ids, err = quarry.Except(quarry.Select(GUsers.ID), quarry.Select(GAddresses.UserID)).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{5})
		ids, err = quarry.Intersect(quarry.Select(GUsers.ID), quarry.Select(GOrders.UserID)).OrderBy(GUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{1, 2})
		ids, err = quarry.UnionAll(quarry.Select(GUsers.ID).OrderBy(GUsers.ID.Desc()).Limit(1), quarry.Select(GUsers.ID).Where(GUsers.ID.Eq(1))).OrderBy(GUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{1, 5})
		one, err := quarry.Union(quarry.Select(GUsers.Name).Where(GUsers.ID.Eq(2)), quarry.Select(GUsers.Name).Where(GUsers.ID.Eq(2))).One(ctx, db)
		is.NoErr(err)
		is.Equal(one, "sandy")
	})
}

func fullnames(us []*GUser) string {
	s := ""
	for i, u := range us {
		if i > 0 {
			s += ","
		}
		s += u.Fullname
	}
	return s
}

// TestSetOpTerminals runs the terminal methods a Compound shares with a
// Query, Count and Scalar included, on every backend.
func TestSetOpTerminals(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadGuide(t, db)
		names := quarry.Union(quarry.Select(GUsers.Name).Where(GUsers.ID.Lt(3)), quarry.Select(GUsers.Name).Where(GUsers.ID.Eq(5)))
		log.Reset()
		n, err := names.Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(3))
		is.Equal(normSQL(log.Statements()[0]), "SELECT count(*) AS count_1 FROM (SELECT user_account.name AS name FROM user_account WHERE user_account.id < ? UNION SELECT user_account.name AS name FROM user_account WHERE user_account.id = ?) AS anon_1")

		one := quarry.UnionAll(quarry.Select(GUsers.Name).Where(GUsers.ID.Eq(2)), quarry.Select(GUsers.Name).Where(GUsers.ID.Eq(99)))
		name, err := one.Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(name, "sandy")
		_, err = names.Scalar(ctx, db)
		is.True(errors.Is(err, quarry.ErrMultipleResults))

		first, err := names.OrderBy(GUsers.Name).First(ctx, db)
		is.NoErr(err)
		is.Equal(first, "ehkrabs")
		all, err := names.OrderBy(GUsers.Name).All(ctx, db)
		is.NoErr(err)
		is.Equal(all, []string{"ehkrabs", "sandy", "spongebob"})
	})
}
