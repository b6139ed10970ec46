package quarry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

type SUser struct {
	ID       int64
	Name     string
	Fullname string
	Nickname *string
}

type SUserTable struct {
	quarry.Entity[SUser]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Name     quarry.Column[string]
	Fullname quarry.Column[string]
	Nickname quarry.Column[*string]
}

type SAddress struct {
	ID           int64
	EmailAddress string
	UserID       *int64
}

type SAddressTable struct {
	quarry.Entity[SAddress]
	ID           quarry.Column[int64] `quarry:"id,pk"`
	EmailAddress quarry.Column[string]
	UserID       quarry.Column[*int64] `quarry:"user_id,fk=s_users.id"`
}

var (
	SUsers     = quarry.Table[SUser, SUserTable]("s_users")
	SAddresses = quarry.Table[SAddress, SAddressTable]("s_addresses")
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAll(ctx, SUsers, SAddresses); err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(ctx, quarry.Text("INSERT INTO s_users (name, fullname) VALUES ('ed', 'Ed Jones'), ('wendy', 'Wendy W')"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(ctx, quarry.Text("INSERT INTO s_addresses (email_address, user_id) VALUES ('ed@x', 1)"))
	if err != nil {
		t.Fatal(err)
	}
	q := quarry.Select(SUsers).Where(SUsers.Name.Eq("ed")).OrderBy(SUsers.ID)
	fmt.Println(q)
	us, err := q.All(ctx, db)
	fmt.Println(us[0], err)
	q2 := quarry.Select2(SUsers.Name, SAddresses.EmailAddress).Join(SAddresses)
	fmt.Println(q2)
	rs, err := q2.All(ctx, db)
	fmt.Println(rs, err)
	a1, a2 := quarry.Aliased(SAddresses), quarry.Aliased(SAddresses)
	q3 := quarry.Select3(SUsers.Name, a1.EmailAddress, a2.EmailAddress).Join(a1).Join(a2).Where(a1.EmailAddress.Eq("x"))
	fmt.Println(q3)
	n, err := quarry.Select(SUsers).Where(SUsers.Name.Like("%e%")).Count(ctx, db)
	fmt.Println(n, err)
	sq := quarry.Select2(SAddresses.UserID, quarry.Count().Label("address_count")).GroupBy(SAddresses.UserID).Subquery()
	q4 := quarry.Select2(SUsers, quarry.Nullable(quarry.Ref(sq, quarry.Count().Label("address_count")))).OuterJoin(sq, SUsers.ID.EqExpr(quarry.Deref(quarry.Ref(sq, SAddresses.UserID)))).OrderBy(SUsers.ID)
	fmt.Println(q4)
	r4, err := q4.All(ctx, db)
	fmt.Println(r4, err)
	fmt.Println(quarry.Select(SUsers.Name).Where(quarry.ExistsWhere(SAddresses.UserID.EqExpr(quarry.Nullable(SUsers.ID)))))
	fmt.Println(quarry.Select(SAddresses).SelectFrom(SUsers).Join(SAddresses).Where(SUsers.Name.Eq("sandy")))
	ua := quarry.Aliased(SUsers, quarry.Name("u1"))
	fmt.Println(quarry.Select(ua).OrderBy(ua.ID))
	fmt.Println(quarry.Select(SUsers).Where(quarry.Text("id<:value and name=:name")).Bind("value", 224).Bind("name", "fred"))
	tu, err := quarry.Select(SUsers).FromStatement(quarry.Text("SELECT * FROM s_users where name=:name").Bind("name", "ed")).All(ctx, db)
	fmt.Println(tu[0], err)
	tu2, err := quarry.Select(SUsers).FromStatement(quarry.Text("SELECT name, id, fullname, nickname FROM s_users where name=:name").Columns(SUsers.Name, SUsers.ID, SUsers.Fullname, SUsers.Nickname).Bind("name", "ed")).All(ctx, db)
	fmt.Println(tu2[0], err)
}
