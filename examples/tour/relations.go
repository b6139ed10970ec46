package main

import (
	"github.com/quarry-orm/quarry"
)

// The relationship half of the 1.3 tutorial.

func (t *tour) relatedObjects() error {
	s, ctx := t.s, t.ctx
	jack := &User{Name: "jack", Fullname: "Jack Bean", Nickname: ptr("gjffdd")}
	t.say("jack.addresses = %v", jack.Addresses)
	jack.Addresses = []*Address{{EmailAddress: "jack@google.com"}, {EmailAddress: "j25@yahoo.com"}}
	t.say("jack.addresses[1] = %v", jack.Addresses[1])
	t.say("Adding jack cascades to his addresses; the flush sets their user_id and back-populates .User:")
	if err := s.Add(jack); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	t.say("jack.addresses[1].user = %v", jack.Addresses[1].User)
	var err error
	t.jack, err = quarry.Select(Users).Where(Users.Name.Eq("jack")).One(ctx, s)
	if err != nil {
		return err
	}
	t.say("jack = %v", t.jack)
	t.say("quarry has no hidden I/O on field access: a relationship is loaded explicitly, typed:")
	if err := Users.Addresses.Load(ctx, s, t.jack); err != nil {
		return err
	}
	t.say("jack.addresses = %v", t.jack.Addresses)
	return nil
}

func (t *tour) joins() error {
	s, ctx := t.s, t.ctx
	pairs, err := quarry.Select2(Users, Addresses).
		Where(Users.ID.EqExpr(quarry.Deref(Addresses.UserID))).
		Where(Addresses.EmailAddress.Eq("jack@google.com")).All(ctx, s)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		t.say("%v\n%v", p.V1, p.V2)
	}
	// The tutorial's Query de-duplicates entities: Unique, so that a user
	// with several matching addresses would still be listed once.
	users, err := quarry.Select(Users).Join(Addresses).Where(Addresses.EmailAddress.Eq("jack@google.com")).Unique().All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	t.say("The other join forms render as:")
	t.show(quarry.Select(Users).Join(Addresses, Users.ID.EqExpr(quarry.Deref(Addresses.UserID))))
	t.show(quarry.Select(Users).Join(Users.Addresses))
	t.show(quarry.Select(Users).Join(Users.Addresses.OfType(Addresses)))
	t.show(quarry.Select(Users).OuterJoin(Users.Addresses))
	t.show(quarry.Select2(Users, Addresses).SelectFrom(Addresses).Join(Users))
	return nil
}

func (t *tour) aliases() error {
	a1, a2 := quarry.Aliased(Addresses), quarry.Aliased(Addresses)
	rows, err := quarry.Select3(Users.Name, a1.EmailAddress, a2.EmailAddress).
		Join(Users.Addresses.OfType(a1)).
		Join(Users.Addresses.OfType(a2)).
		Where(a1.EmailAddress.Eq("jack@google.com")).
		Where(a2.EmailAddress.Eq("j25@yahoo.com")).All(t.ctx, t.s)
	if err != nil {
		return err
	}
	for _, r := range rows {
		t.say("%s %s %s", r.V1, r.V2, r.V3)
	}
	t.show(quarry.Select(Users.Name).Join(Users.Addresses.OfType(a1)))
	return nil
}

func (t *tour) subqueries() error {
	s, ctx := t.s, t.ctx
	addressCount := quarry.CountAll().Label("address_count")
	stmt := quarry.Select2(Addresses.UserID, addressCount).GroupBy(Addresses.UserID).Subquery()
	rows, err := quarry.Select2(Users, quarry.Nullable(quarry.Ref(stmt, addressCount))).
		OuterJoin(stmt, Users.ID.EqExpr(quarry.Deref(quarry.Ref(stmt, Addresses.UserID)))).
		OrderBy(Users.ID).All(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range rows {
		count := "None"
		if r.V2 != nil {
			count = formatArg(*r.V2)
		}
		t.say("%v %s", r.V1, count)
	}
	t.say("Selecting entities from subqueries:")
	sq := quarry.Select(Addresses).Where(Addresses.EmailAddress.Ne("j25@yahoo.com")).Subquery()
	adalias := quarry.Aliased(Addresses, quarry.FromSubquery(sq))
	pairs, err := quarry.Select2(Users, adalias).Join(Users.Addresses.OfType(adalias)).All(ctx, s)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		t.say("%v\n%v", p.V1, p.V2)
	}
	return nil
}

func (t *tour) exists() error {
	s, ctx := t.s, t.ctx
	for _, cond := range []quarry.Condition{
		quarry.ExistsWhere(Addresses.UserID.EqExpr(quarry.Nullable(Users.ID))),
		Users.Addresses.Any(),
		Users.Addresses.Any(quarry.Like(Addresses.EmailAddress, "%google%")),
	} {
		names, err := quarry.Select(Users.Name).Where(cond).All(ctx, s)
		if err != nil {
			return err
		}
		t.say("%v", names)
	}
	none, err := quarry.Select(Addresses).Where(quarry.Not(Addresses.User.Has(Users.Name.Eq("jack")))).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", none)
	return nil
}

func (t *tour) relationshipOperators() error {
	someuser, someaddress := t.jack, t.jack.Addresses[0]
	for _, c := range []quarry.Condition{
		Addresses.User.Eq(someuser),
		Addresses.User.Ne(someuser),
		Addresses.User.IsNull(),
		Addresses.User.Has(Users.Name.Eq("ed")),
		quarry.WithParent(someuser, Users.Addresses),
	} {
		t.show(quarry.Select(Addresses).Where(c))
	}
	for _, c := range []quarry.Condition{
		Users.Addresses.Contains(someaddress),
		Users.Addresses.Any(Addresses.EmailAddress.Eq("bar")),
	} {
		t.show(quarry.Select(Users).Where(c))
	}
	return nil
}

func (t *tour) eagerLoading() error {
	s, ctx := t.s, t.ctx
	// A fresh Session, so that the eager loads below have something to do.
	s.ExpungeAll()
	jack, err := quarry.Select(Users).Options(quarry.SelectIn(Users.Addresses)).
		Where(Users.Name.Eq("jack")).One(ctx, s)
	if err != nil {
		return err
	}
	t.say("jack = %v\njack.addresses = %v", jack, jack.Addresses)
	s.ExpungeAll()
	jack, err = quarry.Select(Users).Options(quarry.Joined(Users.Addresses)).
		Where(Users.Name.Eq("jack")).One(ctx, s)
	if err != nil {
		return err
	}
	t.say("jack = %v\njack.addresses = %v", jack, jack.Addresses)
	jacksAddresses, err := quarry.Select(Addresses).Join(Addresses.User).Where(Users.Name.Eq("jack")).
		Options(quarry.ContainsEager(Addresses.User)).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("jacks_addresses = %v\njacks_addresses[0].user = %v", jacksAddresses, jacksAddresses[0].User)
	t.jack = jack
	return nil
}

func (t *tour) deleting() error {
	s, ctx := t.s, t.ctx
	t.say("User.addresses has cascade all,delete-orphan: removing an address from the collection deletes it.")
	jack, err := quarry.Get(ctx, s, Users, t.jack.ID)
	if err != nil {
		return err
	}
	if err := Users.Addresses.Load(ctx, s, jack); err != nil {
		return err
	}
	jack.Addresses = jack.Addresses[:1]
	emails := []string{"jack@google.com", "j25@yahoo.com"}
	n, err := quarry.Select(Addresses).Where(Addresses.EmailAddress.In(emails...)).Count(ctx, s)
	if err != nil {
		return err
	}
	t.say("%d", n)
	t.say("Deleting jack deletes his remaining address too:")
	if err := s.Delete(jack); err != nil {
		return err
	}
	n, err = quarry.Select(Users).Where(Users.Name.Eq("jack")).Count(ctx, s)
	if err != nil {
		return err
	}
	t.say("%d", n)
	n, err = quarry.Select(Addresses).Where(Addresses.EmailAddress.In(emails...)).Count(ctx, s)
	if err != nil {
		return err
	}
	t.say("%d", n)
	return s.Commit(ctx)
}

func (t *tour) manyToMany() error {
	s, ctx := t.s, t.ctx
	wendy, err := quarry.Select(Users).Where(Users.Name.Eq("wendy")).One(ctx, s)
	if err != nil {
		return err
	}
	post := &BlogPost{Headline: "Wendy's Blog Post", Body: ptr("This is a test"), Author: wendy}
	if err := s.Add(post); err != nil {
		return err
	}
	post.Keywords = append(post.Keywords, &Keyword{Keyword: "wendy"}, &Keyword{Keyword: "firstpost"})
	withKeyword := Posts.Keywords.Any(Keywords.Keyword.Eq("firstpost"))
	posts, err := quarry.Select(Posts).Where(withKeyword).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", posts)
	posts, err = quarry.Select(Posts).Where(Posts.Author.Eq(wendy)).Where(withKeyword).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", posts)
	t.say("User.posts is dynamic: a typed query of wendy's posts, to filter further:")
	posts, err = Users.Posts.Query(wendy).Where(withKeyword).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", posts)
	return s.Commit(ctx)
}
