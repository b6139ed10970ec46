package quarry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Global criteria fixtures (tables crit_*): users writing posts in
// several tenants, posts soft-deleted by a timestamp.

// CUser writes posts.
type CUser struct {
	ID    int64
	Name  string
	Posts []*CPost
}

// CUserTable maps CUser to crit_users.
type CUserTable struct {
	quarry.Entity[CUser]
	ID    quarry.Column[int64]      `quarry:"id,pk"`
	Name  quarry.Column[string]     `quarry:"name,len=30"`
	Posts quarry.Many[CUser, CPost] `quarry:"order=id,back=Author,cascade=all"`
}

// CPost belongs to a tenant and may be soft-deleted.
type CPost struct {
	ID        int64
	AuthorID  int64
	Tenant    string
	Title     string
	DeletedAt *time.Time
	Author    *CUser
}

// CPostTable maps CPost to crit_posts.
type CPostTable struct {
	quarry.Entity[CPost]
	ID        quarry.Column[int64]      `quarry:"id,pk"`
	AuthorID  quarry.Column[int64]      `quarry:"author_id,fk=crit_users.id"`
	Tenant    quarry.Column[string]     `quarry:"tenant,len=10"`
	Title     quarry.Column[string]     `quarry:"title,len=30"`
	DeletedAt quarry.Column[*time.Time] `quarry:"deleted_at"`
	Author    quarry.One[CPost, CUser]  `quarry:"back=Posts"`
}

var (
	CUsers = quarry.Table[CUser, CUserTable]("crit_users")
	CPosts = quarry.Table[CPost, CPostTable]("crit_posts")
)

const critPostCols = "crit_posts.id, crit_posts.author_id, crit_posts.tenant, crit_posts.title, crit_posts.deleted_at"

type tenantKey struct{}

func withTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// tenantCriteria filters posts by the tenant of the statement's context;
// a context without one sees no tenant's posts.
func tenantCriteria(ctx context.Context) quarry.Condition {
	tenant, _ := ctx.Value(tenantKey{}).(string)
	return CPosts.Tenant.Eq(tenant)
}

// eachCriteria runs fn on every backend with a database opened with opts
// and a log of its statements.
func eachCriteria(t *testing.T, fn func(t *testing.T, db *quarry.DB, log *testdb.Log), opts ...quarry.OpenOption) {
	t.Helper()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			log := testdb.NewLog()
			db := testdb.Open(t, backend, append([]quarry.OpenOption{quarry.WithLogger(log.Logger())}, opts...)...)
			t.Cleanup(func() {
				if t.Failed() {
					for i, e := range log.Entries() {
						t.Logf("sql[%d]: %s %v", i, e.SQL, e.Args)
					}
				}
			})
			fn(t, db, log)
		})
	}
}

// loadCrit creates the tables with users ann (1) and bob (2), posts a1
// and a2 of tenant A and b1 of tenant B, written as text, which criteria
// leave alone.
func loadCrit(t *testing.T, db *quarry.DB, log *testdb.Log) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, CUsers, CPosts); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []*quarry.TextClause{
		quarry.Text(`INSERT INTO crit_users (id, name) VALUES (1, 'ann'), (2, 'bob')`),
		quarry.Text(`INSERT INTO crit_posts (id, author_id, tenant, title) VALUES (1, 1, 'A', 'a1'), (2, 2, 'A', 'a2'), (3, 1, 'B', 'b1')`),
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	log.Reset()
}

func titles(posts []*CPost) []string {
	out := []string{}
	for _, p := range posts {
		out = append(out, p.Title)
	}
	return out
}

// critArgs returns the arguments of the statements logged, as strings.
func lastArgs(log *testdb.Log) []any {
	e := log.Entries()
	return e[len(e)-1].Args
}

func TestCriteriaTenant(t *testing.T) {
	eachCriteria(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadCrit(t, db, log)
		ctxA := withTenant(context.Background(), "A")
		ctxB := withTenant(context.Background(), "B")

		// SELECT: the statement's own WHERE, then the criteria.
		s := db.Session()
		defer s.Close(ctxB)
		stmt := quarry.Select(CPosts).Where(CPosts.ID.Gt(0)).OrderBy(CPosts.ID)
		posts, err := stmt.All(ctxB, s)
		is.NoErr(err)
		is.Equal(titles(posts), []string{"b1"})
		is.Equal(sessSQL(log), []string{
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.id > ? AND crit_posts.tenant = ? ORDER BY crit_posts.id",
		})
		is.Equal(lastArgs(log), []any{int64(0), "B"})

		// The same statement in another context: the same SQL, that
		// context's values (the criteria are evaluated per execution).
		other, err := stmt.All(ctxA, db)
		is.NoErr(err)
		is.Equal(titles(other), []string{"a1", "a2"})
		is.Equal(lastArgs(log), []any{int64(0), "A"})
		again, err := stmt.All(ctxB, db)
		is.NoErr(err)
		is.Equal(titles(again), []string{"b1"})
		is.Equal(lastArgs(log), []any{int64(0), "B"})

		// A statement of a table without criteria is left alone.
		log.Reset()
		users, err := quarry.Select(CUsers).OrderBy(CUsers.ID).All(ctxB, s)
		is.NoErr(err)
		is.Equal(len(users), 2)
		is.Equal(sessSQL(log), []string{"SELECT crit_users.id, crit_users.name FROM crit_users ORDER BY crit_users.id"})

		// A join to the table: in its ON clause.
		log.Reset()
		joined, err := quarry.Select(CUsers).Join(CUsers.Posts).OrderBy(CUsers.ID).All(ctxB, s)
		is.NoErr(err)
		is.Equal(len(joined), 1) // only ann has a post of tenant B
		is.Equal(joined[0].Name, "ann")
		is.Equal(sessSQL(log), []string{
			"SELECT crit_users.id, crit_users.name FROM crit_users JOIN crit_posts ON crit_users.id = crit_posts.author_id AND crit_posts.tenant = ? ORDER BY crit_users.id",
		})

		// An alias: the criteria are re-pointed at it.
		log.Reset()
		p := quarry.Aliased(CPosts)
		rows, err := quarry.Select2(CUsers.Name, p.Title).Join(CUsers.Posts.OfType(p)).All(ctxA, db)
		is.NoErr(err)
		is.Equal(len(rows), 2)
		is.Equal(sessSQL(log), []string{
			"SELECT crit_users.name, crit_posts_1.title FROM crit_users JOIN crit_posts AS crit_posts_1 ON crit_users.id = crit_posts_1.author_id AND crit_posts_1.tenant = ?",
		})
		log.Reset()
		aliased, err := quarry.Select(p).All(ctxB, db)
		is.NoErr(err)
		is.Equal(titles(aliased), []string{"b1"})
		is.Equal(sessSQL(log), []string{
			"SELECT crit_posts_1.id, crit_posts_1.author_id, crit_posts_1.tenant, crit_posts_1.title, crit_posts_1.deleted_at FROM crit_posts AS crit_posts_1 WHERE crit_posts_1.tenant = ?",
		})

		// SelectIn: the load's WHERE.
		log.Reset()
		s2 := db.Session()
		defer s2.Close(ctxB)
		users, err = quarry.Select(CUsers).Options(quarry.SelectIn(CUsers.Posts)).OrderBy(CUsers.ID).All(ctxB, s2)
		is.NoErr(err)
		is.Equal(titles(users[0].Posts), []string{"b1"})
		is.Equal(titles(users[1].Posts), []string{}) // bob's posts are tenant A's
		is.Equal(sessSQL(log), []string{
			"SELECT crit_users.id, crit_users.name FROM crit_users ORDER BY crit_users.id",
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.author_id IN (?, ?) AND crit_posts.tenant = ? ORDER BY crit_posts.id",
		})

		// Joined: the outer join's ON clause, so users without a visible
		// post stay.
		log.Reset()
		users, err = quarry.Select(CUsers).Options(quarry.Joined(CUsers.Posts)).OrderBy(CUsers.ID).All(ctxB, db)
		is.NoErr(err)
		is.Equal(len(users), 2)
		is.Equal(titles(users[0].Posts), []string{"b1"})
		is.Equal(titles(users[1].Posts), []string{})
		is.Equal(sessSQL(log), []string{
			"SELECT crit_users.id, crit_users.name, crit_posts_1.id AS id_1, crit_posts_1.author_id, crit_posts_1.tenant, crit_posts_1.title, crit_posts_1.deleted_at" +
				" FROM crit_users LEFT OUTER JOIN crit_posts AS crit_posts_1 ON crit_users.id = crit_posts_1.author_id AND crit_posts_1.tenant = ?" +
				" ORDER BY crit_users.id, crit_posts_1.id",
		})

		// SubqueryLoad and an explicit Load.
		log.Reset()
		users, err = quarry.Select(CUsers).Options(quarry.SubqueryLoad(CUsers.Posts)).OrderBy(CUsers.ID).All(ctxA, db)
		is.NoErr(err)
		is.Equal(titles(users[0].Posts), []string{"a1"})
		is.Equal(titles(users[1].Posts), []string{"a2"})
		ann := &CUser{ID: 1}
		log.Reset()
		is.NoErr(CUsers.Posts.Load(ctxB, db, ann))
		is.Equal(titles(ann.Posts), []string{"b1"})
		is.Equal(sessSQL(log), []string{
			"SELECT " + critPostCols + " FROM crit_posts WHERE ? = crit_posts.author_id AND crit_posts.tenant = ? ORDER BY crit_posts.id",
		})

		// Get: a row of another tenant is not found.
		log.Reset()
		s3 := db.Session()
		defer s3.Close(ctxB)
		_, err = quarry.Get(ctxB, s3, CPosts, int64(1))
		is.True(errors.Is(err, quarry.ErrNoResult)) // tenant A's post
		got, err := quarry.Get(ctxB, s3, CPosts, int64(3))
		is.NoErr(err)
		is.Equal(got.Title, "b1")
		is.Equal(sessSQL(log), []string{
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.id = ? AND crit_posts.tenant = ?",
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.id = ? AND crit_posts.tenant = ?",
		})

		// Count counts what the tenant sees.
		n, err := quarry.Select(CPosts).Count(ctxA, s3)
		is.NoErr(err)
		is.Equal(n, int64(2))
		n, err = quarry.Select(CPosts).Count(ctxB, s3)
		is.NoErr(err)
		is.Equal(n, int64(1))

		// Bulk UPDATE and DELETE: the WHERE.
		log.Reset()
		n, err = quarry.Update(CPosts).Set(quarry.Set(CPosts.Title, "edited")).AllRows().Exec(ctxB, s3)
		is.NoErr(err)
		is.Equal(n, int64(1))
		is.NoErr(s3.Commit(ctxB))
		n, err = quarry.Delete(CPosts).Where(CPosts.Title.Eq("a1")).Exec(ctxB, db)
		is.NoErr(err)
		is.Equal(n, int64(0)) // tenant A's row is not B's to delete
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"UPDATE crit_posts SET title = ? WHERE crit_posts.tenant = ?",
			"COMMIT",
			"DELETE FROM crit_posts WHERE crit_posts.title = ? AND crit_posts.tenant = ?",
		})

		// The administrator's view: no criteria.
		log.Reset()
		admin := db.Session(quarry.WithoutCriteria())
		defer admin.Close(ctxB)
		all, err := quarry.Select(CPosts).OrderBy(CPosts.ID).All(ctxB, admin)
		is.NoErr(err)
		is.Equal(titles(all), []string{"a1", "a2", "edited"})
		is.Equal(sessSQL(log), []string{"SELECT " + critPostCols + " FROM crit_posts ORDER BY crit_posts.id"})
	}, quarry.WithCriteria(CPosts, tenantCriteria))
}

func TestCriteriaSoftDelete(t *testing.T) {
	live := func(context.Context) quarry.Condition { return CPosts.DeletedAt.IsNull() }
	eachCriteria(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadCrit(t, db, log)
		ctx := context.Background()

		// A bulk soft delete is itself filtered: it reaches live rows only.
		now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		n, err := quarry.Update(CPosts).Set(quarry.Set(CPosts.DeletedAt, &now)).Where(CPosts.ID.Eq(2)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		n, err = quarry.Update(CPosts).Set(quarry.Set(CPosts.DeletedAt, &now)).Where(CPosts.ID.Eq(2)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0)) // already deleted: invisible
		is.Equal(sessSQL(log), []string{
			"UPDATE crit_posts SET deleted_at = ? WHERE crit_posts.id = ? AND crit_posts.deleted_at IS NULL",
			"UPDATE crit_posts SET deleted_at = ? WHERE crit_posts.id = ? AND crit_posts.deleted_at IS NULL",
		})

		// Get of the soft-deleted row: ErrNoResult.
		log.Reset()
		s := db.Session()
		defer s.Close(ctx)
		_, err = quarry.Get(ctx, s, CPosts, int64(2))
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.Equal(sessSQL(log), []string{
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.id = ? AND crit_posts.deleted_at IS NULL",
		})

		// Loads and joins skip it.
		users, err := quarry.Select(CUsers).Options(quarry.SelectIn(CUsers.Posts)).OrderBy(CUsers.ID).All(ctx, s)
		is.NoErr(err)
		is.Equal(titles(users[0].Posts), []string{"a1", "b1"})
		is.Equal(titles(users[1].Posts), []string{})
		n, err = quarry.Select(CUsers).Join(CUsers.Posts).Count(ctx, s)
		is.NoErr(err)
		is.Equal(n, int64(2)) // ann twice, bob's only post is deleted

		// Soft-deleting through the Session: after Commit (which expires
		// the object) Get reloads the row and does not find it. The
		// object stays in the Session (expired): its row exists, and an
		// object expunged while in ann's loaded Posts would be inserted
		// again by the save-update cascade.
		a1, err := quarry.Get(ctx, s, CPosts, int64(1))
		is.NoErr(err)
		a1.DeletedAt = &now
		is.NoErr(s.Commit(ctx))
		log.Reset()
		_, err = quarry.Get(ctx, s, CPosts, int64(1))
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.Equal(sessSQL(log), []string{
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.id = ? AND crit_posts.deleted_at IS NULL",
		})
		is.True(s.Contains(a1))

		// Deleting a user deletes its posts by the delete cascade, the
		// soft-deleted one too: the unit of work loads the children of a
		// deleted parent without criteria, or the user's DELETE would
		// fail on the foreign key of the post it did not see.
		// (A Session whose loaded collection of bob's posts, filtered,
		// is empty would delete no post: a fresh Session, whose bob has
		// no collection loaded, shows the unit of work's own load.)
		log.Reset()
		s5 := db.Session()
		defer s5.Close(ctx)
		bob, err := quarry.Get(ctx, s5, CUsers, int64(2))
		is.NoErr(err)
		is.NoErr(s5.Delete(bob))
		is.NoErr(s5.Commit(ctx))
		stmts := sessSQL(log)
		is.Equal(stmts[1], "SELECT "+critPostCols+" FROM crit_posts WHERE ? = crit_posts.author_id ORDER BY crit_posts.id") // no criteria
		left, err := quarry.Select(CPosts.ID).OrderBy(CPosts.ID).All(ctx, db.Session(quarry.WithoutCriteria()))
		is.NoErr(err)
		is.Equal(left, []int64{1, 3}) // bob's soft-deleted post went with him

		// A Session's own criteria add to the DB's; WithoutCriteria drops
		// the DB's, whatever the order of the options.
		log.Reset()
		ctxA := withTenant(ctx, "A")
		ta := db.Session(quarry.WithSessionCriteria(CPosts, tenantCriteria))
		defer ta.Close(ctx)
		posts, err := quarry.Select(CPosts).OrderBy(CPosts.ID).All(ctxA, ta)
		is.NoErr(err)
		is.Equal(titles(posts), []string{}) // a1 and a2 are deleted
		admin := db.Session(quarry.WithSessionCriteria(CPosts, tenantCriteria), quarry.WithoutCriteria())
		defer admin.Close(ctx)
		posts, err = quarry.Select(CPosts).OrderBy(CPosts.ID).All(ctxA, admin)
		is.NoErr(err)
		is.Equal(titles(posts), []string{"a1"}) // soft-deleted, shown; a2 went with bob
		is.Equal(sessSQL(log), []string{
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.deleted_at IS NULL AND crit_posts.tenant = ? ORDER BY crit_posts.id",
			"SELECT " + critPostCols + " FROM crit_posts WHERE crit_posts.tenant = ? ORDER BY crit_posts.id",
		})
	}, quarry.WithCriteria(CPosts, live))
}

// TestCriteriaNil: a criteria option given nil fails every statement
// rather than run it unfiltered.
func TestCriteriaNil(t *testing.T) {
	eachCriteria(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadCrit(t, db, log)
		_, err := quarry.Select(CUsers).All(context.Background(), db)
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
		is.Equal(log.Count(), 0) // nothing sent
	}, quarry.WithCriteria(CPosts, nil))
}
