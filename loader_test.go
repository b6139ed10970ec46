package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Eager-loading fixtures with default strategies (tables eager_*).

// EUser has relationships loaded by default: Addresses with selectin,
// Notes never after the fact (raise).
type EUser struct {
	ID        int64
	Name      string
	Addresses []*EAddress
	Notes     []*ENote
}

// EUserTable maps EUser to eager_users.
type EUserTable struct {
	quarry.Entity[EUser]
	ID        quarry.Column[int64]         `quarry:"id,pk"`
	Name      quarry.Column[string]        `quarry:"name,len=30"`
	Addresses quarry.Many[EUser, EAddress] `quarry:"order=id,back=User,lazy=selectin"`
	Notes     quarry.Many[EUser, ENote]    `quarry:"order=id,lazy=raise"`
}

// EAddress's User is joined by default.
type EAddress struct {
	ID     int64
	UserID int64
	Email  string
	User   *EUser
}

// EAddressTable maps EAddress to eager_addresses.
type EAddressTable struct {
	quarry.Entity[EAddress]
	ID     quarry.Column[int64]        `quarry:"id,pk"`
	UserID quarry.Column[int64]        `quarry:"user_id,fk=eager_users.id"`
	Email  quarry.Column[string]       `quarry:"email,len=50"`
	User   quarry.One[EAddress, EUser] `quarry:"back=Addresses,lazy=joined"`
}

// ENote is a note on a user.
type ENote struct {
	ID     int64
	UserID int64
	Body   string
}

// ENoteTable maps ENote to eager_notes.
type ENoteTable struct {
	quarry.Entity[ENote]
	ID     quarry.Column[int64]  `quarry:"id,pk"`
	UserID quarry.Column[int64]  `quarry:"user_id,fk=eager_users.id"`
	Body   quarry.Column[string] `quarry:"body,len=50"`
}

var (
	EUsers     = quarry.Table[EUser, EUserTable]("eager_users")
	EAddresses = quarry.Table[EAddress, EAddressTable]("eager_addresses")
	ENotes     = quarry.Table[ENote, ENoteTable]("eager_notes")
)

func loadEagerDefaults(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, EUsers, EAddresses, ENotes); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []*quarry.TextClause{
		quarry.Text(`INSERT INTO eager_users (id, name) VALUES (1, 'ann'), (2, 'bob')`),
		quarry.Text(`INSERT INTO eager_addresses (id, user_id, email) VALUES (1, 1, 'a1'), (2, 1, 'a2'), (3, 2, 'b1')`),
		quarry.Text(`INSERT INTO eager_notes (id, user_id, body) VALUES (1, 1, 'n1')`),
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
}

// loadHundred creates the tutorial's users and addresses tables with n
// users of per addresses each.
func loadHundred(t testing.TB, db *quarry.DB, n, per int) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords); err != nil {
		t.Fatal(err)
	}
	const batch = 200
	for start := 1; start <= n; start += batch {
		var b strings.Builder
		b.WriteString("INSERT INTO users (id, name, fullname, nickname) VALUES ")
		for i := start; i < start+batch && i <= n; i++ {
			if i > start {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%d, 'user%d', 'User %d', 'u%d')", i, i, i, i)
		}
		if _, err := db.Exec(ctx, quarry.UnsafeText(b.String())); err != nil {
			t.Fatal(err)
		}
	}
	id := 0
	for start := 1; start <= n; start += batch {
		var b strings.Builder
		b.WriteString("INSERT INTO addresses (id, email_address, user_id) VALUES ")
		first := true
		for i := start; i < start+batch && i <= n; i++ {
			for j := 0; j < per; j++ {
				id++
				if !first {
					b.WriteString(", ")
				}
				first = false
				fmt.Fprintf(&b, "(%d, 'a%d@x.org', %d)", id, id, i)
			}
		}
		if _, err := db.Exec(ctx, quarry.UnsafeText(b.String())); err != nil {
			t.Fatal(err)
		}
	}
}

// selects returns the SELECT statements of the log, normalised.
func selects(log *testdb.Log) []string {
	var out []string
	for _, s := range log.Statements() {
		if strings.HasPrefix(strings.TrimSpace(s), "SELECT") {
			out = append(out, normSQL(s))
		}
	}
	return out
}

func sqlList(ss ...string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = normSQL(s)
	}
	return out
}

func addrEmails(as []*TAddress) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.EmailAddress
	}
	return out
}

// The tutorial's three eager-loading examples: SQL and rows.
func TestEagerTutorial(t *testing.T) {
	ctx := context.Background()
	jackSQL := `SELECT users.id, users.name, users.fullname, users.nickname FROM users WHERE users.name = ?`
	tests := []struct {
		name string
		opt  quarry.Option[*TUser]
		want []string
	}{
		{"selectinload", quarry.SelectIn(TUsers.Addresses), sqlList(jackSQL,
			`SELECT addresses.id, addresses.email_address, addresses.user_id FROM addresses
			 WHERE addresses.user_id IN (?) ORDER BY addresses.id`)},
		{"joinedload", quarry.Joined(TUsers.Addresses), sqlList(
			`SELECT users.id, users.name, users.fullname, users.nickname,
			 addresses_1.id AS id_1, addresses_1.email_address, addresses_1.user_id
			 FROM users LEFT OUTER JOIN addresses AS addresses_1 ON users.id = addresses_1.user_id
			 WHERE users.name = ? ORDER BY addresses_1.id`)},
		{"subqueryload", quarry.SubqueryLoad(TUsers.Addresses), sqlList(jackSQL,
			`SELECT addresses.id, addresses.email_address, addresses.user_id, anon_1.id AS id_1
			 FROM (SELECT users.id AS id FROM users WHERE users.name = ?) AS anon_1
			 JOIN addresses ON anon_1.id = addresses.user_id ORDER BY anon_1.id, addresses.id`)},
	}
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadTutorial(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				is := is.New(t)
				s := db.Session()
				defer s.Close(ctx)
				log.Reset()
				jack, err := quarry.Select(TUsers).Options(tt.opt).Where(TUsers.Name.Eq("jack")).One(ctx, s)
				is.NoErr(err)
				is.Equal(selects(log), tt.want)
				is.Equal(jack.Fullname, "Jack Bean")
				is.Equal(addrEmails(jack.Addresses), []string{"jack@google.com", "j25@yahoo.com"})
				for _, a := range jack.Addresses {
					is.True(a.User == jack) // back-populated
				}
			})
		}
		t.Run("contains_eager", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			log.Reset()
			addrs, err := quarry.Select(TAddresses).Join(TAddresses.User).
				Where(TUsers.Name.Eq("jack")).
				Options(quarry.ContainsEager(TAddresses.User)).All(ctx, s)
			is.NoErr(err)
			is.Equal(selects(log), sqlList(`SELECT users.id, users.name, users.fullname, users.nickname,
				addresses.id AS id_1, addresses.email_address, addresses.user_id
				FROM addresses JOIN users ON users.id = addresses.user_id WHERE users.name = ?`))
			is.Equal(addrEmails(addrs), []string{"jack@google.com", "j25@yahoo.com"})
			is.True(addrs[0].User != nil)
			is.Equal(addrs[0].User.Name, "jack")
			is.True(addrs[0].User == addrs[1].User)
		})
	})
}

// Statement counts for 100 users with their addresses and the addresses'
// users, on every backend and with or without a Session.
func TestEagerStatementCounts(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadHundred(t, db, 100, 2)
		check := func(t *testing.T, users []*TUser) {
			is := is.New(t)
			is.Equal(len(users), 100)
			for i, u := range users {
				is.Equal(u.ID, int64(i+1))
				is.Equal(len(u.Addresses), 2)
				for _, a := range u.Addresses {
					is.True(a.User == u)
				}
			}
		}
		for _, inSession := range []bool{false, true} {
			var ex quarry.Executor = db
			name := "db"
			var s *quarry.Session
			if inSession {
				s = db.Session()
				ex, name = s, "session"
			}
			t.Run(name+"/selectin", func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).
					Options(quarry.SelectIn(TUsers.Addresses, quarry.SelectIn(TAddresses.User))).All(ctx, ex)
				is.NoErr(err)
				check(t, users)
				is.Equal(len(selects(log)), 3)
			})
			t.Run(name+"/joined", func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).
					Options(quarry.Joined(TUsers.Addresses, quarry.Joined(TAddresses.User))).All(ctx, ex)
				is.NoErr(err)
				check(t, users)
				is.Equal(len(selects(log)), 1)
			})
			t.Run(name+"/subquery", func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).
					Options(quarry.SubqueryLoad(TUsers.Addresses, quarry.SelectIn(TAddresses.User))).All(ctx, ex)
				is.NoErr(err)
				check(t, users)
				is.Equal(len(selects(log)), 3)
			})
			t.Run(name+"/per_parent", func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).All(ctx, ex)
				is.NoErr(err)
				for _, u := range users {
					is.NoErr(TUsers.Addresses.Load(ctx, ex, u))
				}
				check(t, users)
				is.Equal(len(selects(log)), 101)
			})
			if s != nil {
				s.Close(ctx)
			}
		}
		t.Run("raise", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).
				Options(quarry.Raise(TUsers.Addresses)).All(ctx, s)
			is.NoErr(err)
			log.Reset()
			err = TUsers.Addresses.Load(ctx, s, users[0])
			is.True(errors.Is(err, quarry.ErrRaiseLoad))
			is.True(strings.Contains(err.Error(), "Addresses"))
			is.Equal(len(selects(log)), 0)
			// Loaded eagerly, the same objects need no load.
			_, err = quarry.Select(TUsers).Options(quarry.SelectIn(TUsers.Addresses)).All(ctx, s)
			is.NoErr(err)
			is.NoErr(TUsers.Addresses.Load(ctx, s, users...))
		})
	})
}

// TestEagerCursor reads statements with loader options through the
// cursor (Seq, Next, and Next followed by All): every object comes back
// loaded, with the same statement counts as All.
func TestEagerCursor(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadHundred(t, db, 20, 3)
		loaded := func(is *is.I, users []*TUser) {
			is.Equal(len(users), 20)
			for _, u := range users {
				is.Equal(len(u.Addresses), 3)
				for _, a := range u.Addresses {
					is.True(a.User == u)
				}
			}
		}
		cases := []struct {
			name    string
			opt     quarry.Option[*TUser]
			selects int
		}{
			{"selectin", quarry.SelectIn(TUsers.Addresses, quarry.SelectIn(TAddresses.User)), 3},
			{"joined", quarry.Joined(TUsers.Addresses, quarry.Joined(TAddresses.User)), 1},
			{"subquery", quarry.SubqueryLoad(TUsers.Addresses, quarry.SelectIn(TAddresses.User)), 3},
		}
		for _, tc := range cases {
			q := quarry.Select(TUsers).OrderBy(TUsers.ID).Options(tc.opt)
			t.Run(tc.name+"/seq", func(t *testing.T) {
				is := is.New(t)
				s := db.Session()
				defer s.Close(ctx)
				log.Reset()
				res, err := q.Execute(ctx, s)
				is.NoErr(err)
				var users []*TUser
				for u := range res.Seq() {
					users = append(users, u)
				}
				is.NoErr(res.Err())
				loaded(is, users)
				is.Equal(len(selects(log)), tc.selects)
			})
			t.Run(tc.name+"/next_then_all", func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				res, err := q.Execute(ctx, db)
				is.NoErr(err)
				is.True(res.Next())
				first := res.Value()
				rest, err := res.All()
				is.NoErr(err)
				loaded(is, append([]*TUser{first}, rest...))
				is.Equal(len(selects(log)), tc.selects)
				is.True(!res.Next())
				is.NoErr(res.Close())
			})
		}
	})
}

// A LIMIT with a joined collection limits the parents, not the rows.
func TestEagerJoinedLimit(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		loadHundred(t, db, 10, 3)
		log.Reset()
		q := quarry.Select(TUsers).Where(TUsers.ID.Gt(2)).OrderBy(TUsers.Name.Desc()).Limit(2).
			Options(quarry.Joined(TUsers.Addresses))
		users, err := q.All(ctx, db)
		is.NoErr(err)
		is.Equal(selects(log), sqlList(`SELECT anon_1.id, anon_1.name, anon_1.fullname, anon_1.nickname,
			addresses_1.id AS id_1, addresses_1.email_address, addresses_1.user_id
			FROM (SELECT users.id AS id, users.name AS name, users.fullname AS fullname, users.nickname AS nickname
			FROM users WHERE users.id > ? ORDER BY users.name DESC LIMIT ?) AS anon_1
			LEFT OUTER JOIN addresses AS addresses_1 ON anon_1.id = addresses_1.user_id
			ORDER BY anon_1.name DESC, addresses_1.id`))
		is.Equal(len(users), 2)
		is.Equal(users[0].Name, "user9")
		is.Equal(users[1].Name, "user8")
		is.Equal(len(users[0].Addresses), 3)
		is.Equal(users[0].Addresses[0].ID, int64(25))

		first, err := quarry.Select(TUsers).OrderBy(TUsers.ID).Options(quarry.Joined(TUsers.Addresses)).First(ctx, db)
		is.NoErr(err)
		is.Equal(len(first.Addresses), 3)
		one, err := quarry.Select(TUsers).Where(TUsers.ID.Eq(4)).Options(quarry.Joined(TUsers.Addresses)).One(ctx, db)
		is.NoErr(err)
		is.Equal(len(one.Addresses), 3)
	})
}

// And criteria limit what an eager load fills.
func TestEagerCriteria(t *testing.T) {
	ctx := context.Background()
	google := quarry.Like(TAddresses.EmailAddress, "%google%")
	opts := map[string]quarry.Option[*TUser]{
		"selectin": quarry.SelectIn(TUsers.Addresses.And(google)),
		"joined":   quarry.Joined(TUsers.Addresses.And(google)),
		"subquery": quarry.SubqueryLoad(TUsers.Addresses.And(google)),
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		loadTutorial(t, db)
		for name, opt := range opts {
			t.Run(name, func(t *testing.T) {
				is := is.New(t)
				users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).Options(opt).All(ctx, db)
				is.NoErr(err)
				is.Equal(len(users), 5)
				is.Equal(addrEmails(users[4].Addresses), []string{"jack@google.com"})
				is.True(users[0].Addresses != nil) // loaded, empty
				is.Equal(len(users[0].Addresses), 0)
			})
		}
	})
}

// Many-to-many eager loads, each way.
func TestEagerManyToMany(t *testing.T) {
	ctx := context.Background()
	opts := map[string]quarry.Option[*TPost]{
		"selectin": quarry.SelectIn(TPosts.Keywords, quarry.SelectIn(TKeywords.Posts)),
		"joined":   quarry.Joined(TPosts.Keywords, quarry.Joined(TKeywords.Posts)),
		"subquery": quarry.SubqueryLoad(TPosts.Keywords),
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		loadTutorial(t, db)
		for name, opt := range opts {
			t.Run(name, func(t *testing.T) {
				is := is.New(t)
				posts, err := quarry.Select(TPosts).Options(opt, quarry.Joined(TPosts.Author)).All(ctx, db)
				is.NoErr(err)
				is.Equal(len(posts), 1)
				is.Equal(posts[0].Author.Name, "wendy")
				var kws []string
				for _, k := range posts[0].Keywords {
					kws = append(kws, k.Keyword)
				}
				is.Equal(len(kws), 2)
				if name != "subquery" {
					is.True(posts[0].Keywords[0].Posts[0] == posts[0])
				}
			})
		}
	})
}

// Default strategies from the tag, and the options that override them.
func TestEagerDefaults(t *testing.T) {
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		loadEagerDefaults(t, db)
		t.Run("selectin", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			log.Reset()
			users, err := quarry.Select(EUsers).OrderBy(EUsers.ID).All(ctx, s)
			is.NoErr(err)
			is.Equal(len(selects(log)), 2)
			is.Equal(len(users[0].Addresses), 2)
			is.True(users[0].Addresses[0].User == users[0])
		})
		t.Run("joined", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			log.Reset()
			addrs, err := quarry.Select(EAddresses).OrderBy(EAddresses.ID).All(ctx, s)
			is.NoErr(err)
			is.Equal(len(selects(log)), 1)
			is.Equal(addrs[0].User.Name, "ann")
			is.True(addrs[0].User == addrs[1].User)
		})
		t.Run("overridden", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			log.Reset()
			users, err := quarry.Select(EUsers).Options(quarry.Lazy(EUsers.Addresses)).All(ctx, s)
			is.NoErr(err)
			is.Equal(len(selects(log)), 1)
			is.True(users[0].Addresses == nil)
			addrs, err := quarry.Select(EAddresses).Options(quarry.NoLoad(EAddresses.User)).All(ctx, s)
			is.NoErr(err)
			is.True(addrs[0].User == nil)
			is.Equal(len(selects(log)), 2)
		})
		t.Run("raise", func(t *testing.T) {
			is := is.New(t)
			s := db.Session()
			defer s.Close(ctx)
			users, err := quarry.Select(EUsers).OrderBy(EUsers.ID).All(ctx, s)
			is.NoErr(err)
			err = EUsers.Notes.Load(ctx, s, users...)
			is.True(errors.Is(err, quarry.ErrRaiseLoad))
			// Eager loading is the way; outside a Session, Load works.
			users, err = quarry.Select(EUsers).OrderBy(EUsers.ID).Options(quarry.SelectIn(EUsers.Notes)).All(ctx, s)
			is.NoErr(err)
			is.Equal(len(users[0].Notes), 1)
			is.NoErr(EUsers.Notes.Load(ctx, s, users...))
			is.NoErr(s.Close(ctx))
			is.NoErr(EUsers.Notes.Load(ctx, db, users...))
		})
	})
}

// Eager loads fill the objects of the identity map without overwriting
// their unflushed changes.
func TestEagerIdentityMap(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadTutorial(t, db)
		s := db.Session(quarry.WithAutoflush(false))
		defer s.Close(ctx)
		addr, err := quarry.Get(ctx, s, TAddresses, int64(1))
		is.NoErr(err)
		addr.EmailAddress = "changed@x.org"
		jack, err := quarry.Get(ctx, s, TUsers, int64(5))
		is.NoErr(err)
		for _, opt := range []quarry.Option[*TUser]{quarry.SelectIn(TUsers.Addresses), quarry.Joined(TUsers.Addresses)} {
			users, err := quarry.Select(TUsers).Where(TUsers.ID.Eq(5)).Options(opt).All(ctx, s)
			is.NoErr(err)
			is.True(users[0] == jack)
			is.Equal(len(jack.Addresses), 2)
			is.True(jack.Addresses[0] == addr)
			is.Equal(addr.EmailAddress, "changed@x.org")
			is.True(addr.User == jack)
		}
		// A changed object keeps its loaded collection.
		jack.Nickname = "jj"
		jack.Addresses = jack.Addresses[:1]
		_, err = quarry.Select(TUsers).Where(TUsers.ID.Eq(5)).Options(quarry.SelectIn(TUsers.Addresses)).All(ctx, s)
		is.NoErr(err)
		is.Equal(len(jack.Addresses), 1)
		is.Equal(jack.Nickname, "jj")
	})
}

// A loader option of a relationship of another entity is an error.
func TestEagerLoaderErrors(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		loadTutorial(t, db)
		_, err := quarry.Select(TUsers).Options(quarry.SelectIn[TUser, TAddress](nil)).All(ctx, db)
		is.True(err != nil)
	})
}

// TestEagerSelectInChunks eager-loads more parents than one statement
// takes parameters: SelectIn splits the keys over several queries.
func TestEagerSelectInChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 70,000 rows")
	}
	ctx := context.Background()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		is.NoErr(db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords))
		const n = 70000 // over SQLite's 32766 and PostgreSQL's 65535 parameters
		users := make([]*TUser, n)
		for i := range users {
			users[i] = &TUser{Name: fmt.Sprint("u", i)}
		}
		users[n-1].Addresses = []*TAddress{{EmailAddress: "last@x.org"}}
		is.NoErr(db.Transaction(ctx, func(s *quarry.Session) error { return quarry.AddAll(s, users) }))
		log.Reset()
		loaded, err := quarry.Select(TUsers).OrderBy(TUsers.ID).Options(quarry.SelectIn(TUsers.Addresses)).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(loaded), n)
		is.True(len(selects(log)) >= 1+2) // the users, then the addresses in two chunks or more
		is.Equal(len(loaded[0].Addresses), 0)
		is.Equal(loaded[n-1].Addresses[0].EmailAddress, "last@x.org")
	})
}
