package quarry_test

// Ports of SQLAlchemy's test/orm/test_naturalpks.py: changing primary
// keys (and other referenced columns) of persistent objects. The passive
// mappings ("nk_...") have ON UPDATE CASCADE foreign keys, as
// _backend_specific_fk_args gives on databases that cascade; the
// non-passive mappings ("nka_...") have passive_updates=false and tables
// created without the foreign-key constraints (both SQLite with foreign
// keys on and PostgreSQL check them at once and would refuse the
// parent's UPDATE, see flush_key_change.go).

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type NkUser struct {
	Username  string
	Fullname  string
	Addresses []*NkAddress
}

type NkUserTable struct {
	quarry.Entity[NkUser]
	Username  quarry.Column[string]          `quarry:"username,pk,len=50"`
	Fullname  quarry.Column[string]          `quarry:"fullname,len=100"`
	Addresses quarry.Many[NkUser, NkAddress] `quarry:"order=email,back=User"`
}

type NkAddress struct {
	Email    string
	Username *string
	User     *NkUser
}

type NkAddressTable struct {
	quarry.Entity[NkAddress]
	Email    quarry.Column[string]         `quarry:"email,pk,len=50"`
	Username quarry.Column[*string]        `quarry:"username,len=50,fk=nk_users.username,onupdate=cascade"`
	User     quarry.One[NkAddress, NkUser] `quarry:"back=Addresses"`
}

type NkItem struct {
	Name  string
	Users []*NkUser
}

type NkItemTable struct {
	quarry.Entity[NkItem]
	Name  quarry.Column[string]             `quarry:"name,pk,len=50"`
	Users quarry.ManyToMany[NkItem, NkUser] `quarry:"secondary=nk_users_to_items,order=username"`
}

// The non-passive mappings.
type NkaUser struct {
	Username  string
	Fullname  string
	Addresses []*NkaAddress
}

type NkaUserTable struct {
	quarry.Entity[NkaUser]
	Username  quarry.Column[string]            `quarry:"username,pk,len=50"`
	Fullname  quarry.Column[string]            `quarry:"fullname,len=100"`
	Addresses quarry.Many[NkaUser, NkaAddress] `quarry:"order=email,back=User,passive_updates=false"`
}

type NkaAddress struct {
	Email    string
	Username *string
	User     *NkaUser
}

type NkaAddressTable struct {
	quarry.Entity[NkaAddress]
	Email    quarry.Column[string]           `quarry:"email,pk,len=50"`
	Username quarry.Column[*string]          `quarry:"username,len=50,fk=nka_users.username"`
	User     quarry.One[NkaAddress, NkaUser] `quarry:"back=Addresses,passive_updates=false"`
}

type NkaItem struct {
	Name  string
	Users []*NkaUser
}

type NkaItemTable struct {
	quarry.Entity[NkaItem]
	Name  quarry.Column[string]               `quarry:"name,pk,len=50"`
	Users quarry.ManyToMany[NkaItem, NkaUser] `quarry:"secondary=nka_users_to_items,order=username,passive_updates=false"`
}

// CascadeToFKPKTest: the address's primary key includes the foreign key.
type NkpUser struct {
	Username  string
	Addresses []*NkpAddress
}

type NkpUserTable struct {
	quarry.Entity[NkpUser]
	Username  quarry.Column[string]            `quarry:"username,pk,len=50"`
	Addresses quarry.Many[NkpUser, NkpAddress] `quarry:"order=email"`
}

type NkpAddress struct {
	Username string
	Email    string
}

type NkpAddressTable struct {
	quarry.Entity[NkpAddress]
	Username quarry.Column[string] `quarry:"username,pk,len=50,fk=nkp_users.username,onupdate=cascade"`
	Email    quarry.Column[string] `quarry:"email,pk,len=50"`
}

// A versioned parent.
type NkvUser struct {
	Username string
	Version  int64
}

type NkvUserTable struct {
	quarry.Entity[NkvUser]
	Username quarry.Column[string] `quarry:"username,pk,len=50"`
	Version  quarry.Column[int64]  `quarry:"version,version"`
}

// ReversePKsTest: a composite key of two integers, neither generated.
type NkrUser struct {
	Code, Status int64
	Username     string
}

type NkrUserTable struct {
	quarry.Entity[NkrUser]
	Code     quarry.Column[int64]  `quarry:"code,pk"`
	Status   quarry.Column[int64]  `quarry:"status,pk"`
	Username quarry.Column[string] `quarry:"username,len=50"`
}

// NonPKCascadeTest: the foreign key refers to a unique column that is not
// the primary key.
type NknUser struct {
	ID        int64
	Username  string
	Addresses []*NknAddress
}

type NknUserTable struct {
	quarry.Entity[NknUser]
	ID        quarry.Column[int64]             `quarry:"id,pk"`
	Username  quarry.Column[string]            `quarry:"username,len=50,unique"`
	Addresses quarry.Many[NknUser, NknAddress] `quarry:"order=id"`
}

type NknAddress struct {
	ID       int64
	Email    string
	Username *string
}

type NknAddressTable struct {
	quarry.Entity[NknAddress]
	ID       quarry.Column[int64]   `quarry:"id,pk"`
	Email    quarry.Column[string]  `quarry:"email,len=50"`
	Username quarry.Column[*string] `quarry:"username,len=50,fk=nkn_users.username,onupdate=cascade"`
}

// SelfReferentialTest: nodes keyed by name, the parent by its name, ON
// UPDATE CASCADE (what _backend_specific_fk_args gives on SQLite and
// PostgreSQL, for the passive and the non-passive tests alike).
type NksNode struct {
	Name     string
	Parent   *string
	Children []*NksNode
	Up       *NksNode
}

type NksNodeTable struct {
	quarry.Entity[NksNode]
	Name     quarry.Column[string]         `quarry:"name,pk,len=50"`
	Parent   quarry.Column[*string]        `quarry:"parent,len=50,fk=nks_nodes.name,onupdate=cascade"`
	Children quarry.Many[NksNode, NksNode] `quarry:"order=name,back=Up,passive_updates=false"`
	Up       quarry.One[NksNode, NksNode]  `quarry:"back=Children"`
}

var NksNodes = quarry.Table[NksNode, NksNodeTable]("nks_nodes")

var (
	NkrUsers     = quarry.Table[NkrUser, NkrUserTable]("nkr_users")
	NknUsers     = quarry.Table[NknUser, NknUserTable]("nkn_users")
	NknAddresses = quarry.Table[NknAddress, NknAddressTable]("nkn_addresses")
)

var (
	NkUsers       = quarry.Table[NkUser, NkUserTable]("nk_users")
	NkAddresses   = quarry.Table[NkAddress, NkAddressTable]("nk_addresses")
	NkItems       = quarry.Table[NkItem, NkItemTable]("nk_items")
	NkUsersToItem = quarry.Association("nk_users_to_items",
		quarry.AssocColumn("username", "nk_users.username").OnUpdate("cascade"),
		quarry.AssocColumn("itemname", "nk_items.name").OnUpdate("cascade"))
	NkaUsers       = quarry.Table[NkaUser, NkaUserTable]("nka_users")
	NkaAddresses   = quarry.Table[NkaAddress, NkaAddressTable]("nka_addresses")
	NkaItems       = quarry.Table[NkaItem, NkaItemTable]("nka_items")
	NkaUsersToItem = quarry.Association("nka_users_to_items",
		quarry.AssocColumn("username", "nka_users.username"),
		quarry.AssocColumn("itemname", "nka_items.name"))
	NkpUsers     = quarry.Table[NkpUser, NkpUserTable]("nkp_users")
	NkpAddresses = quarry.Table[NkpAddress, NkpAddressTable]("nkp_addresses")
	NkvUsers     = quarry.Table[NkvUser, NkvUserTable]("nkv_users")
)

func nkEach(t *testing.T, fn func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log)) {
	t.Helper()
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		ctx := context.Background()
		if err := db.CreateAll(ctx, NkUsers, NkAddresses, NkItems, NkUsersToItem, NkpUsers, NkpAddresses, NkvUsers, NkrUsers, NknUsers, NknAddresses, NksNodes); err != nil {
			t.Fatal(err)
		}
		// The non-passive tables, without foreign-key constraints.
		for _, ddl := range []*quarry.TextClause{
			quarry.Text(`CREATE TABLE nka_users (username VARCHAR(50) PRIMARY KEY, fullname VARCHAR(100) NOT NULL)`),
			quarry.Text(`CREATE TABLE nka_addresses (email VARCHAR(50) PRIMARY KEY, username VARCHAR(50))`),
			quarry.Text(`CREATE TABLE nka_items (name VARCHAR(50) PRIMARY KEY)`),
			quarry.Text(`CREATE TABLE nka_users_to_items (username VARCHAR(50) NOT NULL, itemname VARCHAR(50) NOT NULL, PRIMARY KEY (username, itemname))`),
		} {
			if _, err := db.Exec(ctx, ddl); err != nil {
				t.Fatal(err)
			}
		}
		log.Reset()
		fn(t, db, relSession(t, db), log)
	})
}

func nkAddrRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	rows, err := quarry.Select2(NkAddresses.Email, NkAddresses.Username).OrderBy(NkAddresses.Email).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.V1+":"+nkName(r.V2))
	}
	return out
}

func nkName(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func nkaAddrRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	rows, err := quarry.Select2(NkaAddresses.Email, NkaAddresses.Username).OrderBy(NkaAddresses.Email).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.V1+":"+nkName(r.V2))
	}
	return out
}

func nkSeed(t *testing.T, s *quarry.Session, objs ...any) {
	t.Helper()
	ctx := context.Background()
	if err := s.Add(objs...); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// test_naturalpks.py::NaturalPKTest::test_entity
func TestSA_NaturalPK_test_entity(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NkUser{Username: "jack", Fullname: "jack"}
		nkSeed(t, s, u1)
		got, err := quarry.Get(ctx, s, NkUsers, "jack")
		is.NoErr(err)
		is.True(got == u1)
		u1.Username = "ed"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{"UPDATE nk_users SET username = ? WHERE nk_users.username = ?"})
		es := log.Entries()
		is.Equal(es[len(es)-1].Args, []any{"ed", "jack"})
		// The identity map follows the row: no SQL for the new key.
		log.Reset()
		got, err = quarry.Get(ctx, s, NkUsers, "ed")
		is.NoErr(err)
		is.True(got == u1)
		is.Equal(len(log.Statements()), 0)
		_, err = quarry.Get(ctx, s, NkUsers, "jack")
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.Equal(len(s.Dirty()), 0)
		is.NoErr(s.Commit(ctx))
		names, err := quarry.Select(NkUsers.Username).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"ed"})
	})
}

// test_naturalpks.py::NaturalPKTest::test_onetomany_passive: the database
// cascades; the Session only updates the children it holds.
func TestSA_NaturalPK_test_onetomany_passive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NkUser{Username: "jack", Fullname: "jack", Addresses: []*NkAddress{{Email: "jack1"}, {Email: "jack2"}}}
		nkSeed(t, s, u1)
		is.Equal(nkAddrRows(t, db), []string{"jack1:jack", "jack2:jack"})
		u, err := quarry.Get(ctx, s, NkUsers, "jack")
		is.NoErr(err)
		is.NoErr(NkUsers.Addresses.Load(ctx, s, u))
		a1 := u.Addresses[0]
		u.Username = "ed"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{"UPDATE nk_users SET username = ? WHERE nk_users.username = ?"})
		is.Equal(*a1.Username, "ed")
		is.Equal(*u.Addresses[1].Username, "ed")
		is.Equal(len(s.Dirty()), 0) // the snapshots say what the rows hold
		// Another change of the children writes only that change.
		a1.Email = "ed1"
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{"UPDATE nk_addresses SET email = ? WHERE nk_addresses.email = ?"})
		is.Equal(nkAddrRows(t, db), []string{"ed1:ed", "jack2:ed"})
		got, err := quarry.Get(ctx, s, NkAddresses, "ed1")
		is.NoErr(err)
		is.True(got == a1)
	})
}

// test_naturalpks.py::NaturalPKTest::test_manytoone_passive
func TestSA_NaturalPK_test_manytoone_passive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NkUser{Username: "jack", Fullname: "jack"}
		a1 := &NkAddress{Email: "jack1", User: u1}
		a2 := &NkAddress{Email: "jack2", User: u1}
		nkSeed(t, s, a1, a2)
		u1.Username = "ed"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{"UPDATE nk_users SET username = ? WHERE nk_users.username = ?"})
		is.Equal(*a1.Username, "ed")
		is.Equal(*a2.Username, "ed")
		is.True(a1.User == u1)
		is.NoErr(s.Commit(ctx))
		is.Equal(nkAddrRows(t, db), []string{"jack1:ed", "jack2:ed"})
	})
}

// test_naturalpks.py::NaturalPKTest::test_onetomany_nonpassive: the flush
// updates the children's foreign keys itself, after the parent's UPDATE.
func TestSA_NaturalPK_test_onetomany_nonpassive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NkaUser{Username: "jack", Fullname: "jack", Addresses: []*NkaAddress{{Email: "jack1"}, {Email: "jack2"}}}
		nkSeed(t, s, u1)
		u, err := quarry.Get(ctx, s, NkaUsers, "jack")
		is.NoErr(err)
		is.NoErr(NkaUsers.Addresses.Load(ctx, s, u))
		u.Username = "ed"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE nka_users SET username = ? WHERE nka_users.username = ?",
			"UPDATE nka_addresses SET username = ? WHERE nka_addresses.username = ?",
		})
		is.Equal(*u.Addresses[0].Username, "ed")
		is.Equal(len(s.Dirty()), 0)
		is.NoErr(s.Commit(ctx))
		is.Equal(nkaAddrRows(t, db), []string{"jack1:ed", "jack2:ed"})
	})
}

// test_naturalpks.py::NaturalPKTest::test_manytoone_nonpassive, with the
// children not loaded: the one UPDATE reaches them all the same.
func TestSA_NaturalPK_test_manytoone_nonpassive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NkaUser{Username: "jack", Fullname: "jack"}
		a1 := &NkaAddress{Email: "jack1", User: u1}
		a2 := &NkaAddress{Email: "jack2", User: u1}
		nkSeed(t, s, a1, a2)
		s2 := relSession(t, db)
		u, err := quarry.Get(ctx, s2, NkaUsers, "jack")
		is.NoErr(err)
		u.Username = "ed"
		log.Reset()
		is.NoErr(s2.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE nka_users SET username = ? WHERE nka_users.username = ?",
			"UPDATE nka_addresses SET username = ? WHERE nka_addresses.username = ?",
		})
		is.Equal(nkaAddrRows(t, db), []string{"jack1:ed", "jack2:ed"})
		// In the first Session the addresses follow once refreshed.
		is.NoErr(s.Refresh(ctx, a1))
		is.Equal(*a1.Username, "ed")
	})
}

// nkItemRows reads the association rows back through a fresh Session's
// collections, as "user:item".
func nkItemRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	ctx := context.Background()
	s := relSession(t, db)
	items, err := quarry.Select(NkItems).OrderBy(NkItems.Name).All(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		if err := NkItems.Users.Load(ctx, s, it); err != nil {
			t.Fatal(err)
		}
		for _, u := range it.Users {
			out = append(out, u.Username+":"+it.Name)
		}
	}
	slices.Sort(out)
	return out
}

func nkaItemRows(t *testing.T, db *quarry.DB) []string {
	t.Helper()
	ctx := context.Background()
	s := relSession(t, db)
	items, err := quarry.Select(NkaItems).OrderBy(NkaItems.Name).All(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		if err := NkaItems.Users.Load(ctx, s, it); err != nil {
			t.Fatal(err)
		}
		for _, u := range it.Users {
			out = append(out, u.Username+":"+it.Name)
		}
	}
	slices.Sort(out)
	return out
}

// test_naturalpks.py::NaturalPKTest::test_manytomany_passive
func TestSA_NaturalPK_test_manytomany_passive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1, u2 := &NkUser{Username: "jack", Fullname: "jack"}, &NkUser{Username: "fred", Fullname: "fred"}
		i1, i2 := &NkItem{Name: "item1", Users: []*NkUser{u1, u2}}, &NkItem{Name: "item2", Users: []*NkUser{u1}}
		nkSeed(t, s, i1, i2)
		u1.Username = "ed"
		i2.Name = "item2x"
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE nk_items SET name = ? WHERE nk_items.name = ?",
			"UPDATE nk_users SET username = ? WHERE nk_users.username = ?",
		})
		is.Equal(nkItemRows(t, db), []string{"ed:item1", "ed:item2x", "fred:item1"})
		// The collections still match the rows: removing a member deletes
		// the row by the new keys.
		i1.Users = []*NkUser{u2}
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{"DELETE FROM nk_users_to_items WHERE nk_users_to_items.itemname = ? AND nk_users_to_items.username = ?"})
		is.Equal(nkItemRows(t, db), []string{"ed:item2x", "fred:item1"})
	})
}

// test_naturalpks.py::NaturalPKTest::test_manytomany_nonpassive
func TestSA_NaturalPK_test_manytomany_nonpassive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1, u2 := &NkaUser{Username: "jack", Fullname: "jack"}, &NkaUser{Username: "fred", Fullname: "fred"}
		i1, i2 := &NkaItem{Name: "item1", Users: []*NkaUser{u1, u2}}, &NkaItem{Name: "item2", Users: []*NkaUser{u1}}
		nkSeed(t, s, i1, i2)
		u1.Username = "ed"
		i2.Name = "item2x"
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE nka_items SET name = ? WHERE nka_items.name = ?",
			"UPDATE nka_users_to_items SET itemname = ? WHERE nka_users_to_items.itemname = ?",
			"UPDATE nka_users SET username = ? WHERE nka_users.username = ?",
			// Addresses have passive_updates=false too: the one UPDATE
			// covers the rows whether or not any are loaded.
			"UPDATE nka_addresses SET username = ? WHERE nka_addresses.username = ?",
			"UPDATE nka_users_to_items SET username = ? WHERE nka_users_to_items.username = ?",
		})
		is.Equal(nkaItemRows(t, db), []string{"ed:item1", "ed:item2x", "fred:item1"})
	})
}

// test_naturalpks.py::CascadeToFKPKTest::test_onetomany_passive: the
// child's primary key includes the foreign key, so the child changes its
// identity too.
func TestSA_NaturalPK_CascadeToFKPK_test_onetomany_passive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		a1 := &NkpAddress{Email: "jack1"}
		u1 := &NkpUser{Username: "jack", Addresses: []*NkpAddress{a1}}
		nkSeed(t, s, u1)
		is.Equal(a1.Username, "jack")
		u1.Username = "ed"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{"UPDATE nkp_users SET username = ? WHERE nkp_users.username = ?"})
		is.Equal(a1.Username, "ed")
		// Held under its new key (expired by the commit, it is read again).
		got, err := quarry.Get(ctx, s, NkpAddresses, "ed", "jack1")
		is.NoErr(err)
		is.True(got == a1)
		_, err = quarry.Get(ctx, s, NkpAddresses, "jack", "jack1")
		is.True(errors.Is(err, quarry.ErrNoResult))
		is.NoErr(s.Commit(ctx))
		rows, err := quarry.Select2(NkpAddresses.Username, NkpAddresses.Email).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 1)
		is.Equal(rows[0].V1, "ed")
	})
}

// A version counter on an object whose key changes keeps counting, and
// checks the row by the old key.
func TestSA_NaturalPK_versioned(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u := &NkvUser{Username: "jack"}
		nkSeed(t, s, u)
		is.Equal(u.Version, int64(1))
		u.Username = "ed"
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{"UPDATE nkv_users SET username = ?, version = ? WHERE nkv_users.username = ? AND nkv_users.version = ?"})
		is.Equal(u.Version, int64(2))
		rows, err := quarry.Select2(NkvUsers.Username, NkvUsers.Version).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 1)
		is.Equal(rows[0].V1, "ed")
		is.Equal(rows[0].V2, int64(2))
	})
}

// Rollback and a failed flush put the old key back, in the object and in
// the identity map; the next flush writes the change again.
func TestSA_NaturalPK_rollback(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NkUser{Username: "jack", Fullname: "jack", Addresses: []*NkAddress{{Email: "jack1"}}}
		u2 := &NkUser{Username: "fred", Fullname: "fred"}
		nkSeed(t, s, u1, u2)
		a1 := u1.Addresses[0]

		// Rollback after a flush.
		u1.Username = "ed"
		is.NoErr(s.Flush(ctx))
		is.Equal(*a1.Username, "ed")
		is.NoErr(s.Rollback(ctx))
		is.Equal(u1.Username, "jack")
		is.Equal(*a1.Username, "jack")
		got, err := quarry.Get(ctx, s, NkUsers, "jack")
		is.NoErr(err)
		is.True(got == u1)
		_, err = quarry.Get(ctx, s, NkUsers, "ed")
		is.True(errors.Is(err, quarry.ErrNoResult))

		// The key of another object the Session holds: refused before SQL.
		u1.Username = "fred"
		log.Reset()
		err = s.Flush(ctx)
		is.True(errors.Is(err, quarry.ErrIdentityConflict))
		is.True(errors.Is(err, quarry.ErrKeyChanged))
		is.Equal(len(relFlushSQL(log)), 0)

		// The key of a row the Session does not hold: the database refuses
		// it, the flush rolls back and the Session keeps the old key.
		_, err = db.Exec(ctx, quarry.Text(`INSERT INTO nk_users (username, fullname) VALUES ('wendy', 'wendy')`))
		is.NoErr(err)
		u1.Username = "wendy"
		is.True(s.Flush(ctx) != nil)
		got, err = quarry.Get(ctx, s, NkUsers, "jack")
		is.NoErr(err)
		is.True(got == u1)
		is.Equal(u1.Username, "wendy") // as the program left it

		// Corrected, the change goes through; a new object takes the old
		// key in the same flush.
		u1.Username = "ed"
		u3 := &NkUser{Username: "jack", Fullname: "new jack"}
		is.NoErr(s.Add(u3))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE nk_users SET username = ? WHERE nk_users.username = ?",
			"INSERT INTO nk_users (username, fullname) VALUES (?, ?)",
		})
		is.Equal(nkAddrRows(t, db), []string{"jack1:ed"})
		got, err = quarry.Get(ctx, s, NkUsers, "jack")
		is.NoErr(err)
		is.True(got == u3)
		got, err = quarry.Get(ctx, s, NkUsers, "ed")
		is.NoErr(err)
		is.True(got == u1)
	})
}

// A savepoint's rollback puts the key back too.
func TestSA_NaturalPK_savepoint(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NkUser{Username: "jack", Fullname: "jack"}
		nkSeed(t, s, u1)
		_, err := quarry.Get(ctx, s, NkUsers, "jack")
		is.NoErr(err)
		sp, err := s.BeginNested(ctx)
		is.NoErr(err)
		u1.Username = "ed"
		is.NoErr(s.Flush(ctx))
		is.NoErr(sp.Rollback(ctx))
		is.Equal(u1.Username, "jack")
		got, err := quarry.Get(ctx, s, NkUsers, "jack")
		is.NoErr(err)
		is.True(got == u1)
		is.NoErr(s.Commit(ctx))
		names, err := quarry.Select(NkUsers.Username).All(ctx, db)
		is.NoErr(err)
		is.Equal(names, []string{"jack"})
	})
}

// test_naturalpks.py::ReversePKsTest::test_reverse: two rows exchange
// keys through a third value; UPDATEs in the order of the old keys free
// each key before it is taken.
func TestSA_NaturalPK_ReversePKs_test_reverse(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		const published, editable, archived = 1, 2, 3
		aPublished := &NkrUser{Code: 1, Status: published, Username: "a"}
		nkSeed(t, s, aPublished)
		aEditable := &NkrUser{Code: 1, Status: editable, Username: "a"}
		nkSeed(t, s, aEditable)

		aPublished.Status = archived
		aEditable.Status = published
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE nkr_users SET status = ? WHERE nkr_users.code = ? AND nkr_users.status = ?",
			"UPDATE nkr_users SET status = ? WHERE nkr_users.code = ? AND nkr_users.status = ?",
		})
		got, err := quarry.Get(ctx, s, NkrUsers, 1, published)
		is.NoErr(err)
		is.True(got == aEditable)
		got, err = quarry.Get(ctx, s, NkrUsers, 1, archived)
		is.NoErr(err)
		is.True(got == aPublished)

		aPublished.Status = published
		aEditable.Status = editable
		is.NoErr(s.Commit(ctx))
		got, err = quarry.Get(ctx, s, NkrUsers, 1, published)
		is.NoErr(err)
		is.True(got == aPublished)
		got, err = quarry.Get(ctx, s, NkrUsers, 1, editable)
		is.NoErr(err)
		is.True(got == aEditable)
		rows, err := quarry.Select2(NkrUsers.Code, NkrUsers.Status).OrderBy(NkrUsers.Status).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 2)
		is.Equal(rows[0].V2, int64(published))
		is.Equal(rows[1].V2, int64(editable))
	})
}

// test_naturalpks.py::ReversePKsTest::test_reverse_savepoint
func TestSA_NaturalPK_ReversePKs_test_reverse_savepoint(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		const published, editable, archived = 1, 2, 3
		aPublished := &NkrUser{Code: 1, Status: published, Username: "a"}
		nkSeed(t, s, aPublished)
		aEditable := &NkrUser{Code: 1, Status: editable, Username: "a"}
		nkSeed(t, s, aEditable)

		sp, err := s.BeginNested(ctx)
		is.NoErr(err)
		aPublished.Status = archived
		aEditable.Status = published
		is.NoErr(sp.Commit(ctx))
		is.NoErr(s.Rollback(ctx))
		is.Equal(aPublished.Status, int64(published))
		is.Equal(aEditable.Status, int64(editable))
		got, err := quarry.Get(ctx, s, NkrUsers, 1, published)
		is.NoErr(err)
		is.True(got == aPublished)
		got, err = quarry.Get(ctx, s, NkrUsers, 1, editable)
		is.NoErr(err)
		is.True(got == aEditable)
	})
}

// test_naturalpks.py::NonPKCascadeTest::test_onetomany_passive: the
// referenced column is a unique column, not the key; the identity stays,
// the children follow.
func TestSA_NaturalPK_NonPKCascade_test_onetomany_passive(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		u1 := &NknUser{Username: "jack", Addresses: []*NknAddress{{Email: "jack1"}, {Email: "jack2"}}}
		is.NoErr(s.Add(u1))
		is.NoErr(s.Flush(ctx))
		a1 := u1.Addresses[0]
		is.Equal(*a1.Username, "jack")
		got, err := quarry.Get(ctx, s, NknAddresses, a1.ID)
		is.NoErr(err)
		is.True(got == a1)

		u1.Username = "ed"
		log.Reset()
		is.NoErr(s.Flush(ctx))
		is.Equal(relFlushSQL(log), []string{"UPDATE nkn_users SET username = ? WHERE nkn_users.id = ?"})
		is.Equal(*a1.Username, "ed")
		is.Equal(*u1.Addresses[1].Username, "ed")
		is.Equal(len(s.Dirty()), 0)
		is.NoErr(s.Commit(ctx))
		names, err := quarry.Select(NknAddresses.Username).OrderBy(NknAddresses.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(names), 2)
		is.Equal(*names[0], "ed")
		is.Equal(*names[1], "ed")
	})
}

// test_naturalpks.py::SelfReferentialTest::test_one_to_many_on_o2m: with
// passive_updates=false on the collection the flush sends the children's
// UPDATE too (which finds them moved already by the cascade).
func TestSA_NaturalPK_SelfReferential_test_one_to_many_on_o2m(t *testing.T) {
	nkEach(t, func(t *testing.T, db *quarry.DB, s *quarry.Session, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		n1 := &NksNode{Name: "n1", Children: []*NksNode{{Name: "n11"}, {Name: "n12"}, {Name: "n13"}}}
		nkSeed(t, s, n1)
		n1.Name = "new n1"
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(relFlushSQL(log), []string{
			"UPDATE nks_nodes SET name = ? WHERE nks_nodes.name = ?",
			"UPDATE nks_nodes SET parent = ? WHERE nks_nodes.parent = ?",
		})
		is.Equal(*n1.Children[1].Parent, "new n1")
		parents, err := quarry.Select(NksNodes.Parent).Where(NksNodes.Name.In("n11", "n12", "n13")).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(parents), 3)
		for _, p := range parents {
			is.Equal(*p, "new n1")
		}
		got, err := quarry.Get(ctx, s, NksNodes, "new n1")
		is.NoErr(err)
		is.True(got == n1)
	})
}
