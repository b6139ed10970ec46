package main

import (
	"fmt"

	"github.com/quarry-orm/quarry"
)

// guide follows SQLAlchemy 2.0's "ORM Querying Guide: Writing SELECT
// statements", on its own user_account / address / user_order / item
// tables.
func (t *tour) guide() error {
	steps := []struct {
		title string
		run   func(s *quarry.Session) error
	}{
		{"Guide: the fixture", t.guideFixture},
		{"Guide: selecting entities and attributes", t.guideSelecting},
		{"Guide: bundles and aliases", t.guideBundlesAliases},
		{"Guide: ORM results from text, subqueries and UNIONs", t.guideFromText},
		{"Guide: joins", t.guideJoins},
		{"Guide: joining to subqueries", t.guideJoinSubqueries},
		{"Guide: the leftmost FROM clause", t.guideSelectFrom},
		{"Guide: relationship WHERE operators", t.guideOperators},
	}
	s := t.db.Session()
	defer s.Close(t.ctx)
	for _, st := range steps {
		t.section(st.title)
		if err := st.run(s); err != nil {
			return fmt.Errorf("%s: %w", st.title, err)
		}
	}
	return nil
}

func (t *tour) guideFixture(s *quarry.Session) error {
	if err := t.db.CreateAll(t.ctx, GUsers, GAddresses, GOrders, GItems, OrderItems); err != nil {
		return err
	}
	users := []*GUser{
		{Name: "spongebob", Fullname: "Spongebob Squarepants", Addresses: []*GAddress{{EmailAddress: "spongebob@sqlalchemy.org"}}},
		{Name: "sandy", Fullname: "Sandy Cheeks", Addresses: []*GAddress{{EmailAddress: "sandy@sqlalchemy.org"}, {EmailAddress: "squirrel@squirrelpower.org"}}},
		{Name: "patrick", Fullname: "Patrick Star", Addresses: []*GAddress{{EmailAddress: "pat999@aol.com"}}},
		{Name: "squidward", Fullname: "Squidward Tentacles", Addresses: []*GAddress{{EmailAddress: "stentcl@sqlalchemy.org"}}},
		{Name: "ehkrabs", Fullname: "Eugene H. Krabs"},
	}
	pan, bucket := &GItem{Description: "frying pan"}, &GItem{Description: "bucket"}
	users[0].Orders = []*GOrder{{Items: []*GItem{pan, bucket}}}
	users[1].Orders = []*GOrder{{Items: []*GItem{bucket}}}
	if err := quarry.AddAll(s, users); err != nil {
		return err
	}
	return s.Commit(t.ctx)
}

func (t *tour) guideSelecting(s *quarry.Session) error {
	ctx := t.ctx
	users, err := quarry.Select(GUsers).Where(GUsers.Name.Eq("spongebob")).All(ctx, s)
	if err != nil {
		return err
	}
	for _, u := range users {
		t.say("%s %s", u.Name, u.Fullname)
	}
	all, err := quarry.Select(GUsers).OrderBy(GUsers.ID).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", all)
	pairs, err := quarry.Select2(GUsers, GAddresses).Join(GUsers.Addresses).OrderBy(GUsers.ID, GAddresses.ID).All(ctx, s)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		t.say("%s %s", p.V1.Name, p.V2.EmailAddress)
	}
	userCls, email := quarry.Aliased(GUsers, quarry.AliasName("user_cls")), quarry.Aliased(GAddresses, quarry.AliasName("email"))
	row, err := quarry.Select2(userCls, email).Join(userCls.Addresses.OfType(email)).OrderBy(userCls.ID, email.ID).First(ctx, s)
	if err != nil {
		return err
	}
	t.say("%s %s", row.V1.Name, row.V2.EmailAddress)
	t.show(quarry.AddColumns(quarry.Select(GUsers).Join(GUsers.Addresses), GAddresses).OrderBy(GUsers.ID, GAddresses.ID))
	names, err := quarry.Select2(GUsers.Name, GAddresses.EmailAddress).Join(GUsers.Addresses).OrderBy(GUsers.ID, GAddresses.ID).All(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range names {
		t.say("%s %s", r.V1, r.V2)
	}
	return nil
}

// UserNames is the Go struct a bundle fills.
type UserNames struct{ Name, Fullname string }

// Email is another bundle's struct.
type Email struct{ EmailAddress string }

func (t *tour) guideBundlesAliases(s *quarry.Session) error {
	ctx := t.ctx
	user := quarry.Bundle(func(b *UserNames) []quarry.BundleField {
		return []quarry.BundleField{quarry.Field(&b.Name, GUsers.Name), quarry.Field(&b.Fullname, GUsers.Fullname)}
	})
	email := quarry.Bundle(func(b *Email) []quarry.BundleField {
		return []quarry.BundleField{quarry.Field(&b.EmailAddress, GAddresses.EmailAddress)}
	})
	rows, err := quarry.Select2(user, email).JoinFrom(GUsers, GAddresses).All(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range rows {
		t.say("%s %s %s", r.V1.Name, r.V1.Fullname, r.V2.EmailAddress)
	}
	u1 := quarry.Aliased(GUsers)
	t.show(quarry.Select(u1).OrderBy(u1.ID))
	u1 = quarry.Aliased(GUsers, quarry.AliasName("u1"))
	first, err := quarry.Select(u1).OrderBy(u1.ID).First(ctx, s)
	if err != nil {
		return err
	}
	t.say("%s", first.Name)
	return nil
}

func (t *tour) guideFromText(s *quarry.Session) error {
	ctx := t.ctx
	textual := quarry.Text("SELECT id, name, fullname FROM user_account ORDER BY id").
		Columns(GUsers.ID, GUsers.Name, GUsers.Fullname)
	users, err := quarry.Select(GUsers).FromText(textual).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	orm := quarry.Aliased(GUsers, quarry.FromSubquery(textual.Subquery()))
	users, err = quarry.Select(orm).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	inner := quarry.Select(GUsers).Where(GUsers.ID.Lt(7)).OrderBy(GUsers.ID).Subquery()
	aliased := quarry.Aliased(GUsers, quarry.FromSubquery(inner))
	users, err = quarry.Select(aliased).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	u := quarry.UnionAll(quarry.Select(GUsers).Where(GUsers.ID.Lt(2)), quarry.Select(GUsers).Where(GUsers.ID.Eq(3))).OrderBy(GUsers.ID)
	users, err = quarry.Select(GUsers).FromStatement(u).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	subq := quarry.UnionAll(quarry.Select(GUsers).Where(GUsers.ID.Lt(2)), quarry.Select(GUsers).Where(GUsers.ID.Eq(3))).Subquery()
	ua := quarry.Aliased(GUsers, quarry.FromSubquery(subq))
	users, err = quarry.Select(ua).OrderBy(ua.ID).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	return nil
}

func (t *tour) guideJoins(s *quarry.Session) error {
	t.show(quarry.Select(GUsers).Join(GUsers.Addresses))
	t.show(quarry.Select(GUsers).Join(GUsers.Orders).Join(GOrders.Items))
	t.show(quarry.Select(GUsers).Join(GUsers.Orders).Join(GOrders.Items).Join(GUsers.Addresses))
	t.show(quarry.Select(GUsers).Join(GAddresses))
	t.show(quarry.Select(GUsers).Join(GAddresses, GUsers.ID.EqExpr(GAddresses.UserID)))
	t.show(quarry.Select(GUsers).Join(GUsers.Addresses.OfType(GAddresses)))
	rows, err := quarry.Select(GUsers.Fullname).
		Join(GUsers.Addresses.And(GAddresses.EmailAddress.Eq("squirrel@squirrelpower.org"))).All(t.ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", rows)
	a1, a2 := quarry.Aliased(GAddresses), quarry.Aliased(GAddresses)
	t.show(quarry.Select(GUsers).
		Join(GUsers.Addresses.OfType(a1)).Where(a1.EmailAddress.Eq("patrick@aol.com")).
		Join(GUsers.Addresses.OfType(a2)).Where(a2.EmailAddress.Eq("patrick@gmail.com")))
	t.show(quarry.Select(GUsers).
		Join(GUsers.Addresses.OfType(a1)).Where(a1.EmailAddress.Eq("patrick@aol.com")).
		Join(GUsers.Addresses.OfType(a2)).Where(a2.EmailAddress.Eq("patrick@gmail.com")))
	ua := quarry.Aliased(GUsers)
	t.show(quarry.Select(ua.Name).Join(ua.Addresses))
	return nil
}

func (t *tour) guideJoinSubqueries(s *quarry.Session) error {
	ctx := t.ctx
	subq := quarry.Select(GAddresses).Where(GAddresses.EmailAddress.Eq("pat999@aol.com")).Subquery()
	t.show(quarry.Select(GUsers).Join(subq, GUsers.ID.EqExpr(quarry.Ref(subq, GAddresses.UserID))))
	addressSubq := quarry.Aliased(GAddresses, quarry.FromSubquery(subq), quarry.AliasName("address"))
	for _, q := range []*quarry.Query[quarry.Row2[*GUser, *GAddress]]{
		quarry.Select2(GUsers, addressSubq).Join(addressSubq),
		quarry.Select2(GUsers, addressSubq).Join(GUsers.Addresses.OfType(addressSubq)),
	} {
		rows, err := q.All(ctx, s)
		if err != nil {
			return err
		}
		for _, r := range rows {
			t.say("%v %v", r.V1, r.V2)
		}
	}
	// Unlike SQLAlchemy, which leaves a column the subquery lacks unloaded,
	// an entity over a subquery needs every mapped column (a missing one is
	// an error naming it, never a silent zero): address.user_id is selected too.
	both := quarry.Columns(GUsers.ID, GUsers.Name, GUsers.Fullname, GAddresses.ID, GAddresses.UserID, GAddresses.EmailAddress).
		JoinFrom(GUsers, GAddresses).
		Where(GAddresses.EmailAddress.In("pat999@aol.com", "squirrel@squirrelpower.org")).Subquery()
	userAlias := quarry.Aliased(GUsers, quarry.FromSubquery(both), quarry.AliasName("user"))
	addressAlias := quarry.Aliased(GAddresses, quarry.FromSubquery(both), quarry.AliasName("address"))
	rows, err := quarry.Select2(userAlias, addressAlias).Where(userAlias.Name.Eq("sandy")).All(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range rows {
		t.say("%v %v", r.V1, r.V2)
	}
	return nil
}

func (t *tour) guideSelectFrom(s *quarry.Session) error {
	t.show(quarry.Select(GAddresses).JoinFrom(GUsers, GUsers.Addresses).Where(GUsers.Name.Eq("sandy")))
	t.show(quarry.Select(GAddresses).JoinFrom(GUsers, GAddresses).Where(GUsers.Name.Eq("sandy")))
	t.show(quarry.Select(GAddresses).SelectFrom(GUsers).Join(GAddresses).Where(GUsers.Name.Eq("sandy")))
	t.show(quarry.Select(GAddresses).SelectFrom(GUsers).Join(GAddresses.User).Where(GUsers.Name.Eq("sandy")))
	return nil
}

func (t *tour) guideOperators(s *quarry.Session) error {
	ctx := t.ctx
	for _, q := range []*quarry.Query[string]{
		quarry.Select(GUsers.Fullname).Where(GUsers.Addresses.Any(GAddresses.EmailAddress.Eq("squirrel@squirrelpower.org"))),
		quarry.Select(GUsers.Fullname).Where(quarry.Not(GUsers.Addresses.Any())),
		quarry.Select(GAddresses.EmailAddress).Where(GAddresses.User.Has(GUsers.Name.Eq("sandy"))),
	} {
		rows, err := q.All(ctx, s)
		if err != nil {
			return err
		}
		t.say("%v", rows)
	}
	s.ExpungeAll()
	userObj, err := quarry.Get(ctx, s, GUsers, int64(1))
	if err != nil {
		return err
	}
	t.show(quarry.Select(GAddresses).Where(GAddresses.User.Eq(userObj)))
	t.show(quarry.Select(GAddresses).Where(GAddresses.User.Ne(userObj)))
	addressObj, err := quarry.Get(ctx, s, GAddresses, int64(1))
	if err != nil {
		return err
	}
	t.show(quarry.Select(GUsers).Where(GUsers.Addresses.Contains(addressObj)))
	t.show(quarry.Select(GAddresses).Where(quarry.WithParent(userObj, GUsers.Addresses)))
	return nil
}
