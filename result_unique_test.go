package quarry_test

// Rows follow SQLAlchemy 2.0's select(): one per row of SQL, duplicates
// included, unless the statement asks for Unique (Result.unique()); a
// Joined collection load de-duplicates its parents by itself. The data are
// the 2.0 guide's (loadGuide): sandy has two addresses, spongebob two
// orders, ehkrabs no address.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Both executors of every backend: a Session (identity map) and the DB
// itself (a fresh object per row).
func eachExecutor(t *testing.T, db *quarry.DB, fn func(t *testing.T, ex quarry.Executor)) {
	t.Run("session", func(t *testing.T) {
		s := db.Session()
		defer s.Close(context.Background())
		fn(t, s)
	})
	t.Run("db", func(t *testing.T) { fn(t, db) })
}

const userJoinAddressSQL = `SELECT user_account.id, user_account.name, user_account.fullname
	FROM user_account JOIN address ON user_account.id = address.user_id`

func TestResultJoinRepeatsEntity(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			q := quarry.Select(GUsers).Join(GUsers.Addresses).OrderBy(GUsers.ID, GAddresses.ID)
			log.Reset()
			users, err := q.All(ctx, ex)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(userJoinAddressSQL+` ORDER BY user_account.id, address.id`))
			// The guide's rows: sandy twice, once per address.
			is.Equal(names(users), []string{"spongebob", "sandy", "sandy", "patrick", "squidward"})
			_, inSession := ex.(*quarry.Session)
			// In a Session both rows are the one object of the identity
			// map; on a DB each row is its own object.
			is.Equal(users[1] == users[2], inSession)

			log.Reset()
			uniq, err := q.Unique().All(ctx, ex)
			is.NoErr(err)
			// Unique changes no SQL.
			is.Equal(selects(log), sqlList(userJoinAddressSQL+` ORDER BY user_account.id, address.id`))
			is.Equal(names(uniq), []string{"spongebob", "sandy", "patrick", "squidward"})
			if inSession {
				is.True(uniq[1] == users[1])
			}

			// The first of each is kept, in the order read.
			desc, err := quarry.Select(GUsers).Join(GUsers.Addresses).OrderBy(GAddresses.ID.Desc()).Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(names(desc), []string{"squidward", "patrick", "sandy", "spongebob"})

			// Unique on one statement leaves the others alone: q itself
			// still repeats sandy.
			again, err := q.All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(again), 5)
		})
	})
}

func TestResultUniqueRows(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			// Rows of columns compare by value.
			cols := quarry.Select2(GUsers.Name, GUsers.Fullname).Join(GUsers.Addresses).OrderBy(GAddresses.ID)
			rows, err := cols.All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(rows), 5)
			log.Reset()
			rows, err = cols.Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(`SELECT user_account.name, user_account.fullname
				FROM user_account JOIN address ON user_account.id = address.user_id ORDER BY address.id`))
			is.Equal(rows, []quarry.Row2[string, string]{
				{V1: "spongebob", V2: "Spongebob Squarepants"}, {V1: "sandy", V2: "Sandy Cheeks"},
				{V1: "patrick", V2: "Patrick Star"}, {V1: "squidward", V2: "Squidward Tentacles"}})

			// Rows of entities compare by identity, in a Session or not:
			// spongebob's two orders times his one address are two rows,
			// sandy's one order times her two addresses are one row twice.
			ents := quarry.Select2(GUsers, GOrders).Join(GUsers.Orders).Join(GUsers.Addresses).OrderBy(GOrders.ID, GAddresses.ID)
			pairs, err := ents.All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(pairs), 4)
			pairs, err = ents.Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(pairs), 3)
			is.Equal([]string{pairs[0].V1.Name, pairs[1].V1.Name, pairs[2].V1.Name}, []string{"spongebob", "spongebob", "sandy"})
			is.Equal([]int64{pairs[0].V2.ID, pairs[1].V2.ID, pairs[2].V2.ID}, []int64{1, 2, 3})
			// One object per identity within the result, outside a Session
			// too.
			is.True(pairs[0].V1 == pairs[1].V1)

			// Distinct pairs are all kept.
			pa, err := quarry.Select2(GUsers, GAddresses).Join(GUsers.Addresses).OrderBy(GAddresses.ID).Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(pa), 5)
			is.True(pa[1].V1 == pa[2].V1) // sandy, one object
			is.Equal(pa[2].V2.EmailAddress, "squirrel@squirrelpower.org")

			// Values.
			vals := quarry.Select(GUsers.Name).Join(GUsers.Addresses).OrderBy(GAddresses.ID)
			ns, err := vals.All(ctx, ex)
			is.NoErr(err)
			is.Equal(ns, []string{"spongebob", "sandy", "sandy", "patrick", "squidward"})
			ns, err = vals.Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(ns, []string{"spongebob", "sandy", "patrick", "squidward"})
		})
	})
}

func TestResultUniqueScalars(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			q := quarry.Select2(GUsers.Name, GAddresses.EmailAddress).Join(GUsers.Addresses).OrderBy(GAddresses.ID)
			res, err := q.Execute(ctx, ex)
			is.NoErr(err)
			all, err := quarry.Scalars(res).All()
			is.NoErr(err)
			is.Equal(all, []string{"spongebob", "sandy", "sandy", "patrick", "squidward"})

			// The rows differ (two emails), their first items do not: as in
			// SQLAlchemy, scalars() of a unique result de-duplicates the
			// items.
			res, err = q.Unique().Execute(ctx, ex)
			is.NoErr(err)
			uniq, err := quarry.Scalars(res).All()
			is.NoErr(err)
			is.Equal(uniq, []string{"spongebob", "sandy", "patrick", "squidward"})

			// Entities through Scalars: by identity.
			eq := quarry.Select2(GUsers, GAddresses.EmailAddress).Join(GUsers.Addresses).OrderBy(GAddresses.ID).Unique()
			eres, err := eq.Execute(ctx, ex)
			is.NoErr(err)
			users, err := quarry.Scalars(eres).All()
			is.NoErr(err)
			is.Equal(names(users), []string{"spongebob", "sandy", "patrick", "squidward"})

			// One of the items of sandy's two rows: one item under Unique.
			one := quarry.Select2(GUsers.Name, GAddresses.EmailAddress).Join(GUsers.Addresses).Where(GUsers.Name.Eq("sandy"))
			res, err = one.Execute(ctx, ex)
			is.NoErr(err)
			_, err = quarry.Scalars(res).One()
			is.True(errors.Is(err, quarry.ErrMultipleResults))
			res, err = one.Unique().Execute(ctx, ex)
			is.NoErr(err)
			name, err := quarry.Scalars(res).One()
			is.NoErr(err)
			is.Equal(name, "sandy")
		})
	})
}

func TestResultUniqueTerminals(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			sandy := quarry.Select(GUsers).Join(GUsers.Addresses).Where(GUsers.Name.Eq("sandy"))
			sandySQL := userJoinAddressSQL + ` WHERE user_account.name = ?`

			// One: two rows of one identity are two rows (2.0's one()
			// raises MultipleResultsFound), one with Unique.
			log.Reset()
			_, err := sandy.One(ctx, ex)
			is.True(errors.Is(err, quarry.ErrMultipleResults))
			u, err := sandy.Unique().One(ctx, ex)
			is.NoErr(err)
			is.Equal(u.Name, "sandy")
			is.Equal(selects(log), sqlList(sandySQL, sandySQL))
			_, _, err = sandy.OneOrNone(ctx, ex)
			is.True(errors.Is(err, quarry.ErrMultipleResults))
			u, ok, err := sandy.Unique().OneOrNone(ctx, ex)
			is.NoErr(err)
			is.True(ok)
			is.Equal(u.Name, "sandy")
			_, ok, err = sandy.Unique().Where(GUsers.ID.Eq(99)).OneOrNone(ctx, ex)
			is.NoErr(err)
			is.True(!ok)
			_, err = sandy.Unique().Where(GUsers.ID.Eq(99)).One(ctx, ex)
			is.True(errors.Is(err, quarry.ErrNoResult))

			// Scalar is One of a value.
			name := quarry.Select(GUsers.Name).Join(GUsers.Addresses).Where(GUsers.Name.Eq("sandy"))
			_, err = name.Scalar(ctx, ex)
			is.True(errors.Is(err, quarry.ErrMultipleResults))
			n, err := name.Unique().Scalar(ctx, ex)
			is.NoErr(err)
			is.Equal(n, "sandy")

			// First reads one row (LIMIT 1) with or without Unique.
			log.Reset()
			f, err := sandy.Unique().First(ctx, ex)
			is.NoErr(err)
			is.Equal(f.Name, "sandy")
			is.Equal(selects(log), sqlList(sandySQL+` LIMIT ?`))

			// Count counts the database's rows, as 1.x's Query.count() did
			// though its all() de-duplicated: Unique changes no SQL.
			log.Reset()
			c, err := sandy.Count(ctx, ex)
			is.NoErr(err)
			is.Equal(c, int64(2))
			c, err = sandy.Unique().Count(ctx, ex)
			is.NoErr(err)
			is.Equal(c, int64(2))
			countSQL := `SELECT count(*) AS count_1 FROM (SELECT user_account.id AS id, user_account.name AS name,
				user_account.fullname AS fullname FROM user_account JOIN address ON user_account.id = address.user_id
				WHERE user_account.name = ?) AS anon_1`
			is.Equal(selects(log), sqlList(countSQL, countSQL))

			// Rows and Execute read through the same filter.
			all := quarry.Select(GUsers).Join(GUsers.Addresses).OrderBy(GAddresses.ID)
			var seq []string
			for u, err := range all.Unique().Rows(ctx, ex) {
				is.NoErr(err)
				seq = append(seq, u.Name)
			}
			is.Equal(seq, []string{"spongebob", "sandy", "patrick", "squidward"})
			seq = nil
			for u, err := range all.Rows(ctx, ex) {
				is.NoErr(err)
				seq = append(seq, u.Name)
			}
			is.Equal(seq, []string{"spongebob", "sandy", "sandy", "patrick", "squidward"})
			res, err := all.Unique().Execute(ctx, ex)
			is.NoErr(err)
			seq = nil
			for res.Next() {
				seq = append(seq, res.Value().Name)
			}
			is.NoErr(res.Close())
			is.Equal(seq, []string{"spongebob", "sandy", "patrick", "squidward"})

			// A LIMIT counts the database's rows, before Unique.
			lim, err := all.Limit(3).Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(names(lim), []string{"spongebob", "sandy"})
		})
	})
}

const userJoinedAddressesSQL = `SELECT user_account.id, user_account.name, user_account.fullname,
	address_1.id AS id_1, address_1.user_id, address_1.email_address
	FROM user_account LEFT OUTER JOIN address AS address_1 ON user_account.id = address_1.user_id
	ORDER BY user_account.id, address_1.id`

func TestResultJoinedCollectionUnique(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			check := func(users []*GUser) {
				is.Equal(names(users), []string{"spongebob", "sandy", "patrick", "squidward", "ehkrabs"})
				is.Equal(emails(users[1].Addresses), []string{"sandy@sqlalchemy.org", "squirrel@squirrelpower.org"})
				is.Equal(len(users[4].Addresses), 0)
				is.True(users[4].Addresses != nil) // loaded, empty
			}
			q := quarry.Select(GUsers).OrderBy(GUsers.ID).Options(quarry.Joined(GUsers.Addresses))
			// Six rows of SQL (sandy twice), five users: the loader takes
			// out the parents it repeated, without Unique.
			log.Reset()
			users, err := q.All(ctx, ex)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(userJoinedAddressesSQL))
			check(users)
			if s, ok := ex.(*quarry.Session); ok {
				s.ExpungeAll()
			}
			// With Unique: the same SQL and objects.
			log.Reset()
			users, err = q.Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(userJoinedAddressesSQL))
			check(users)

			// Through the cursor and One too.
			if s, ok := ex.(*quarry.Session); ok {
				s.ExpungeAll()
			}
			var seq []*GUser
			for u, err := range q.Rows(ctx, ex) {
				is.NoErr(err)
				seq = append(seq, u)
			}
			check(seq)
			sandy, err := q.Where(GUsers.Name.Eq("sandy")).One(ctx, ex)
			is.NoErr(err)
			is.Equal(len(sandy.Addresses), 2)

			// The statement's own join repeating a parent is collapsed
			// with the loader's rows.
			users, err = quarry.Select(GUsers).Join(GUsers.Orders).OrderBy(GUsers.ID).
				Options(quarry.Joined(GUsers.Addresses)).All(ctx, ex)
			is.NoErr(err)
			is.Equal(names(users), []string{"spongebob", "sandy"})

			// A joined many-to-one repeats nothing, so it takes nothing out:
			// the statement's join to spongebob's two orders repeats his
			// address.
			addrs, err := quarry.Select(GAddresses).Join(GAddresses.User).Join(GUsers.Orders).
				OrderBy(GAddresses.ID, GOrders.ID).Options(quarry.Joined(GAddresses.User)).All(ctx, ex)
			is.NoErr(err)
			is.Equal(emails(addrs), []string{"spongebob@sqlalchemy.org", "spongebob@sqlalchemy.org",
				"sandy@sqlalchemy.org", "squirrel@squirrelpower.org"})
			is.Equal(addrs[0].User.Name, "spongebob")
			addrs, err = quarry.Select(GAddresses).Join(GAddresses.User).Join(GUsers.Orders).
				OrderBy(GAddresses.ID, GOrders.ID).Options(quarry.Joined(GAddresses.User)).Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(emails(addrs), []string{"spongebob@sqlalchemy.org", "sandy@sqlalchemy.org", "squirrel@squirrelpower.org"})
			is.True(addrs[1].User == addrs[2].User) // sandy, one object
		})
	})
}

func TestResultCompoundUnique(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			u := quarry.UnionAll(quarry.Select(GUsers).Where(GUsers.ID.Lt(3)), quarry.Select(GUsers).Where(GUsers.ID.Eq(2))).
				OrderBy(GUsers.ID)
			log.Reset()
			users, err := u.All(ctx, ex)
			is.NoErr(err)
			is.Equal(names(users), []string{"spongebob", "sandy", "sandy"})
			users, err = u.Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(names(users), []string{"spongebob", "sandy"})
			st := log.Statements()
			is.Equal(len(selects(log)), 2)
			is.Equal(normSQL(st[len(st)-1]), normSQL(st[len(st)-2])) // no SQL of its own
			// First keeps it (LIMIT 1 of the compound).
			f, err := u.Unique().First(ctx, ex)
			is.NoErr(err)
			is.Equal(f.Name, "spongebob")
			_, err = quarry.UnionAll(quarry.Select(GUsers).Where(GUsers.ID.Eq(2)), quarry.Select(GUsers).Where(GUsers.ID.Eq(2))).One(ctx, ex)
			is.True(errors.Is(err, quarry.ErrMultipleResults))
			one, err := quarry.UnionAll(quarry.Select(GUsers).Where(GUsers.ID.Eq(2)), quarry.Select(GUsers).Where(GUsers.ID.Eq(2))).Unique().One(ctx, ex)
			is.NoErr(err)
			is.Equal(one.Name, "sandy")

			vals, err := quarry.UnionAll(quarry.Select(GUsers.Name).Where(GUsers.ID.Lt(3)), quarry.Select(GUsers.Name)).
				OrderBy(GUsers.Name).Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(vals, []string{"ehkrabs", "patrick", "sandy", "spongebob", "squidward"})
		})
	})
}

func TestResultUniqueUncomparable(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			// A dynamic Row holds a slice: it cannot be a key, and reading
			// it under Unique fails instead of panicking.
			q := quarry.Columns(GUsers.Name).Join(GUsers.Addresses)
			rows, err := q.All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(rows), 5)
			_, err = q.Unique().All(ctx, ex)
			is.True(err != nil)
			is.True(strings.Contains(err.Error(), "quarry: Unique: rows of type quarry.Row cannot be compared"))
			// The Session is still usable after the failed read.
			n, err := quarry.Select(GUsers.Name).Join(GUsers.Addresses).Unique().All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(n), 4)
		})
	})
}
