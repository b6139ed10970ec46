package quarry_test

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// TestRelOperatorSQL checks the SQL of the relationship WHERE operators
// of both seeds. SQLAlchemy 1.3 parenthesises an EXISTS joined with AND
// ("AND (EXISTS ...)"); quarry does not need to, and the expectations are
// written without.
func TestRelOperatorSQL(t *testing.T) {
	u1 := &GUser{ID: 1, Name: "spongebob", Fullname: "Spongebob Squarepants"}
	a1 := &GAddress{ID: 1, UserID: 1, EmailAddress: "spongebob@sqlalchemy.org"}
	wendy := &TUser{ID: 2, Name: "wendy"}
	kw := &TKeyword{ID: 2, Keyword: "firstpost"}
	ua := quarry.Aliased(GUsers, quarry.AliasName("u"))
	const posts = `SELECT posts.id, posts.user_id, posts.headline, posts.body FROM posts`
	const anyFirstpost = `EXISTS (SELECT 1 FROM post_keywords, keywords WHERE posts.id = post_keywords.post_id AND keywords.id = post_keywords.keyword_id AND keywords.keyword = ?)`
	firstpost := TPosts.Keywords.Any(TKeywords.Keyword.Eq("firstpost"))
	tests := []struct {
		name string
		stmt stringer
		want string
	}{
		{"any with criteria", quarry.Select(GUsers.Fullname).Where(GUsers.Addresses.Any(GAddresses.EmailAddress.Eq("squirrel@squirrelpower.org"))),
			`SELECT user_account.fullname FROM user_account WHERE EXISTS (SELECT 1 FROM address WHERE user_account.id = address.user_id AND address.email_address = ?)`},
		{"not any", quarry.Select(GUsers.Fullname).Where(quarry.Not(GUsers.Addresses.Any())),
			`SELECT user_account.fullname FROM user_account WHERE NOT (EXISTS (SELECT 1 FROM address WHERE user_account.id = address.user_id))`},
		{"has", quarry.Select(GAddresses.EmailAddress).Where(GAddresses.User.Has(GUsers.Name.Eq("sandy"))),
			`SELECT address.email_address FROM address WHERE EXISTS (SELECT 1 FROM user_account WHERE user_account.id = address.user_id AND user_account.name = ?)`},
		{"many-to-one eq", quarry.Select(GAddresses).Where(GAddresses.User.Eq(u1)),
			`SELECT address.id, address.user_id, address.email_address FROM address WHERE :param_1 = address.user_id`},
		{"many-to-one ne", quarry.Select(GAddresses).Where(GAddresses.User.Ne(u1)),
			`SELECT address.id, address.user_id, address.email_address FROM address WHERE address.user_id != :user_id_1 OR address.user_id IS NULL`},
		{"contains", quarry.Select(GUsers).Where(GUsers.Addresses.Contains(a1)),
			`SELECT user_account.id, user_account.name, user_account.fullname FROM user_account WHERE user_account.id = :param_1`},
		{"with_parent", quarry.Select(GAddresses).Where(quarry.WithParent(u1, GUsers.Addresses)),
			`SELECT address.id, address.user_id, address.email_address FROM address WHERE :param_1 = address.user_id`},
		{"with_parent many-to-one", quarry.Select(GUsers).Where(quarry.WithParent(a1, GAddresses.User)),
			`SELECT user_account.id, user_account.name, user_account.fullname FROM user_account WHERE user_account.id = ?`},
		{"from an alias", quarry.Select(ua.Name).Where(ua.Addresses.Any()),
			`SELECT u.name FROM user_account AS u WHERE EXISTS (SELECT 1 FROM address WHERE u.id = address.user_id)`},
		{"any puts the parent in FROM", quarry.Select(quarry.CountAll()).Where(GUsers.Orders.Any()),
			`SELECT count(*) FROM user_account WHERE EXISTS (SELECT 1 FROM user_order WHERE user_account.id = user_order.user_id)`},
		{"target also in the enclosing FROM", quarry.Select(GAddresses.ID).Join(GAddresses.User).Where(GUsers.Addresses.Any(quarry.Like(GAddresses.EmailAddress, "%aol%"))),
			`SELECT address.id FROM address JOIN user_account ON user_account.id = address.user_id WHERE EXISTS (SELECT 1 FROM address WHERE user_account.id = address.user_id AND address.email_address LIKE ?)`},

		// seed 000
		{"tutorial any", quarry.Select(TUsers.Name).Where(TUsers.Addresses.Any()),
			`SELECT users.name FROM users WHERE EXISTS (SELECT 1 FROM addresses WHERE users.id = addresses.user_id)`},
		{"tutorial any like", quarry.Select(TUsers.Name).Where(TUsers.Addresses.Any(quarry.Like(TAddresses.EmailAddress, "%google%"))),
			`SELECT users.name FROM users WHERE EXISTS (SELECT 1 FROM addresses WHERE users.id = addresses.user_id AND addresses.email_address LIKE ?)`},
		{"tutorial not has", quarry.Select(TAddresses).Where(quarry.Not(TAddresses.User.Has(TUsers.Name.Eq("jack")))),
			`SELECT addresses.id, addresses.email_address, addresses.user_id FROM addresses WHERE NOT (EXISTS (SELECT 1 FROM users WHERE users.id = addresses.user_id AND users.name = ?))`},
		{"tutorial is null", quarry.Select(TAddresses.ID).Where(TAddresses.User.IsNull()),
			`SELECT addresses.id FROM addresses WHERE addresses.user_id IS NULL`},
		{"tutorial eq nil", quarry.Select(TAddresses.ID).Where(TAddresses.User.Eq(nil)),
			`SELECT addresses.id FROM addresses WHERE addresses.user_id IS NULL`},
		{"tutorial has keyword form", quarry.Select(TAddresses.ID).Where(TAddresses.User.Has(TUsers.Name.Eq("ed"))),
			`SELECT addresses.id FROM addresses WHERE EXISTS (SELECT 1 FROM users WHERE users.id = addresses.user_id AND users.name = ?)`},
		{"m2m any keyword form", quarry.Select(TPosts).Where(firstpost), posts + ` WHERE ` + anyFirstpost},
		{"author eq and any", quarry.Select(TPosts).Where(TPosts.Author.Eq(wendy)).Where(firstpost), posts + ` WHERE ? = posts.user_id AND ` + anyFirstpost},
		{"dynamic relationship", TUsers.Posts.Query(wendy).Where(firstpost), posts + ` WHERE ? = posts.user_id AND ` + anyFirstpost},
		{"m2m contains", quarry.Select(TPosts.ID).Where(TPosts.Keywords.Contains(kw)),
			`SELECT posts.id FROM posts WHERE EXISTS (SELECT 1 FROM post_keywords WHERE posts.id = post_keywords.post_id AND ? = post_keywords.keyword_id)`},
		{"m2m with_parent", quarry.Select(TKeywords.Keyword).Where(quarry.WithParent(&TPost{ID: 1}, TPosts.Keywords)),
			`SELECT keywords.keyword FROM keywords, post_keywords WHERE ? = post_keywords.post_id AND keywords.id = post_keywords.keyword_id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertSQL(t, tt.stmt, tt.want) })
	}
}

// TestRelOperatorRows runs the operators on the seeds' data and checks the
// rows they print.
func TestRelOperatorRows(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadGuide(t, db)
		full, err := quarry.Select(GUsers.Fullname).Where(GUsers.Addresses.Any(GAddresses.EmailAddress.Eq("squirrel@squirrelpower.org"))).All(ctx, db)
		is.NoErr(err)
		is.Equal(full, []string{"Sandy Cheeks"})
		full, err = quarry.Select(GUsers.Fullname).Where(quarry.Not(GUsers.Addresses.Any())).All(ctx, db)
		is.NoErr(err)
		is.Equal(full, []string{"Eugene H. Krabs"})
		em, err := quarry.Select(GAddresses.EmailAddress).Where(GAddresses.User.Has(GUsers.Name.Eq("sandy"))).OrderBy(GAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(em, []string{"sandy@sqlalchemy.org", "squirrel@squirrelpower.org"})

		u1, err := quarry.Select(GUsers).Where(GUsers.ID.Eq(1)).One(ctx, db)
		is.NoErr(err)
		as, err := quarry.Select(GAddresses).Where(GAddresses.User.Eq(u1)).All(ctx, db)
		is.NoErr(err)
		is.Equal(emails(as), []string{"spongebob@sqlalchemy.org"})
		as, err = quarry.Select(GAddresses).Where(GAddresses.User.Ne(u1)).OrderBy(GAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(as), 4)
		as, err = quarry.Select(GAddresses).Where(quarry.WithParent(u1, GUsers.Addresses)).All(ctx, db)
		is.NoErr(err)
		is.Equal(emails(as), []string{"spongebob@sqlalchemy.org"})
		a1, err := quarry.Select(GAddresses).Where(GAddresses.ID.Eq(1)).One(ctx, db)
		is.NoErr(err)
		us, err := quarry.Select(GUsers).Where(GUsers.Addresses.Contains(a1)).All(ctx, db)
		is.NoErr(err)
		is.Equal(names(us), []string{"spongebob"})
		us, err = quarry.Select(GUsers).Where(quarry.WithParent(a1, GAddresses.User)).All(ctx, db)
		is.NoErr(err)
		is.Equal(names(us), []string{"spongebob"})
		// Many-to-many operators along Order.items.
		ids, err := quarry.Select(GOrders.ID).Where(GOrders.Items.Any(GItems.Description.Eq("gizmo"))).OrderBy(GOrders.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{1, 2})
		ids, err = quarry.Select(GOrders.ID).Where(GOrders.Items.Contains(&GItem{ID: 3})).All(ctx, db)
		is.NoErr(err)
		is.Equal(ids, []int64{3})
	})
}

// TestRelOperatorTutorialRows runs the tutorial's EXISTS, relationship
// operator and many-to-many examples.
func TestRelOperatorTutorialRows(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadTutorial(t, db)
		for _, cond := range []quarry.Condition{
			quarry.ExistsWhere(TAddresses.UserID.EqExpr(quarry.Nullable(TUsers.ID))),
			TUsers.Addresses.Any(),
			TUsers.Addresses.Any(quarry.Like(TAddresses.EmailAddress, "%google%")),
		} {
			ns, err := quarry.Select(TUsers.Name).Where(cond).All(ctx, db)
			is.NoErr(err)
			is.Equal(ns, []string{"jack"})
		}
		none, err := quarry.Select(TAddresses).Where(quarry.Not(TAddresses.User.Has(TUsers.Name.Eq("jack")))).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(none), 0)

		jack, err := quarry.Select(TUsers).Where(TUsers.Name.Eq("jack")).One(ctx, db)
		is.NoErr(err)
		n, err := quarry.Select(TAddresses).Where(TAddresses.User.Eq(jack)).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		n, err = quarry.Select(TAddresses).Where(TAddresses.User.Ne(jack)).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
		n, err = quarry.Select(TAddresses).Where(TAddresses.User.IsNull()).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
		ns, err := quarry.Select(TUsers.Name).Where(TUsers.Addresses.Any(TAddresses.EmailAddress.Eq("bar"))).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(ns), 0)
		n, err = quarry.Select(TAddresses).Where(TAddresses.User.Has(TUsers.Name.Eq("ed"))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
		addrs, err := quarry.Select(TAddresses.EmailAddress).Where(quarry.WithParent(jack, TUsers.Addresses)).OrderBy(TAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(addrs, []string{"jack@google.com", "j25@yahoo.com"})

		// Many-to-many: posts with the keyword 'firstpost', three ways.
		wendy, err := quarry.Select(TUsers).Where(TUsers.Name.Eq("wendy")).One(ctx, db)
		is.NoErr(err)
		firstpost := TPosts.Keywords.Any(TKeywords.Keyword.Eq("firstpost"))
		for _, q := range []*quarry.Query[*TPost]{
			quarry.Select(TPosts).Where(firstpost),
			quarry.Select(TPosts).Where(TPosts.Author.Eq(wendy)).Where(firstpost),
			TUsers.Posts.Query(wendy).Where(firstpost),
		} {
			ps, err := q.All(ctx, db)
			is.NoErr(err)
			is.Equal(len(ps), 1)
			is.Equal(ps[0].Headline, "Wendy's Blog Post")
			is.Equal(*ps[0].Body, "This is a test")
			is.Equal(*ps[0].UserID, int64(2))
		}
		ps, err := TUsers.Posts.Query(jack).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(ps), 0)
	})
}
