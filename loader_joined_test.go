package quarry_test

// Joined eager loading: the cases where a parent or child is read again
// (consecutive or not), the outer join's NULL side, many-to-many pairs
// the statement repeats, nested joins, and objects the Session holds.

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

func gItemNames(items []*GItem) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Description)
	}
	return out
}

func gOrderIDs(os []*GOrder) []int64 {
	out := []int64{}
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

// A parent on non-consecutive rows: the statement's own join, ordered by
// the child's column, interleaves jack's rows with ed's, and repeats the
// pair (jack, a@x.org) on rows that are not next to each other.
func TestJoinedParentNotConsecutive(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadTutorial(t, db)
		if _, err := db.Exec(ctx, quarry.Text(`DELETE FROM addresses`)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, quarry.Text(`INSERT INTO addresses (id, email_address, user_id) VALUES
			(1, 'a@x.org', 5), (2, 'b@x.org', 1), (3, 'c@x.org', 5)`)); err != nil {
			t.Fatal(err)
		}
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			log.Reset()
			users, err := quarry.Select(TUsers).Join(TUsers.Addresses).OrderBy(TAddresses.EmailAddress).
				Options(quarry.Joined(TUsers.Addresses)).All(ctx, ex)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(`SELECT users.id, users.name, users.fullname, users.nickname,
				addresses_1.id AS id_1, addresses_1.email_address, addresses_1.user_id
				FROM users JOIN addresses ON users.id = addresses.user_id
				LEFT OUTER JOIN addresses AS addresses_1 ON users.id = addresses_1.user_id
				ORDER BY addresses.email_address, addresses_1.id`))
			// Rows: jack (a, c), ed (b), jack (a, c): two users.
			is.Equal(len(users), 2)
			jack, ed := users[0], users[1]
			is.Equal(jack.Name, "jack")
			is.Equal(ed.Name, "ed")
			is.Equal(addrEmails(jack.Addresses), []string{"a@x.org", "c@x.org"})
			is.Equal(addrEmails(ed.Addresses), []string{"b@x.org"})
			for _, a := range jack.Addresses {
				is.True(a.User == jack)
			}
			is.True(ed.Addresses[0].User == ed)
		})
	})
}

// The outer join's NULL side: a user with no address is read from a row
// whose address columns are all NULL, and gets an empty, loaded
// collection; the users around it are unaffected.
func TestJoinedNullChildren(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadTutorial(t, db)
		// ed gets an address, so that NULL rows sit between full ones.
		if _, err := db.Exec(ctx, quarry.Text(`INSERT INTO addresses (id, email_address, user_id) VALUES (3, 'ed@x.org', 1)`)); err != nil {
			t.Fatal(err)
		}
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			log.Reset()
			users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).Options(quarry.Joined(TUsers.Addresses)).All(ctx, ex)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(`SELECT users.id, users.name, users.fullname, users.nickname,
				addresses_1.id AS id_1, addresses_1.email_address, addresses_1.user_id
				FROM users LEFT OUTER JOIN addresses AS addresses_1 ON users.id = addresses_1.user_id
				ORDER BY users.id, addresses_1.id`))
			is.Equal(len(users), 5)
			is.Equal(addrEmails(users[0].Addresses), []string{"ed@x.org"})
			for _, u := range users[1:4] {
				is.True(u.Addresses != nil) // loaded, empty
				is.Equal(len(u.Addresses), 0)
			}
			is.Equal(addrEmails(users[4].Addresses), []string{"jack@google.com", "j25@yahoo.com"})
		})
	})
}

// A parent the Session holds with an unflushed change: the joined load
// returns that object, leaves its changed column alone (the identity map
// wins), fills its collection when it was not loaded, and keeps a
// collection the program changed. PopulateExisting overwrites both.
func TestJoinedSessionDirtyParent(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadTutorial(t, db)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		jack, err := quarry.Get(ctx, s, TUsers, int64(5))
		is.NoErr(err)
		jack.Nickname = "dirty"
		q := quarry.Select(TUsers).OrderBy(TUsers.ID).Options(quarry.Joined(TUsers.Addresses))

		log.Reset()
		users, err := q.All(ctx, s)
		is.NoErr(err)
		is.Equal(len(selects(log)), 1)
		is.Equal(len(users), 5)
		is.True(users[4] == jack)
		is.Equal(jack.Nickname, "dirty")
		is.Equal(addrEmails(jack.Addresses), []string{"jack@google.com", "j25@yahoo.com"})

		// The program drops an address: the next load keeps its list.
		jack.Addresses = jack.Addresses[:1]
		users, err = q.All(ctx, s)
		is.NoErr(err)
		is.True(users[4] == jack)
		is.Equal(jack.Nickname, "dirty")
		is.Equal(addrEmails(jack.Addresses), []string{"jack@google.com"})

		// PopulateExisting: the rows overwrite the object and its field.
		users, err = q.PopulateExisting().All(ctx, s)
		is.NoErr(err)
		is.True(users[4] == jack)
		is.Equal(jack.Nickname, "gjffdd")
		is.Equal(addrEmails(jack.Addresses), []string{"jack@google.com", "j25@yahoo.com"})
	})
}

// Many-to-many pairs the statement repeats: its own join to the keywords
// multiplies the loader's, so each (post, keyword) pair comes on two rows;
// each keyword is in the collection once, and the nested joined
// back-reference holds the post once.
func TestJoinedManyToManyRepeatedPairs(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadTutorial(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			log.Reset()
			posts, err := quarry.Select(TPosts).Join(TPosts.Keywords).
				Options(quarry.Joined(TPosts.Keywords, quarry.Joined(TKeywords.Posts))).All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(selects(log)), 1)
			is.Equal(len(posts), 1)
			p := posts[0]
			is.Equal(len(p.Keywords), 2)
			got := map[string]bool{}
			for _, k := range p.Keywords {
				got[k.Keyword] = true
				is.Equal(len(k.Posts), 1)
				is.True(k.Posts[0] == p)
			}
			is.Equal(got, map[string]bool{"wendy": true, "firstpost": true})
		})
	})
}

// Nested joined loads, users → orders → items (many-to-many): one
// statement; an item under two orders is one object; users without orders
// and orders' NULL rows give empty collections.
func TestJoinedNested(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadGuide(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			log.Reset()
			users, err := quarry.Select(GUsers).OrderBy(GUsers.ID).
				Options(quarry.Joined(GUsers.Orders, quarry.Joined(GOrders.Items))).All(ctx, ex)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(`SELECT user_account.id, user_account.name, user_account.fullname,
				user_order_1.id AS id_1, user_order_1.user_id, item_1.id AS id_2, item_1.description
				FROM user_account LEFT OUTER JOIN user_order AS user_order_1 ON user_account.id = user_order_1.user_id
				LEFT OUTER JOIN order_items AS order_items_1 ON user_order_1.id = order_items_1.order_id
				LEFT OUTER JOIN item AS item_1 ON item_1.id = order_items_1.item_id
				ORDER BY user_account.id, user_order_1.id, item_1.id`))
			is.Equal(names(users), []string{"spongebob", "sandy", "patrick", "squidward", "ehkrabs"})
			sb := users[0]
			is.Equal(gOrderIDs(sb.Orders), []int64{1, 2})
			is.Equal(gItemNames(sb.Orders[0].Items), []string{"widget", "gizmo"})
			is.Equal(gItemNames(sb.Orders[1].Items), []string{"gizmo"})
			is.True(sb.Orders[0].Items[1] == sb.Orders[1].Items[0]) // one gizmo
			is.Equal(gOrderIDs(users[1].Orders), []int64{3})
			is.Equal(gItemNames(users[1].Orders[0].Items), []string{"doohickey"})
			for _, u := range users[2:] {
				is.True(u.Orders != nil)
				is.Equal(len(u.Orders), 0)
			}
		})
	})
}

// A self-referential many-to-many joined through itself: a keyword's posts'
// keywords. The same keyword is a root and a grandchild; each collection
// holds each member once.
func TestJoinedSelfReachable(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		loadTutorial(t, db)
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			kws, err := quarry.Select(TKeywords).OrderBy(TKeywords.ID).
				Options(quarry.Joined(TKeywords.Posts, quarry.Joined(TPosts.Keywords))).All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(kws), 2)
			for _, k := range kws {
				is.Equal(len(k.Posts), 1)
				p := k.Posts[0]
				is.True(p == kws[0].Posts[0])
				is.Equal(len(p.Keywords), 2)
				is.True(p.Keywords[0] == kws[0] || p.Keywords[0] == kws[1])
				is.True(p.Keywords[0] != p.Keywords[1])
			}
		})
	})
}

// ContainsEager with the program's own ON clause can put one child under
// two parents: each parent's collection holds the rows the statement
// paired with it, the shared child is one object, and its many-to-one
// field follows its foreign key, not the last row that named it.
func TestContainsEagerChildUnderTwoParents(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadTutorial(t, db)
		if _, err := db.Exec(ctx, quarry.Text(`INSERT INTO addresses (id, email_address, user_id) VALUES (3, 'ed@x.org', 1)`)); err != nil {
			t.Fatal(err)
		}
		eachExecutor(t, db, func(t *testing.T, ex quarry.Executor) {
			is := is.New(t)
			log.Reset()
			users, err := quarry.Select(TUsers).
				Join(TAddresses, quarry.Or(quarry.Deref(TAddresses.UserID).EqExpr(TUsers.ID), TAddresses.ID.Eq(3))).
				Where(TUsers.ID.In(1, 5)).OrderBy(TUsers.ID, TAddresses.ID).
				Options(quarry.ContainsEager(TUsers.Addresses)).All(ctx, ex)
			is.NoErr(err)
			is.Equal(len(selects(log)), 1) // one SELECT
			is.Equal(len(users), 2)
			ed, jack := users[0], users[1]
			is.Equal(ed.Name, "ed")
			is.Equal(jack.Name, "jack")
			is.Equal(addrEmails(ed.Addresses), []string{"ed@x.org"})
			is.Equal(addrEmails(jack.Addresses), []string{"jack@google.com", "j25@yahoo.com", "ed@x.org"})
			is.True(ed.Addresses[0] == jack.Addresses[2]) // one object for the shared row
			is.True(jack.Addresses[0].User == jack)
			is.True(ed.Addresses[0].User == ed) // by its foreign key
			if s, ok := ex.(*quarry.Session); ok {
				log.Reset()
				is.NoErr(s.Flush(ctx))
				is.Equal(len(log.Statements()), 0) // the load changed nothing to write
			}
		})
	})
}
