package quarry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// TestRelJoinSQL checks the SQL of every join example of the 2.0 guide
// (seed 003) and of the tutorial's join, alias and subquery sections
// (seed 000).
func TestRelJoinSQL(t *testing.T) {
	a1, a2 := quarry.Aliased(GAddresses), quarry.Aliased(GAddresses)
	userCls := quarry.Aliased(GUsers, quarry.AliasName("user_cls"))
	email := quarry.Aliased(GAddresses, quarry.AliasName("email"))
	ua := quarry.Aliased(GUsers)
	subq := quarry.Select(GAddresses).Where(GAddresses.EmailAddress.Eq("pat999@aol.com")).Subquery()
	addressSubq := quarry.Aliased(GAddresses, quarry.FromSubquery(subq), quarry.AliasName("address"))
	const subqSQL = `(SELECT address.id AS id, address.user_id AS user_id, address.email_address AS email_address FROM address WHERE address.email_address = ?) AS anon_1`
	const guideAddrJoin = `SELECT user_account.id, user_account.name, user_account.fullname, address.id AS id_1, address.user_id, address.email_address FROM user_account JOIN address ON user_account.id = address.user_id ORDER BY user_account.id, address.id`
	const userJoinAddr = `SELECT user_account.id, user_account.name, user_account.fullname FROM user_account JOIN address ON user_account.id = address.user_id`
	const sandyAddr = `SELECT address.id, address.user_id, address.email_address FROM user_account JOIN address ON user_account.id = address.user_id WHERE user_account.name = :name_1`
	const twoAliases = `SELECT user_account.id, user_account.name, user_account.fullname FROM user_account JOIN address AS address_1 ON user_account.id = address_1.user_id JOIN address AS address_2 ON user_account.id = address_2.user_id WHERE address_1.email_address = :email_address_1 AND address_2.email_address = :email_address_2`
	const chain = `SELECT user_account.id, user_account.name, user_account.fullname FROM user_account JOIN user_order ON user_account.id = user_order.user_id JOIN order_items AS order_items_1 ON user_order.id = order_items_1.order_id JOIN item ON item.id = order_items_1.item_id`

	ta1, ta2 := quarry.Aliased(TAddresses), quarry.Aliased(TAddresses)
	cnt := quarry.CountAll().Label("address_count")
	adrCount := quarry.Select2(TAddresses.UserID, cnt).GroupBy(TAddresses.UserID).Subquery()
	notJ25 := quarry.Select(TAddresses).Where(TAddresses.EmailAddress.Ne("j25@yahoo.com")).Subquery()
	adalias := quarry.Aliased(TAddresses, quarry.FromSubquery(notJ25))

	tests := []struct {
		name string
		stmt stringer
		want string
	}{
		{"multiple entities", quarry.Select2(GUsers, GAddresses).Join(GUsers.Addresses).OrderBy(GUsers.ID, GAddresses.ID), guideAddrJoin},
		{"named aliases of_type", quarry.Select2(userCls, email).Join(userCls.Addresses.OfType(email)).OrderBy(userCls.ID, email.ID),
			`SELECT user_cls.id, user_cls.name, user_cls.fullname, email.id AS id_1, email.user_id, email.email_address FROM user_account AS user_cls JOIN address AS email ON user_cls.id = email.user_id ORDER BY user_cls.id, email.id`},
		{"add_columns", quarry.AddColumns(quarry.Select(GUsers).Join(GUsers.Addresses), GAddresses).OrderBy(GUsers.ID, GAddresses.ID), guideAddrJoin},
		{"attributes", quarry.Select2(GUsers.Name, GAddresses.EmailAddress).Join(GUsers.Addresses).OrderBy(GUsers.ID, GAddresses.ID),
			`SELECT user_account.name, address.email_address FROM user_account JOIN address ON user_account.id = address.user_id ORDER BY user_account.id, address.id`},
		{"simple relationship join", quarry.Select(GUsers).Join(GUsers.Addresses), userJoinAddr},
		{"chained m2m", quarry.Select(GUsers).Join(GUsers.Orders).Join(GOrders.Items), chain},
		{"chained then back to user", quarry.Select(GUsers).Join(GUsers.Orders).Join(GOrders.Items).Join(GUsers.Addresses),
			chain + ` JOIN address ON user_account.id = address.user_id`},
		{"target entity inferred", quarry.Select(GUsers).Join(GAddresses), userJoinAddr},
		{"explicit ON", quarry.Select(GUsers).Join(GAddresses, GUsers.ID.EqExpr(GAddresses.UserID)), userJoinAddr},
		{"relationship as ON", quarry.Select(GUsers).Join(GUsers.Addresses.OfType(GAddresses)), userJoinAddr},
		{"relationship and_", quarry.Select(GUsers.Fullname).Join(GUsers.Addresses.And(GAddresses.EmailAddress.Eq("squirrel@squirrelpower.org"))),
			`SELECT user_account.fullname FROM user_account JOIN address ON user_account.id = address.user_id AND address.email_address = ?`},
		{"aliased targets", quarry.Select(GUsers).
			Join(GUsers.Addresses.OfType(a1)).Where(a1.EmailAddress.Eq("patrick@aol.com")).
			Join(GUsers.Addresses.OfType(a2)).Where(a2.EmailAddress.Eq("patrick@gmail.com")), twoAliases},
		{"of_type aliases", quarry.Select(GUsers).
			Join(GUsers.Addresses.OfType(a1)).Where(a1.EmailAddress.Eq("patrick@aol.com")).
			Join(GUsers.Addresses.OfType(a2)).Where(a2.EmailAddress.Eq("patrick@gmail.com")), twoAliases},
		{"from an alias", quarry.Select(ua.Name).Join(ua.Addresses),
			`SELECT user_account_1.name FROM user_account AS user_account_1 JOIN address ON user_account_1.id = address.user_id`},
		{"subquery target", quarry.Select(GUsers).Join(subq, GUsers.ID.EqExpr(quarry.Ref(subq, GAddresses.UserID))),
			`SELECT user_account.id, user_account.name, user_account.fullname FROM user_account JOIN ` + subqSQL + ` ON user_account.id = anon_1.user_id`},
		{"aliased subquery inferred", quarry.Select2(GUsers, addressSubq).Join(addressSubq),
			`SELECT user_account.id, user_account.name, user_account.fullname, anon_1.id AS id_1, anon_1.user_id, anon_1.email_address FROM user_account JOIN ` + subqSQL + ` ON user_account.id = anon_1.user_id`},
		{"aliased subquery of_type", quarry.Select2(GUsers, addressSubq).Join(GUsers.Addresses.OfType(addressSubq)),
			`SELECT user_account.id, user_account.name, user_account.fullname, anon_1.id AS id_1, anon_1.user_id, anon_1.email_address FROM user_account JOIN ` + subqSQL + ` ON user_account.id = anon_1.user_id`},
		{"join_from relationship", quarry.Select(GAddresses).JoinFrom(GUsers, GUsers.Addresses).Where(GUsers.Name.Eq("sandy")), sandyAddr},
		{"join_from entity", quarry.Select(GAddresses).JoinFrom(GUsers, GAddresses).Where(GUsers.Name.Eq("sandy")), sandyAddr},
		{"select_from then join", quarry.Select(GAddresses).SelectFrom(GUsers).Join(GAddresses).Where(GUsers.Name.Eq("sandy")), sandyAddr},
		{"join takes precedence over select_from", quarry.Select(GAddresses).SelectFrom(GUsers).Join(GAddresses.User).Where(GUsers.Name.Eq("sandy")),
			`SELECT address.id, address.user_id, address.email_address FROM address JOIN user_account ON user_account.id = address.user_id WHERE user_account.name = :name_1`},
		{"outer join along relationship", quarry.Select(GUsers).OuterJoin(GUsers.Addresses),
			`SELECT user_account.id, user_account.name, user_account.fullname FROM user_account LEFT OUTER JOIN address ON user_account.id = address.user_id`},
		{"outer join m2m", quarry.Select(GOrders).OuterJoin(GOrders.Items),
			`SELECT user_order.id, user_order.user_id FROM user_order LEFT OUTER JOIN order_items AS order_items_1 ON user_order.id = order_items_1.order_id LEFT OUTER JOIN item ON item.id = order_items_1.item_id`},
		{"m2m of_type and", quarry.Select(GOrders.ID).Join(GOrders.Items.OfType(quarry.Aliased(GItems, quarry.AliasName("i"))).And(GItems.Description.Eq("x"))),
			`SELECT user_order.id FROM user_order JOIN order_items AS order_items_1 ON user_order.id = order_items_1.order_id JOIN item AS i ON i.id = order_items_1.item_id AND item.description = ?`},

		// seed 000
		{"tutorial implicit join", quarry.Select2(TUsers, TAddresses).Where(TUsers.ID.EqExpr(quarry.Deref(TAddresses.UserID)), TAddresses.EmailAddress.Eq("jack@google.com")),
			`SELECT users.id, users.name, users.fullname, users.nickname, addresses.id AS id_1, addresses.email_address, addresses.user_id FROM users, addresses WHERE users.id = addresses.user_id AND addresses.email_address = ?`},
		{"tutorial join", quarry.Select(TUsers).Join(TAddresses).Where(TAddresses.EmailAddress.Eq("jack@google.com")),
			`SELECT users.id, users.name, users.fullname, users.nickname FROM users JOIN addresses ON users.id = addresses.user_id WHERE addresses.email_address = ?`},
		{"tutorial explicit condition", quarry.Select(TUsers.Name).Join(TAddresses, TUsers.ID.EqExpr(quarry.Deref(TAddresses.UserID))),
			`SELECT users.name FROM users JOIN addresses ON users.id = addresses.user_id`},
		{"tutorial relationship", quarry.Select(TUsers.Name).Join(TUsers.Addresses), `SELECT users.name FROM users JOIN addresses ON users.id = addresses.user_id`},
		{"tutorial explicit target", quarry.Select(TUsers.Name).Join(TUsers.Addresses.OfType(TAddresses)), `SELECT users.name FROM users JOIN addresses ON users.id = addresses.user_id`},
		{"tutorial outerjoin", quarry.Select(TUsers.Name).OuterJoin(TUsers.Addresses), `SELECT users.name FROM users LEFT OUTER JOIN addresses ON users.id = addresses.user_id`},
		{"tutorial select_from", quarry.Select2(TUsers, TAddresses).SelectFrom(TAddresses).Join(TUsers),
			`SELECT users.id, users.name, users.fullname, users.nickname, addresses.id AS id_1, addresses.email_address, addresses.user_id FROM addresses JOIN users ON users.id = addresses.user_id`},
		{"tutorial aliases", quarry.Select3(TUsers.Name, ta1.EmailAddress, ta2.EmailAddress).
			Join(TUsers.Addresses.OfType(ta1)).Join(TUsers.Addresses.OfType(ta2)).
			Where(ta1.EmailAddress.Eq("jack@google.com")).Where(ta2.EmailAddress.Eq("j25@yahoo.com")),
			`SELECT users.name, addresses_1.email_address, addresses_2.email_address AS email_address_1 FROM users JOIN addresses AS addresses_1 ON users.id = addresses_1.user_id JOIN addresses AS addresses_2 ON users.id = addresses_2.user_id WHERE addresses_1.email_address = ? AND addresses_2.email_address = ?`},
		{"tutorial alias via condition", quarry.Select(TUsers.Name).Join(TUsers.Addresses.OfType(ta1)), `SELECT users.name FROM users JOIN addresses AS addresses_1 ON users.id = addresses_1.user_id`},
		{"tutorial subquery count", quarry.Select2(TUsers, quarry.Nullable(quarry.Ref(adrCount, cnt))).
			OuterJoin(adrCount, TUsers.ID.EqExpr(quarry.Deref(quarry.Ref(adrCount, TAddresses.UserID)))).OrderBy(TUsers.ID),
			`SELECT users.id, users.name, users.fullname, users.nickname, anon_1.address_count FROM users LEFT OUTER JOIN (SELECT addresses.user_id AS user_id, count(*) AS address_count FROM addresses GROUP BY addresses.user_id) AS anon_1 ON users.id = anon_1.user_id ORDER BY users.id`},
		{"tutorial entity from subquery", quarry.Select2(TUsers, adalias).Join(TUsers.Addresses.OfType(adalias)),
			`SELECT users.id, users.name, users.fullname, users.nickname, anon_1.id AS id_1, anon_1.email_address, anon_1.user_id FROM users JOIN (SELECT addresses.id AS id, addresses.email_address AS email_address, addresses.user_id AS user_id FROM addresses WHERE addresses.email_address != ?) AS anon_1 ON users.id = anon_1.user_id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertSQL(t, tt.stmt, tt.want) })
	}
}

// TestRelJoinRows runs the 2.0 guide's join examples and checks the rows
// it prints.
func TestRelJoinRows(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadGuide(t, db)
		pairs := func(rows []quarry.Row2[string, string]) string {
			var b strings.Builder
			for _, r := range rows {
				b.WriteString(r.V1 + " " + r.V2 + "; ")
			}
			return b.String()
		}
		const printed = "spongebob spongebob@sqlalchemy.org; sandy sandy@sqlalchemy.org; sandy squirrel@squirrelpower.org; patrick pat999@aol.com; squidward stentcl@sqlalchemy.org; "

		rows, err := quarry.Select2(GUsers, GAddresses).Join(GUsers.Addresses).OrderBy(GUsers.ID, GAddresses.ID).All(ctx, db)
		is.NoErr(err)
		var got []quarry.Row2[string, string]
		for _, r := range rows {
			got = append(got, quarry.Row2[string, string]{V1: r.V1.Name, V2: r.V2.EmailAddress})
		}
		is.Equal(pairs(got), printed)

		attrs, err := quarry.Select2(GUsers.Name, GAddresses.EmailAddress).Join(GUsers.Addresses).OrderBy(GUsers.ID, GAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(pairs(attrs), printed)

		userCls := quarry.Aliased(GUsers, quarry.AliasName("user_cls"))
		email := quarry.Aliased(GAddresses, quarry.AliasName("email"))
		first, err := quarry.Select2(userCls, email).Join(userCls.Addresses.OfType(email)).OrderBy(userCls.ID, email.ID).First(ctx, db)
		is.NoErr(err)
		is.Equal(first.V1.Name+" "+first.V2.EmailAddress, "spongebob spongebob@sqlalchemy.org")

		full, err := quarry.Select(GUsers.Fullname).Join(GUsers.Addresses.And(GAddresses.EmailAddress.Eq("squirrel@squirrelpower.org"))).All(ctx, db)
		is.NoErr(err)
		is.Equal(full, []string{"Sandy Cheeks"})

		// Joining to subqueries: the plain subquery, then an entity over it.
		subq := quarry.Select(GAddresses).Where(GAddresses.EmailAddress.Eq("pat999@aol.com")).Subquery()
		us, err := quarry.Select(GUsers).Join(subq, GUsers.ID.EqExpr(quarry.Ref(subq, GAddresses.UserID))).All(ctx, db)
		is.NoErr(err)
		is.Equal(names(us), []string{"patrick"})
		addressSubq := quarry.Aliased(GAddresses, quarry.FromSubquery(subq), quarry.AliasName("address"))
		for _, q := range []*quarry.Query[quarry.Row2[*GUser, *GAddress]]{
			quarry.Select2(GUsers, addressSubq).Join(addressSubq),
			quarry.Select2(GUsers, addressSubq).Join(GUsers.Addresses.OfType(addressSubq)),
		} {
			r, err := q.One(ctx, db)
			is.NoErr(err)
			is.Equal(*r.V1, GUser{ID: 3, Name: "patrick", Fullname: "Patrick Star"})
			is.Equal(*r.V2, GAddress{ID: 4, UserID: 3, EmailAddress: "pat999@aol.com"})
		}

		// One subquery, two entities over it. The subquery selects the
		// whole Address (an entity reads all its mapped columns).
		uas := quarry.Select4(GUsers.ID, GUsers.Name, GUsers.Fullname, GAddresses).
			JoinFrom(GUsers, GAddresses).
			Where(GAddresses.EmailAddress.In("pat999@aol.com", "squirrel@squirrelpower.org")).Subquery()
		userAlias := quarry.Aliased(GUsers, quarry.FromSubquery(uas), quarry.AliasName("user"))
		addrAlias := quarry.Aliased(GAddresses, quarry.FromSubquery(uas), quarry.AliasName("address"))
		both := quarry.Select2(userAlias, addrAlias).Where(userAlias.Name.Eq("sandy"))
		assertSQL(t, both, `SELECT anon_1.id, anon_1.name, anon_1.fullname, anon_1.id_1, anon_1.user_id, anon_1.email_address FROM (SELECT user_account.id AS id, user_account.name AS name, user_account.fullname AS fullname, address.id AS id_1, address.user_id AS user_id, address.email_address AS email_address FROM user_account JOIN address ON user_account.id = address.user_id WHERE address.email_address IN (?, ?)) AS anon_1 WHERE anon_1.name = ?`)
		r, err := both.One(ctx, db)
		is.NoErr(err)
		is.Equal(*r.V1, GUser{ID: 2, Name: "sandy", Fullname: "Sandy Cheeks"})
		is.Equal(*r.V2, GAddress{ID: 3, UserID: 2, EmailAddress: "squirrel@squirrelpower.org"})

		// Leftmost FROM: join_from and select_from.
		for _, q := range []*quarry.Query[*GAddress]{
			quarry.Select(GAddresses).JoinFrom(GUsers, GUsers.Addresses).Where(GUsers.Name.Eq("sandy")),
			quarry.Select(GAddresses).JoinFrom(GUsers, GAddresses).Where(GUsers.Name.Eq("sandy")),
			quarry.Select(GAddresses).SelectFrom(GUsers).Join(GAddresses).Where(GUsers.Name.Eq("sandy")),
			quarry.Select(GAddresses).SelectFrom(GUsers).Join(GAddresses.User).Where(GUsers.Name.Eq("sandy")),
		} {
			as, err := q.OrderBy(GAddresses.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(emails(as), []string{"sandy@sqlalchemy.org", "squirrel@squirrelpower.org"})
		}

		// Chained joins through the association table.
		descs, err := quarry.Select(GItems.Description).SelectFrom(GUsers).Join(GUsers.Orders).Join(GOrders.Items).
			Where(GUsers.Name.Eq("spongebob")).OrderBy(GItems.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(descs, []string{"widget", "gizmo", "gizmo"})
	})
}

// TestRelJoinTutorialRows runs the tutorial's joins, aliases, subqueries
// and outer joins with its data.
func TestRelJoinTutorialRows(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadTutorial(t, db)
		r, err := quarry.Select2(TUsers, TAddresses).
			Where(TUsers.ID.EqExpr(quarry.Deref(TAddresses.UserID)), TAddresses.EmailAddress.Eq("jack@google.com")).One(ctx, db)
		is.NoErr(err)
		is.Equal(r.V1.Name, "jack")
		is.Equal(r.V2.EmailAddress, "jack@google.com")

		for _, q := range []*quarry.Query[*TUser]{
			quarry.Select(TUsers).Join(TAddresses),
			quarry.Select(TUsers).Join(TAddresses, TUsers.ID.EqExpr(quarry.Deref(TAddresses.UserID))),
			quarry.Select(TUsers).Join(TUsers.Addresses),
			quarry.Select(TUsers).Join(TUsers.Addresses.OfType(TAddresses)),
		} {
			us, err := q.Where(TAddresses.EmailAddress.Eq("jack@google.com")).All(ctx, db)
			is.NoErr(err)
			is.Equal(len(us), 1)
			is.Equal(*us[0], TUser{ID: 5, Name: "jack", Fullname: "Jack Bean", Nickname: "gjffdd"})
		}

		ad1, ad2 := quarry.Aliased(TAddresses), quarry.Aliased(TAddresses)
		row, err := quarry.Select3(TUsers.Name, ad1.EmailAddress, ad2.EmailAddress).
			Join(TUsers.Addresses.OfType(ad1)).Join(TUsers.Addresses.OfType(ad2)).
			Where(ad1.EmailAddress.Eq("jack@google.com"), ad2.EmailAddress.Eq("j25@yahoo.com")).One(ctx, db)
		is.NoErr(err)
		is.Equal(row, quarry.Row3[string, string, string]{V1: "jack", V2: "jack@google.com", V3: "j25@yahoo.com"})

		// Users with their address count: NULL for those with none.
		cnt := quarry.CountAll().Label("address_count")
		stmt := quarry.Select2(TAddresses.UserID, cnt).GroupBy(TAddresses.UserID).Subquery()
		counts, err := quarry.Select2(TUsers.Name, quarry.Nullable(quarry.Ref(stmt, cnt))).
			OuterJoin(stmt, TUsers.ID.EqExpr(quarry.Deref(quarry.Ref(stmt, TAddresses.UserID)))).OrderBy(TUsers.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(counts), 5)
		for _, c := range counts[:4] {
			is.Equal(c.V2, (*int64)(nil))
		}
		is.Equal(counts[4].V1, "jack")
		is.Equal(*counts[4].V2, int64(2))
		// Read as int64, the NULL count is an error naming the column.
		_, err = quarry.Select2(TUsers.Name, quarry.Ref(stmt, cnt)).
			OuterJoin(stmt, TUsers.ID.EqExpr(quarry.Deref(quarry.Ref(stmt, TAddresses.UserID)))).All(ctx, db)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "address_count"))

		// Entities from a subquery.
		sq := quarry.Select(TAddresses).Where(TAddresses.EmailAddress.Ne("j25@yahoo.com")).Subquery()
		adalias := quarry.Aliased(TAddresses, quarry.FromSubquery(sq))
		ua, err := quarry.Select2(TUsers, adalias).Join(TUsers.Addresses.OfType(adalias)).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(ua), 1)
		is.Equal(ua[0].V1.Name, "jack")
		is.Equal(ua[0].V2.EmailAddress, "jack@google.com")
	})
}
