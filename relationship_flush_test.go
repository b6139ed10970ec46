package quarry_test

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

// The tutorial's User and Address with the default cascade (save-update,
// merge): deleting a user NULLs its addresses' user_id.

type CasUser struct {
	ID        int64
	Name      string
	Addresses []*CasAddress
}

type CasUserTable struct {
	quarry.Entity[CasUser]
	ID        quarry.Column[int64] `quarry:"id,pk"`
	Name      quarry.Column[string]
	Addresses quarry.Many[CasUser, CasAddress] `quarry:"order=id,back=User"`
}

type CasAddress struct {
	ID           int64
	EmailAddress string
	UserID       *int64
	User         *CasUser
}

type CasAddressTable struct {
	quarry.Entity[CasAddress]
	ID           quarry.Column[int64] `quarry:"id,pk"`
	EmailAddress quarry.Column[string]
	UserID       quarry.Column[*int64]           `quarry:"user_id,fk=cas_users.id"`
	User         quarry.One[CasAddress, CasUser] `quarry:"back=Addresses"`
}

var (
	CasUsers     = quarry.Table[CasUser, CasUserTable]("cas_users")
	CasAddresses = quarry.Table[CasAddress, CasAddressTable]("cas_addresses")
)

// relSession returns a Session closed when the test ends, so that a
// failed test does not hold a connection the database waits for.
func relSession(t *testing.T, db *quarry.DB) *quarry.Session {
	s := db.Session()
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// relFlushSQL returns the normalised statements of the log, without
// transaction control.
func relFlushSQL(log *testdb.Log) []string {
	var out []string
	for _, s := range log.Statements() {
		switch s {
		case "BEGIN", "COMMIT", "ROLLBACK":
			continue
		}
		out = append(out, normSQL(s))
	}
	return out
}

// Working with Related Objects: jack and two addresses are inserted by
// adding jack; the addresses get his key.
func TestRelFlushRelatedObjects(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		jack := &TUser{Name: "jack", Fullname: "Jack Bean", Nickname: "gjffdd"}
		jack.Addresses = []*TAddress{{EmailAddress: "jack@google.com"}, {EmailAddress: "j25@yahoo.com"}}
		s := relSession(t, db)
		is.NoErr(s.Add(jack))
		is.True(s.Contains(jack.Addresses[1])) // save-update cascade
		log.Reset()
		is.NoErr(s.Commit(ctx))
		got := relFlushSQL(log)
		is.Equal(len(got), 2)
		is.True(strings.HasPrefix(got[0], "INSERT INTO users"))
		is.True(strings.HasPrefix(got[1], "INSERT INTO addresses"))
		for _, a := range jack.Addresses {
			is.True(a.UserID != nil && *a.UserID == jack.ID)
			is.Equal(a.User, jack) // back-populated
		}

		// Querying back in a new Session: Load fills both sides.
		s2 := relSession(t, db)
		j, err := quarry.Get(ctx, s2, TUsers, jack.ID)
		is.NoErr(err)
		is.NoErr(TUsers.Addresses.Load(ctx, s2, j))
		is.Equal(len(j.Addresses), 2)
		is.Equal(j.Addresses[0].User, j)

		// A persistent parent's collection gains a new child: it is
		// inserted at the next flush with the parent's key.
		extra := &TAddress{EmailAddress: "jack@bean.com"}
		j.Addresses = append(j.Addresses, extra)
		log.Reset()
		is.NoErr(s2.Flush(ctx))
		got = relFlushSQL(log)
		is.Equal(len(got), 1)
		is.True(strings.HasPrefix(got[0], "INSERT INTO addresses"))
		is.True(extra.ID != 0)
		is.Equal(*extra.UserID, j.ID)
		is.Equal(extra.User, j)
		is.NoErr(s2.Commit(ctx))
	})
}

// Deleting without a delete cascade: the addresses stay, their user_id
// set to NULL, each row by key (the collection is loaded first).
func TestRelFlushDeleteNoCascade(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		jack := &CasUser{Name: "jack", Addresses: []*CasAddress{{EmailAddress: "jack@google.com"}, {EmailAddress: "j25@yahoo.com"}}}
		is.NoErr(s.Add(jack))
		is.NoErr(s.Commit(ctx))

		for _, loaded := range []bool{false, true} {
			s := relSession(t, db)
			j, err := quarry.Get(ctx, s, CasUsers, jack.ID)
			is.NoErr(err)
			if loaded {
				is.NoErr(CasUsers.Addresses.Load(ctx, s, j))
			}
			is.NoErr(s.Delete(j))
			log.Reset()
			is.NoErr(s.Flush(ctx))
			got := relFlushSQL(log)
			want := []string{
				"UPDATE cas_addresses SET user_id = ? WHERE cas_addresses.id = ?",
				"UPDATE cas_addresses SET user_id = ? WHERE cas_addresses.id = ?",
				"DELETE FROM cas_users WHERE cas_users.id = ?",
			}
			if !loaded {
				is.True(strings.HasPrefix(got[0], "SELECT"))
				got = got[1:]
			}
			is.Equal(got, want)
			n, err := quarry.Select(CasUsers).Where(CasUsers.Name.Eq("jack")).Count(ctx, s)
			is.NoErr(err)
			is.Equal(n, int64(0))
			n, err = quarry.Select(CasAddresses).Where(CasAddresses.EmailAddress.In("jack@google.com", "j25@yahoo.com")).Count(ctx, s)
			is.NoErr(err)
			is.Equal(n, int64(2))
			n, err = quarry.Select(CasAddresses).Where(CasAddresses.UserID.IsNull()).Count(ctx, s)
			is.NoErr(err)
			is.Equal(n, int64(2))
			is.NoErr(s.Rollback(ctx)) // the second round deletes again
		}
	})
}

// Configuring delete/delete-orphan Cascade: removing an address from the
// collection deletes it; deleting jack deletes his addresses first.
func TestRelFlushDeleteOrphan(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		loadTutorial(t, db)
		s := relSession(t, db)
		jack, err := quarry.Get(ctx, s, TUsers, int64(5))
		is.NoErr(err)
		is.NoErr(TUsers.Addresses.Load(ctx, s, jack))
		is.Equal(len(jack.Addresses), 2)
		gone := jack.Addresses[1]
		jack.Addresses = jack.Addresses[:1]
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{"DELETE FROM addresses WHERE addresses.id = ?"})
		is.True(!s.Contains(gone))
		n, err := quarry.Select(TAddresses).Where(TAddresses.EmailAddress.In("jack@google.com", "j25@yahoo.com")).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(1))

		is.NoErr(s.Delete(jack))
		log.Reset()
		is.NoErr(s.Flush(ctx))
		// (jack's posts are loaded too, to unlink them.)
		is.Equal(slices.DeleteFunc(relFlushSQL(log), func(s string) bool { return strings.HasPrefix(s, "SELECT") }), []string{
			"DELETE FROM addresses WHERE addresses.id = ?",
			"DELETE FROM users WHERE users.id = ?",
		})
		n, err = quarry.Select(TUsers).Where(TUsers.Name.Eq("jack")).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(0))
		n, err = quarry.Select(TAddresses).Where(TAddresses.EmailAddress.In("jack@google.com", "j25@yahoo.com")).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(0))
		is.NoErr(s.Commit(ctx))

		// Deleting a user whose collection was never loaded loads it
		// to delete the children first.
		s = relSession(t, db)
		ed, err := quarry.Get(ctx, s, TUsers, int64(1))
		is.NoErr(err)
		is.NoErr(s.Add(&TAddress{ID: 100, EmailAddress: "ed@x.com", UserID: ptr(int64(1))}))
		is.NoErr(s.Commit(ctx))
		ed, err = quarry.Get(ctx, s, TUsers, int64(1))
		is.NoErr(err)
		is.NoErr(s.Delete(ed))
		is.NoErr(s.Commit(ctx))
		n, err = quarry.Select(TAddresses).Where(TAddresses.EmailAddress.Eq("ed@x.com")).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// Building a Many To Many Relationship.
func TestRelFlushManyToMany(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		s := relSession(t, db)
		wendy := &TUser{Name: "wendy", Fullname: "Wendy Williams", Nickname: "windy"}
		is.NoErr(s.Add(wendy))
		is.NoErr(s.Commit(ctx))

		post := &TPost{Headline: "Wendy's Blog Post", Body: ptr("This is a test"), Author: wendy}
		post.Keywords = []*TKeyword{{Keyword: "wendy"}, {Keyword: "firstpost"}}
		is.NoErr(s.Add(post))
		log.Reset()
		found, err := quarry.Select(TPosts).Where(TPosts.Keywords.Any(TKeywords.Keyword.Eq("firstpost"))).All(ctx, s)
		is.NoErr(err)
		got := relFlushSQL(log)
		is.True(len(got) >= 4)
		is.True(strings.HasPrefix(got[0], "INSERT INTO keywords"))
		is.True(strings.HasPrefix(got[1], "INSERT INTO posts"))
		is.Equal(got[2], "INSERT INTO post_keywords (post_id, keyword_id) VALUES (?, ?), (?, ?)")
		is.Equal(found, []*TPost{post})
		is.Equal(*post.UserID, wendy.ID)
		is.NoErr(s.Commit(ctx))

		// Remove a keyword: its association row goes at the next flush.
		s = relSession(t, db)
		p, err := quarry.Get(ctx, s, TPosts, post.ID)
		is.NoErr(err)
		is.NoErr(TPosts.Keywords.Load(ctx, s, p))
		is.Equal(len(p.Keywords), 2)
		p.Keywords = slices.DeleteFunc(p.Keywords, func(k *TKeyword) bool { return k.Keyword == "wendy" })
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{"DELETE FROM post_keywords WHERE post_keywords.post_id = ? AND post_keywords.keyword_id = ?"})
		n, err := quarry.Select(TPosts).Where(TPosts.Keywords.Any(TKeywords.Keyword.Eq("wendy"))).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(0))
		n, err = quarry.Select(TPosts).Where(TPosts.Keywords.Any(TKeywords.Keyword.Eq("firstpost"))).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(1))

		// Deleting the post deletes its association rows first.
		is.NoErr(s.Delete(p))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			"DELETE FROM post_keywords WHERE post_keywords.post_id = ?",
			"DELETE FROM posts WHERE posts.id = ?",
		})
		n, err = quarry.Select(TKeywords).Where(TKeywords.Posts.Any()).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
		n, err = quarry.Select(TKeywords).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
	})
}

// Back-populated fields after flush, from either side, and moving a child
// between parents.
func TestRelFlushBackPopulates(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		loadTutorial(t, db)
		s := relSession(t, db)
		jack, err := quarry.Get(ctx, s, TUsers, int64(5))
		is.NoErr(err)
		ed, err := quarry.Get(ctx, s, TUsers, int64(1))
		is.NoErr(err)
		is.NoErr(TUsers.Addresses.Load(ctx, s, jack, ed))
		is.Equal(jack.Addresses[0].User, jack) // after Load

		// Many-to-one side: the loaded collection gains the child.
		a := &TAddress{ID: 100, EmailAddress: "new@jack.com", User: jack} // loadTutorial's rows do not advance sequences
		is.NoErr(s.Add(a))
		is.NoErr(s.Flush(ctx))
		is.Equal(*a.UserID, int64(5))
		is.True(slices.Contains(jack.Addresses, a))

		// Moving through the collections: no orphan, the key follows.
		moved := jack.Addresses[0]
		jack.Addresses = jack.Addresses[1:]
		ed.Addresses = append(ed.Addresses, moved)
		is.NoErr(s.Flush(ctx))
		is.True(s.Contains(moved))
		is.Equal(*moved.UserID, int64(1))
		is.Equal(moved.User, ed)

		// Moving through the many-to-one field: both collections follow.
		a.User = ed
		is.NoErr(s.Flush(ctx))
		is.Equal(*a.UserID, int64(1))
		is.True(slices.Contains(ed.Addresses, a))
		is.True(!slices.Contains(jack.Addresses, a))
		is.NoErr(s.Commit(ctx))
		n, err := quarry.Select(TAddresses).Where(TAddresses.UserID.Eq(ptr(int64(1)))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))

		// A new parent with a persistent child moved to it.
		fresh := &TUser{ID: 100, Name: "ann", Addresses: []*TAddress{a}}
		ed.Addresses = slices.DeleteFunc(ed.Addresses, func(x *TAddress) bool { return x == a })
		is.NoErr(s.Add(fresh))
		is.NoErr(s.Commit(ctx))
		is.Equal(*a.UserID, fresh.ID)
		is.Equal(a.User, fresh)
	})
}

// Flush order with foreign keys enforced: parents first on insert,
// children (and association rows) first on delete.
func TestRelFlushOrder(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		s := relSession(t, db)
		kw := &TKeyword{Keyword: "go"}
		u := &TUser{Name: "zed"}
		// Added child first: the order comes from the dependencies.
		post := &TPost{Headline: "h", Author: u, Keywords: []*TKeyword{kw}}
		addr := &TAddress{EmailAddress: "z@z", User: u}
		is.NoErr(s.Add(addr, post))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		var tables []string
		for _, st := range relFlushSQL(log) {
			tables = append(tables, strings.Fields(st)[2])
		}
		is.Equal(tables[len(tables)-1], "post_keywords")
		is.True(slices.Index(tables, "users") < slices.Index(tables, "addresses"))
		is.True(slices.Index(tables, "users") < slices.Index(tables, "posts"))
		is.True(slices.Index(tables, "keywords") < slices.Index(tables, "post_keywords"))

		// Delete everything at once: cascades and association rows
		// run children first.
		s = relSession(t, db)
		uu, err := quarry.Get(ctx, s, TUsers, u.ID)
		is.NoErr(err)
		pp, err := quarry.Get(ctx, s, TPosts, post.ID)
		is.NoErr(err)
		kk, err := quarry.Get(ctx, s, TKeywords, kw.ID)
		is.NoErr(err)
		is.NoErr(s.Delete(kk, uu, pp))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		got := relFlushSQL(log)
		var deletes []string
		for _, st := range got {
			if strings.HasPrefix(st, "DELETE FROM ") {
				deletes = append(deletes, strings.Fields(st)[2])
			}
		}
		is.True(slices.Index(deletes, "post_keywords") < slices.Index(deletes, "posts"))
		is.True(slices.Index(deletes, "post_keywords") < slices.Index(deletes, "keywords"))
		is.True(slices.Index(deletes, "addresses") < slices.Index(deletes, "users"))
		is.True(slices.Index(deletes, "posts") < slices.Index(deletes, "users"))
		n, err := quarry.Select(TUsers).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
		n, err = quarry.Select(TAddresses).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// A flush failing in the middle (a duplicate keyword) leaves the Session
// consistent; the corrected retry writes everything.
func TestRelFlushFailedRetry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		s := relSession(t, db)
		wendy := &TUser{Name: "wendy"}
		is.NoErr(s.Add(wendy, &TKeyword{Keyword: "wendy"}))
		is.NoErr(s.Commit(ctx))
		dup := &TKeyword{Keyword: "wendy"} // already exists
		post := &TPost{Headline: "second", Author: wendy, Keywords: []*TKeyword{{Keyword: "new"}, dup}}
		is.NoErr(s.Add(post))
		err := s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrUniqueViolation))
		is.Equal(post.ID, int64(0))
		is.Equal(dup.ID, int64(0))
		is.True(s.Contains(post))

		dup.Keyword = "second"
		is.NoErr(s.Commit(ctx))
		is.True(post.ID != 0)
		n, err := quarry.Select(TPosts).Where(TPosts.Keywords.Any(TKeywords.Keyword.In("new", "second"))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		n, err = quarry.Select(TKeywords).Where(TKeywords.Posts.Any(TPosts.ID.Eq(post.ID))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))

		// A failed delete of association rows is retried too.
		s = relSession(t, db)
		p, err := quarry.Get(ctx, s, TPosts, post.ID)
		is.NoErr(err)
		is.NoErr(TPosts.Keywords.Load(ctx, s, p))
		p.Keywords = p.Keywords[:1]
		bad := &TKeyword{Keyword: "wendy"}
		is.NoErr(s.Add(bad))
		is.True(s.Flush(ctx) != nil)
		s.Expunge(bad)
		is.NoErr(s.Commit(ctx))
		n, err = quarry.Select(TKeywords).Where(TKeywords.Posts.Any(TPosts.ID.Eq(post.ID))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
	})
}

// VNode is a versioned self-referential tree whose children are deleted
// with their parent: its DELETEs go row by row (each checks the version),
// so their order matters.
type VNode struct {
	ID       int64
	ParentID *int64
	Name     string
	Version  int64
	Children []*VNode
}

// VNodeTable maps VNode to rel_vnodes.
type VNodeTable struct {
	quarry.Entity[VNode]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	ParentID quarry.Column[*int64] `quarry:"parent_id,fk=rel_vnodes.id"`
	Name     quarry.Column[string]
	Version  quarry.Column[int64]      `quarry:"version,version"`
	Children quarry.Many[VNode, VNode] `quarry:"order=id,cascade=all,delete-orphan"`
}

var VNodes = quarry.Table[VNode, VNodeTable]("rel_vnodes")

// TestRelFlushSelfReferential flushes trees of new rows of one table:
// parents are inserted before their children whatever the order of Add,
// level by level, so every child gets its parent's generated key; an
// existing row moved under a new one is updated after the INSERT; and
// children are deleted before their parents.
func TestRelFlushSelfReferential(t *testing.T) {
	ctx := context.Background()
	parentOf := func(t *testing.T, db *quarry.DB) map[string]string {
		t.Helper()
		child := quarry.Aliased(RNodes, quarry.AliasName("child"))
		rows, err := quarry.Select2(child.Name, quarry.Nullable(RNodes.Name)).SelectFrom(child).
			OuterJoin(RNodes, RNodes.ID.EqExpr(quarry.Deref(child.ParentID))).All(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.V1] = "-"
			if r.V2 != nil {
				out[r.V1] = *r.V2
			}
		}
		return out
	}
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		is.NoErr(db.CreateAll(ctx, RNodes, VNodes))
		s := db.Session()
		defer s.Close(ctx)

		root := &RNode{Name: "root"}
		a, a1 := &RNode{Name: "a"}, &RNode{Name: "a1"}
		a.Children = []*RNode{a1}
		root.Children = []*RNode{a, {Name: "b"}}
		is.NoErr(s.Add(a1)) // the grandchild first
		is.NoErr(s.Add(root))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(len(inserts(log)), 3) // one level each: root; a and b; a1
		is.Equal(parentOf(t, db), map[string]string{"root": "-", "a": "root", "b": "root", "a1": "a"})
		is.Equal(*a1.ParentID, a.ID)

		// An existing row moved under a new one, which is itself new.
		c := &RNode{Name: "c", Parent: root}
		a.Parent, a.ParentID = c, nil
		root.Children = []*RNode{c, root.Children[1]}
		c.Children = []*RNode{a}
		is.NoErr(s.Commit(ctx))
		is.Equal(parentOf(t, db), map[string]string{"root": "-", "c": "root", "a": "c", "b": "root", "a1": "a"})

		// Deleting a versioned tree: children first, row by row.
		top := &VNode{Name: "top", Children: []*VNode{{Name: "mid", Children: []*VNode{{Name: "leaf"}}}}}
		is.NoErr(s.Add(top))
		is.NoErr(s.Commit(ctx))
		top, err := quarry.Get(ctx, s, VNodes, top.ID)
		is.NoErr(err)
		is.NoErr(VNodes.Children.Load(ctx, s, top))
		is.NoErr(VNodes.Children.Load(ctx, s, top.Children...))
		is.NoErr(s.Delete(top))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		var deleted []string
		for _, e := range log.Entries() {
			if strings.HasPrefix(e.SQL, "DELETE") {
				deleted = append(deleted, e.SQL)
			}
		}
		is.Equal(len(deleted), 3)
		n, err := quarry.Select(VNodes).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// inserts returns the INSERT statements of the log.
func inserts(log *testdb.Log) []string {
	var out []string
	for _, s := range log.Statements() {
		if strings.HasPrefix(s, "INSERT") {
			out = append(out, s)
		}
	}
	return out
}

// TestRelFlushSavepointCollections rolls back a savepoint after a flush
// changed a many-to-many collection: the association rows are undone in
// the database and the collection field is back as the savepoint began,
// so the next flush writes nothing that was rolled back.
func TestRelFlushSavepointCollections(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		s := db.Session(quarry.WithAutoflush(false)) // counts show the database as it is
		defer s.Close(ctx)
		post := &TPost{Headline: "h", Keywords: []*TKeyword{{Keyword: "one"}}}
		is.NoErr(s.Add(post))
		is.NoErr(s.Commit(ctx))
		is.NoErr(TPosts.Keywords.Load(ctx, s, post))
		keywordsInDB := func() int64 {
			n, err := quarry.Select(TKeywords).Where(TKeywords.Posts.Any(TPosts.ID.Eq(post.ID))).Count(ctx, s)
			is.NoErr(err)
			return n
		}

		sp, err := s.BeginNested(ctx)
		is.NoErr(err)
		post.Keywords = append(post.Keywords, &TKeyword{Keyword: "two"})
		is.NoErr(s.Flush(ctx))
		is.Equal(keywordsInDB(), int64(2))
		is.NoErr(sp.Rollback(ctx))
		is.Equal(keywordsInDB(), int64(1))
		is.Equal(len(post.Keywords), 1) // the collection is back as the savepoint began

		// The next flush writes nothing that was rolled back.
		is.NoErr(s.Commit(ctx))
		is.Equal(keywordsInDB(), int64(1))

		// A removal undone by a savepoint is undone in the collection too.
		post.Keywords = append(post.Keywords, &TKeyword{Keyword: "two"})
		is.NoErr(s.Commit(ctx))
		is.Equal(keywordsInDB(), int64(2))
		sp, err = s.BeginNested(ctx)
		is.NoErr(err)
		post.Keywords = post.Keywords[:1]
		is.NoErr(s.Flush(ctx))
		is.Equal(keywordsInDB(), int64(1))
		is.NoErr(sp.Rollback(ctx))
		is.Equal(keywordsInDB(), int64(2))
		is.Equal(len(post.Keywords), 2)
		is.NoErr(s.Commit(ctx))
		is.Equal(keywordsInDB(), int64(2))
	})
}

// TestRelFlushAfterEagerLoad changes collections filled by each eager
// loader in a Session: the flush compares them with what the loader read,
// so a removed member is deleted (delete-orphan) or unlinked, and a
// many-to-many row removed is deleted.
func TestRelFlushAfterEagerLoad(t *testing.T) {
	ctx := context.Background()
	loaders := []struct {
		name string
		opt  quarry.Option[*TUser]
	}{
		{"selectin", quarry.SelectIn(TUsers.Addresses)},
		{"joined", quarry.Joined(TUsers.Addresses)},
		{"subquery", quarry.SubqueryLoad(TUsers.Addresses)},
	}
	for _, l := range loaders {
		t.Run(l.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *quarry.DB) {
				is := is.New(t)
				loadTutorial(t, db)
				s := relSession(t, db)
				jack, err := quarry.Select(TUsers).Where(TUsers.Name.Eq("jack")).Options(l.opt).One(ctx, s)
				is.NoErr(err)
				is.Equal(len(jack.Addresses), 2)
				jack.Addresses = jack.Addresses[:1] // delete-orphan
				is.NoErr(s.Commit(ctx))
				n, err := quarry.Select(TAddresses).Where(TAddresses.UserID.Eq(&jack.ID)).Count(ctx, db)
				is.NoErr(err)
				is.Equal(n, int64(1))
			})
		})
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		s := relSession(t, db)
		post := &TPost{Headline: "h", Keywords: []*TKeyword{{Keyword: "one"}, {Keyword: "two"}}}
		is.NoErr(s.Add(post))
		is.NoErr(s.Commit(ctx))
		s = relSession(t, db)
		p, err := quarry.Select(TPosts).Options(quarry.SelectIn(TPosts.Keywords)).One(ctx, s)
		is.NoErr(err)
		is.Equal(len(p.Keywords), 2)
		p.Keywords = p.Keywords[:1]
		is.NoErr(s.Commit(ctx))
		n, err := quarry.Select(TKeywords).Where(TKeywords.Posts.Any()).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
	})
}

// TestRelFlushManyToOneNil sets loaded many-to-one fields to nil: the
// foreign key becomes NULL (or the orphan of a delete-orphan collection
// is deleted, or the object leaves its parent's loaded collection); a
// field never loaded is left alone; a NOT NULL foreign key is an error
// naming the field, and the Session stays usable.
func TestRelFlushManyToOneNil(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		is.NoErr(db.CreateAll(ctx, CasUsers, CasAddresses))
		s := relSession(t, db)
		u := &CasUser{Name: "jack", Addresses: []*CasAddress{{EmailAddress: "a"}, {EmailAddress: "b"}, {EmailAddress: "c"}}}
		is.NoErr(s.Add(u))
		is.NoErr(s.Commit(ctx))
		owner := func(email string) *int64 {
			id, err := quarry.Select(CasAddresses.UserID).Where(CasAddresses.EmailAddress.Eq(email)).One(ctx, db)
			is.NoErr(err)
			return id
		}

		s = relSession(t, db)
		as, err := quarry.Select(CasAddresses).OrderBy(CasAddresses.ID).All(ctx, s)
		is.NoErr(err)
		is.NoErr(CasAddresses.User.Load(ctx, s, as[0]))
		is.True(as[0].User != nil)
		as[0].User = nil // loaded, then cleared: unlink
		is.True(as[1].User == nil)
		as[1].EmailAddress = "b2" // never loaded: its key stays
		is.NoErr(s.Commit(ctx))
		is.Equal(owner("a"), (*int64)(nil))
		is.Equal(*owner("b2"), u.ID)

		// Loaded through the parent's collection: the child leaves it.
		s = relSession(t, db)
		jack, err := quarry.Select(CasUsers).Options(quarry.SelectIn(CasUsers.Addresses)).One(ctx, s)
		is.NoErr(err)
		is.Equal(len(jack.Addresses), 2)
		c := jack.Addresses[1]
		is.True(c.User == jack)
		c.User = nil
		is.NoErr(s.Commit(ctx))
		is.Equal(len(jack.Addresses), 1)
		is.Equal(owner("c"), (*int64)(nil))
	})
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadTutorial(t, db)
		s := relSession(t, db)
		// The orphan of a delete-orphan collection that is not loaded.
		a, err := quarry.Select(TAddresses).Where(TAddresses.EmailAddress.Eq("jack@google.com")).
			Options(quarry.Joined(TAddresses.User)).One(ctx, s)
		is.NoErr(err)
		is.Equal(a.User.Name, "jack")
		a.User = nil
		is.NoErr(s.Commit(ctx))
		n, err := quarry.Select(TAddresses).Where(TAddresses.EmailAddress.Eq("jack@google.com")).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadGuide(t, db)
		s := relSession(t, db)
		a, err := quarry.Get(ctx, s, GAddresses, int64(1))
		is.NoErr(err)
		is.NoErr(GAddresses.User.Load(ctx, s, a))
		user := a.User
		a.User = nil
		err = s.Flush(ctx)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "GAddress.User"))
		is.True(strings.Contains(err.Error(), "address.user_id"))
		a.User = user
		a.EmailAddress = "changed@x.org"
		is.NoErr(s.Commit(ctx))
	})
}
