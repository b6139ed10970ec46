package quarry_test

// Relationships over a referenced column that is not the primary key: a
// UNIQUE column (SQLAlchemy: a ForeignKey to a unique column, as in
// test_naturalpks.py's NonPKCascadeTest).

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type AoUser struct {
	ID        int64
	Name      string
	Addresses []*AoAddress
}

type AoUserTable struct {
	quarry.Entity[AoUser]
	ID        quarry.Column[int64]           `quarry:"id,pk"`
	Name      quarry.Column[string]          `quarry:"name,unique,len=40"`
	Addresses quarry.Many[AoUser, AoAddress] `quarry:"order=id,back=User,cascade=all,delete-orphan"`
}

type AoAddress struct {
	ID       int64
	UserName *string
	Email    string
	User     *AoUser
}

type AoAddressTable struct {
	quarry.Entity[AoAddress]
	ID       quarry.Column[int64]          `quarry:"id,pk"`
	UserName quarry.Column[*string]        `quarry:"user_name,fk=ao_users.name"`
	Email    quarry.Column[string]         `quarry:"email"`
	User     quarry.One[AoAddress, AoUser] `quarry:"back=Addresses"`
}

var (
	AoUsers     = quarry.Table[AoUser, AoUserTable]("ao_users")
	AoAddresses = quarry.Table[AoAddress, AoAddressTable]("ao_addresses")
)

func aoUserEach(t *testing.T, fn func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log)) {
	t.Helper()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		if err := db.CreateAll(context.Background(), AoUsers, AoAddresses); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		fn(t, db, relSession(t, db), log)
	})
}

func aoAddrRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	rows, err := quarry.Select(AoAddresses).OrderBy(AoAddresses.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		u := "-"
		if r.UserName != nil {
			u = *r.UserName
		}
		out = append(out, r.Email+":"+u)
	}
	return out
}

func aoUserSeed(t *testing.T, s *quarry.Session) (*AoUser, *AoUser) {
	t.Helper()
	ed := &AoUser{Name: "ed", Addresses: []*AoAddress{{Email: "ed@a"}, {Email: "ed@b"}}}
	jack := &AoUser{Name: "jack", Addresses: []*AoAddress{{Email: "jack@a"}}}
	if err := s.Add(ed, jack); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ed, jack
}

// The flush copies the referenced column (users.name), not the key.
func TestRelNonPKFlush(t *testing.T) {
	aoUserEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		ed, jack := aoUserSeed(t, s)
		is.Equal(dml(log), []string{
			"INSERT INTO ao_users (name) VALUES (?), (?) RETURNING id",
			"INSERT INTO ao_addresses (user_name, email) VALUES (?, ?), (?, ?), (?, ?) RETURNING id",
		})
		is.Equal(aoAddrRows(t, db), []string{"ed@a:ed", "ed@b:ed", "jack@a:jack"})

		// Move an address by its many-to-one, and orphan another.
		a := ed.Addresses[1]
		a.User = jack
		ed.Addresses = ed.Addresses[:1]
		jack.Addresses = append(jack.Addresses, a)
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(dml(log), []string{"UPDATE ao_addresses SET user_name = ? WHERE ao_addresses.id = ?"})
		is.Equal(aoAddrRows(t, db), []string{"ed@a:ed", "ed@b:jack", "jack@a:jack"})

		// A new address through the many-to-one only.
		s2 := relSession(t, db)
		u, err := quarry.Select(AoUsers).Where(AoUsers.Name.Eq("ed")).One(ctx, s2)
		is.NoErr(err)
		is.NoErr(s2.Add(&AoAddress{Email: "ed@c", User: u}))
		is.NoErr(s2.Commit(ctx))
		is.Equal(aoAddrRows(t, db), []string{"ed@a:ed", "ed@b:jack", "jack@a:jack", "ed@c:ed"})

		// delete-orphan and delete cascade find the rows by the name.
		s3 := relSession(t, db)
		j, err := quarry.Select(AoUsers).Where(AoUsers.Name.Eq("jack")).One(ctx, s3)
		is.NoErr(err)
		is.NoErr(s3.Delete(j))
		is.NoErr(s3.Commit(ctx))
		is.Equal(aoAddrRows(t, db), []string{"ed@a:ed", "ed@c:ed"})
	})
}

func TestRelNonPKLoad(t *testing.T) {
	aoUserEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		aoUserSeed(t, s)
		emails := func(us []*AoUser) string {
			var out []string
			for _, u := range us {
				var es []string
				for _, a := range u.Addresses {
					es = append(es, a.Email)
					if a.User != u {
						es = append(es, "(wrong back-reference)")
					}
				}
				out = append(out, u.Name+"="+strings.Join(es, ","))
			}
			return strings.Join(out, " ")
		}
		for _, opt := range []quarry.Option[*AoUser]{
			quarry.SelectIn(AoUsers.Addresses), quarry.Joined(AoUsers.Addresses), quarry.SubqueryLoad(AoUsers.Addresses),
		} {
			s2 := relSession(t, db)
			log.Reset()
			us, err := quarry.Select(AoUsers).OrderBy(AoUsers.ID).Options(opt).All(ctx, s2)
			is.NoErr(err)
			is.Equal(emails(us), "ed=ed@a,ed@b jack=jack@a")
			is.True(strings.Contains(strings.Join(selects(log), "\n"), "user_name")) // keyed by the name
		}
		// SelectIn keyed by users.name.
		s2 := relSession(t, db)
		log.Reset()
		_, err := quarry.Select(AoUsers).OrderBy(AoUsers.ID).Options(quarry.SelectIn(AoUsers.Addresses)).All(ctx, s2)
		is.NoErr(err)
		is.Equal(selects(log)[1], normSQL("SELECT ao_addresses.id, ao_addresses.user_name, ao_addresses.email FROM ao_addresses WHERE ao_addresses.user_name IN (?, ?) ORDER BY ao_addresses.id"))

		// Many-to-one, eager and explicit.
		for _, opt := range []quarry.Option[*AoAddress]{quarry.SelectIn(AoAddresses.User), quarry.Joined(AoAddresses.User)} {
			as, err := quarry.Select(AoAddresses).OrderBy(AoAddresses.ID).Options(opt).All(ctx, relSession(t, db))
			is.NoErr(err)
			is.Equal(len(as), 3)
			is.Equal(as[2].User.Name, "jack")
			is.True(as[0].User == as[1].User)
		}
		s3 := relSession(t, db)
		a, err := quarry.Select(AoAddresses).Where(AoAddresses.Email.Eq("jack@a")).One(ctx, s3)
		is.NoErr(err)
		is.NoErr(AoAddresses.User.Load(ctx, s3, a))
		is.Equal(a.User.Name, "jack")
		u := a.User
		is.NoErr(AoUsers.Addresses.Load(ctx, s3, u))
		is.Equal(len(u.Addresses), 1)
		is.True(u.Addresses[0] == a)
	})
}

func TestRelNonPKJoinAndOperators(t *testing.T) {
	aoUserEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		ed, _ := aoUserSeed(t, s)
		log.Reset()
		names, err := quarry.Select(AoUsers.Name).Join(AoUsers.Addresses).Where(AoAddresses.Email.Eq("jack@a")).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"jack"})
		is.Equal(selects(log), sqlList("SELECT ao_users.name FROM ao_users JOIN ao_addresses ON ao_users.name = ao_addresses.user_name WHERE ao_addresses.email = ?"))

		n, err := quarry.Select(AoUsers).Where(AoUsers.Addresses.Any(AoAddresses.Email.Eq("ed@b"))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		n, err = quarry.Select(AoAddresses).Where(AoAddresses.User.Has(AoUsers.Name.Eq("ed"))).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		n, err = quarry.Select(AoAddresses).Where(AoAddresses.User.Eq(ed)).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		n, err = quarry.Select(AoAddresses).Where(quarry.WithParent(ed, AoUsers.Addresses)).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
		n, err = quarry.Select(AoUsers).Where(AoUsers.Addresses.Contains(ed.Addresses[0])).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(1))
		q, err := AoUsers.Addresses.Query(ed).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(q), 2)
	})
}

// A relationship over a column that is neither the primary key nor unique
// is a mapping error naming the column.
func TestRelNonPKNotUnique(t *testing.T) {
	is := is.New(t)
	type C struct {
		ID    int64
		PName string
	}
	type P struct {
		ID   int64
		Name string
		Cs   []*C
	}
	type PTable struct {
		quarry.Entity[P]
		ID   quarry.Column[int64] `quarry:"id,pk"`
		Name quarry.Column[string]
		Cs   quarry.Many[P, C]
	}
	type CTable struct {
		quarry.Entity[C]
		ID    quarry.Column[int64]  `quarry:"id,pk"`
		PName quarry.Column[string] `quarry:"p_name,fk=ao_nu_p.name"`
	}
	md := quarry.NewMetadata()
	_, err := quarry.TableIn[P, PTable](md, "ao_nu_p")
	is.NoErr(err)
	_, err = quarry.TableIn[C, CTable](md, "ao_nu_c")
	is.NoErr(err)
	err = md.Configure()
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "ao_nu_p.name")) // names the column
	is.True(strings.Contains(err.Error(), "unique"))
}
