package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// latestAddresses is the LATERAL subquery of the tests: the n latest
// addresses of the user joined before it.
func latestAddresses(n int64) *quarry.Subquery {
	A := GAddresses
	return quarry.Select(A).Where(A.UserID.EqExpr(GUsers.ID)).
		OrderBy(A.ID.Desc()).Limit(n).Subquery().Lateral()
}

// A LATERAL subquery renders as JOIN LATERAL (...) ON true, correlated
// with the FROM items before it, which leave its own FROM list.
func TestLateralRender(t *testing.T) {
	U, A := GUsers, GAddresses
	latest := latestAddresses(2)
	entity := quarry.Aliased(A, quarry.FromSubquery(latest))
	inner := `LATERAL (SELECT "address"."id" AS "id", "address"."user_id" AS "user_id", "address"."email_address" AS "email_address" FROM "address" WHERE "address"."user_id" = "user_account"."id" ORDER BY "address"."id" DESC LIMIT $1) AS "anon_1"`
	cases := []struct {
		name string
		stmt quarry.Statement
		want string
		args []any
	}{
		{"join", quarry.Select2(U.Name, quarry.Ref(latest, A.EmailAddress)).Join(latest).OrderBy(U.ID, quarry.Ref(latest, A.ID).Desc()),
			`SELECT "user_account"."name", "anon_1"."email_address" FROM "user_account" JOIN ` + inner + ` ON true ORDER BY "user_account"."id", "anon_1"."id" DESC`,
			[]any{int64(2)}},
		{"outer join of an entity", quarry.Select2(U, entity).OuterJoin(entity),
			`SELECT "user_account"."id", "user_account"."name", "user_account"."fullname", "anon_1"."id" AS "id_1", "anon_1"."user_id", "anon_1"."email_address" FROM "user_account" LEFT OUTER JOIN ` + inner + ` ON true`,
			[]any{int64(2)}},
		{"lateral selected first", quarry.Select2(quarry.Ref(latest, A.EmailAddress), U.Name).Join(latest),
			`SELECT "anon_1"."email_address", "user_account"."name" FROM "user_account" JOIN ` + inner + ` ON true`,
			[]any{int64(2)}},
		{"join from with on", quarry.Select(quarry.Ref(latest, A.EmailAddress)).JoinFrom(U, latest, quarry.Ref(latest, A.ID).Gt(1)).Where(U.Name.Eq("sandy")),
			`SELECT "anon_1"."email_address" FROM "user_account" JOIN ` + inner + ` ON "anon_1"."id" > $2 WHERE "user_account"."name" = $3`,
			[]any{int64(2), int64(1), "sandy"}},
		{"named", quarry.Select(U.Name).Join(quarry.Select(quarry.Count(A.ID).Label("n")).Where(A.UserID.EqExpr(U.ID)).NamedSubquery("cnt").Lateral()),
			`SELECT "user_account"."name" FROM "user_account" JOIN LATERAL (SELECT count("address"."id") AS "n" FROM "address" WHERE "address"."user_id" = "user_account"."id") AS "cnt" ON true`,
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			sql, args, err := quarry.Render(postgres.Dialect{}, c.stmt)
			is.NoErr(err)
			is.Equal(sql, c.want)
			is.Equal(args, c.args)
			_, _, err = quarry.Render(sqlite.Dialect{}, c.stmt)
			is.True(errors.Is(err, quarry.ErrUnsupported))                                                    // SQLite has no LATERAL
			is.True(strings.Contains(err.Error(), "LATERAL"))                                                 // the message names it
			is.True(strings.Contains(c.stmt.(interface{ String() string }).String(), "JOIN LATERAL (SELECT")) // the default dialect renders it
		})
	}
	// The receiver stays a plain subquery: Lateral returns a new one.
	plain := quarry.Select(A.ID).Where(A.UserID.EqExpr(U.ID)).Subquery()
	_ = plain.Lateral()
	_, _, err := quarry.Render(sqlite.Dialect{}, quarry.Select(A.ID).Join(plain, quarry.Ref(plain, A.ID).EqExpr(A.ID)))
	is.New(t).NoErr(err)
}

// A lateral subquery reads only the FROM items before it: a table joined
// after it stays in its own FROM list instead of being correlated.
func TestLateralCorrelatesLeftOnly(t *testing.T) {
	is := is.New(t)
	U, A, O := GUsers, GAddresses, GOrders
	lat := quarry.Select(A.ID).Where(A.UserID.EqExpr(U.ID), A.UserID.EqExpr(O.UserID)).Subquery().Lateral()
	q := quarry.Select(U.Name).Join(lat).Join(O, O.UserID.EqExpr(U.ID))
	sql, _, err := quarry.Render(postgres.Dialect{}, q)
	is.NoErr(err)
	is.Equal(sql, `SELECT "user_account"."name" FROM "user_account" JOIN LATERAL (SELECT "address"."id" AS "id" FROM "address", "user_order" WHERE "address"."user_id" = "user_account"."id" AND "address"."user_id" = "user_order"."user_id") AS "anon_1" ON true JOIN "user_order" ON "user_order"."user_id" = "user_account"."id"`)
}

// Misuse of Lateral is an error when the statement is rendered.
func TestLateralErrors(t *testing.T) {
	U, A := GUsers, GAddresses
	cases := []struct {
		name string
		stmt quarry.Statement
		want string
	}{
		{"cte", quarry.Select(U.Name).Join(quarry.CTE("c", quarry.Select(A.ID)).Lateral()), "Lateral of a CTE"},
		{"nil", quarry.Select(U.Name).Join((*quarry.Subquery)(nil).Lateral()), "zero"},
		{"zero", quarry.Select(U.Name).Join((&quarry.Subquery{}).Lateral()), "zero"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			_, _, err := quarry.Render(postgres.Dialect{}, c.stmt)
			is.True(errors.Is(err, quarry.ErrInvalidArgument))
			is.True(strings.Contains(err.Error(), c.want))
		})
	}
}

// The latest two addresses of each user, in one statement with a LATERAL
// subquery on PostgreSQL; on SQLite an error before any SQL is sent.
func TestLateralExec(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadGuide(t, db)
		U, A := GUsers, GAddresses
		// spongebob now has addresses 1, 6 and 7; sandy 2 and 3; patrick 4;
		// squidward 5; ehkrabs none.
		_, err := quarry.Insert(A).Values(&GAddress{ID: 6, UserID: 1, EmailAddress: "sb6@x.org"}, &GAddress{ID: 7, UserID: 1, EmailAddress: "sb7@x.org"}).Exec(ctx, db)
		is.NoErr(err)
		query := func(n int64) *quarry.Query[quarry.Row2[string, string]] {
			latest := latestAddresses(n)
			return quarry.Select2(U.Name, quarry.Ref(latest, A.EmailAddress)).Join(latest).
				OrderBy(U.ID, quarry.Ref(latest, A.ID).Desc())
		}
		log.Reset()
		rows, err := query(2).All(ctx, db)
		if db.Dialect().Name() != "postgres" {
			is.True(errors.Is(err, quarry.ErrUnsupported))
			log.AssertCount(t, 0) // refused before SQL
			return
		}
		is.NoErr(err)
		is.Equal(rows, []quarry.Row2[string, string]{
			{V1: "spongebob", V2: "sb7@x.org"}, {V1: "spongebob", V2: "sb6@x.org"},
			{V1: "sandy", V2: "squirrel@squirrelpower.org"}, {V1: "sandy", V2: "sandy@sqlalchemy.org"},
			{V1: "patrick", V2: "pat999@aol.com"},
			{V1: "squidward", V2: "stentcl@sqlalchemy.org"},
		})
		is.True(sent(log, `JOIN LATERAL (SELECT`, `LIMIT $1) AS anon_1 ON true`))

		// The same shape with another limit: a LATERAL source is not shaped,
		// so each statement is rendered with its own value.
		st := query(1)
		cached, _ := quarry.ShapeCached(db, st)
		is.True(!cached)
		rows, err = st.All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 4) // one per user with an address
		is.Equal(rows[0], quarry.Row2[string, string]{V1: "spongebob", V2: "sb7@x.org"})
		is.Equal(log.Entries()[len(log.Entries())-1].Args, []any{int64(1)})

		// Entities over an outer LATERAL join: ehkrabs stays, with no address.
		latest := latestAddresses(1)
		a := quarry.Aliased(A, quarry.FromSubquery(latest))
		pairs, err := quarry.Select2(U, a).OuterJoin(a).OrderBy(U.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(pairs), 5)
		is.Equal(pairs[0].V2.ID, int64(7))
		is.Equal(pairs[1].V2.ID, int64(3))
		is.Equal(pairs[4].V1.Name, "ehkrabs")
		is.True(pairs[4].V2 == nil) // no address: no entity
	})
}
