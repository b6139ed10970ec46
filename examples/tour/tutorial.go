package main

import (
	"errors"
	"fmt"

	"github.com/quarry-orm/quarry"
)

// tutorial follows SQLAlchemy's 1.3 ORM tutorial, section by section.
func (t *tour) tutorial() error {
	steps := []struct {
		title string
		run   func() error
	}{
		{"Create a schema", t.createSchema},
		{"Adding and updating objects", t.addAndUpdate},
		{"Rolling back", t.rollingBack},
		{"Querying", t.querying},
		{"Returning lists and scalars", t.listsAndScalars},
		{"Using textual SQL", t.textualSQL},
		{"Counting", t.counting},
		{"Working with related objects", t.relatedObjects},
		{"Querying with joins", t.joins},
		{"Using aliases", t.aliases},
		{"Using subqueries", t.subqueries},
		{"Using EXISTS", t.exists},
		{"Common relationship operators", t.relationshipOperators},
		{"Eager loading", t.eagerLoading},
		{"Deleting", t.deleting},
		{"Building a many-to-many relationship", t.manyToMany},
		{"Detached objects and Merge", t.detachedObjects},
	}
	t.s = t.db.Session()
	defer t.s.Close(t.ctx)
	for _, st := range steps {
		t.section(st.title)
		if err := st.run(); err != nil {
			return fmt.Errorf("%s: %w", st.title, err)
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func (t *tour) createSchema() error {
	t.say("CreateAll reads the existing tables (any that differ from the mapping is an error), then creates those that do not exist yet, parents first:")
	return t.db.CreateAll(t.ctx, Users, Addresses, Posts, Keywords, PostKeywords)
}

func (t *tour) addAndUpdate() error {
	s := t.s
	t.ed = &User{Name: "ed", Fullname: "Ed Jones", Nickname: ptr("edsnickname")}
	if err := s.Add(t.ed); err != nil {
		return err
	}
	t.say("Querying for ed flushes the pending INSERT first (autoflush):")
	ourUser, err := quarry.Select(Users).Where(Users.Name.Eq("ed")).First(t.ctx, s)
	if err != nil {
		return err
	}
	t.say("our_user = %v", ourUser)
	t.say("ed_user is our_user: %v", ourUser == t.ed)

	if err := s.Add(
		&User{Name: "wendy", Fullname: "Wendy Williams", Nickname: ptr("windy")},
		&User{Name: "mary", Fullname: "Mary Contrary", Nickname: ptr("mary")},
		&User{Name: "fred", Fullname: "Fred Flintstone", Nickname: ptr("freddy")},
	); err != nil {
		return err
	}
	t.ed.Nickname = ptr("eddie")
	t.say("session.dirty: %v", s.Dirty())
	t.say("session.new: %v", s.New())
	if err := s.Commit(t.ctx); err != nil {
		return err
	}
	t.say("ed_user.id = %d", t.ed.ID)
	return nil
}

func (t *tour) rollingBack() error {
	s := t.s
	t.ed.Name = "Edwardo"
	fake := &User{Name: "fakeuser", Fullname: "Invalid", Nickname: ptr("12345")}
	if err := s.Add(fake); err != nil {
		return err
	}
	users, err := quarry.Select(Users).Where(Users.Name.In("Edwardo", "fakeuser")).All(t.ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	if err := s.Rollback(t.ctx); err != nil {
		return err
	}
	t.say("ed_user.name = %q", t.ed.Name)
	t.say("fake_user in session: %v", s.Contains(fake))
	users, err = quarry.Select(Users).Where(Users.Name.In("ed", "fakeuser")).All(t.ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", users)
	return nil
}

func (t *tour) querying() error {
	s, ctx := t.s, t.ctx
	users, err := quarry.Select(Users).OrderBy(Users.ID).All(ctx, s)
	if err != nil {
		return err
	}
	for _, u := range users {
		t.say("%s %s", u.Name, u.Fullname)
	}
	rows, err := quarry.Select2(Users.Name, Users.Fullname).All(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range rows {
		t.say("%s %s", r.V1, r.V2)
	}
	both, err := quarry.Select2(Users, Users.Name).All(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range both {
		t.say("%v %s", r.V1, r.V2)
	}
	labels, err := quarry.Select(Users.Name.Label("name_label")).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", labels)
	userAlias := quarry.Aliased(Users, quarry.AliasName("user_alias"))
	aliased, err := quarry.Select2(userAlias, userAlias.Name).All(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range aliased {
		t.say("%v", r.V1)
	}
	t.say("LIMIT and OFFSET ([1:3]):")
	sliced, err := quarry.Select(Users).OrderBy(Users.ID).Limit(2).Offset(1).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", sliced)
	names, err := quarry.Select(Users.Name).Where(Users.Fullname.Eq("Ed Jones")).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", names)
	eds, err := quarry.Select(Users).Where(Users.Name.Eq("ed")).Where(Users.Fullname.Eq("Ed Jones")).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", eds)

	t.say("Common filter operators render as:")
	for _, c := range []quarry.Condition{
		Users.Name.Eq("ed"),
		Users.Name.Ne("ed"),
		quarry.Like(Users.Name, "%ed%"),
		quarry.ILike(Users.Name, "%ed%"),
		Users.Name.In("ed", "wendy", "jack"),
		Users.Name.InSelect(quarry.Select(Users.Name).Where(quarry.Like(Users.Name, "%ed%"))),
		quarry.Tuple(Users.Name, Users.Nickname).In(
			quarry.Row2[string, *string]{V1: "ed", V2: ptr("edsnickname")},
			quarry.Row2[string, *string]{V1: "wendy", V2: ptr("windy")}),
		Users.Name.NotIn("ed", "wendy", "jack"),
		Users.Nickname.Eq(nil),
		Users.Nickname.Ne(nil),
		quarry.And(Users.Name.Eq("ed"), Users.Fullname.Eq("Ed Jones")),
		quarry.Or(Users.Name.Eq("ed"), Users.Name.Eq("wendy")),
	} {
		t.show(quarry.Select(Users.ID).Where(c))
	}
	return nil
}

func (t *tour) listsAndScalars() error {
	s, ctx := t.s, t.ctx
	query := quarry.Select(Users).Where(quarry.Like(Users.Name, "%ed")).OrderBy(Users.ID)
	all, err := query.All(ctx, s)
	if err != nil {
		return err
	}
	t.say("all: %v", all)
	first, err := query.First(ctx, s)
	if err != nil {
		return err
	}
	t.say("first: %v", first)
	_, err = query.One(ctx, s)
	t.say("one: %v (errors.Is ErrMultipleResults: %v)", err, errors.Is(err, quarry.ErrMultipleResults))
	_, err = query.Where(Users.ID.Eq(99)).One(ctx, s)
	t.say("one: %v (errors.Is ErrNoResult: %v)", err, errors.Is(err, quarry.ErrNoResult))
	_, ok, err := query.Where(Users.ID.Eq(99)).OneOrNone(ctx, s)
	if err != nil {
		return err
	}
	t.say("one_or_none found a row: %v", ok)
	id, err := quarry.Select(Users.ID).Where(Users.Name.Eq("ed")).OrderBy(Users.ID).Scalar(ctx, s)
	if err != nil {
		return err
	}
	t.say("scalar: %d", id)
	return nil
}

func (t *tour) textualSQL() error {
	s, ctx := t.s, t.ctx
	users, err := quarry.Select(Users).Where(quarry.Text("id<224")).OrderBy(quarry.Text("id")).All(ctx, s)
	if err != nil {
		return err
	}
	for _, u := range users {
		t.say("%s", u.Name)
	}
	fred, err := quarry.Select(Users).Where(quarry.Text("id<:value and name=:name")).
		Bind("value", 224).Bind("name", "fred").OrderBy(Users.ID).One(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", fred)
	eds, err := quarry.Select(Users).FromText(
		quarry.Text("SELECT * FROM users where name=:name").Bind("name", "ed")).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", eds)
	stmt := quarry.Text("SELECT name, id, fullname, nickname FROM users where name=:name").
		Columns(Users.Name, Users.ID, Users.Fullname, Users.Nickname)
	eds, err = quarry.Select(Users).FromText(stmt.Bind("name", "ed")).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", eds)
	pairs, err := quarry.Select2(Users.ID, Users.Name).FromText(
		quarry.Text("SELECT name, id FROM users where name=:name").Columns(Users.Name, Users.ID).Bind("name", "ed")).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", pairs)
	return nil
}

func (t *tour) counting() error {
	s, ctx := t.s, t.ctx
	n, err := quarry.Select(Users).Where(quarry.Like(Users.Name, "%ed")).Count(ctx, s)
	if err != nil {
		return err
	}
	t.say("%d", n)
	counts, err := quarry.Select2(quarry.Count(Users.Name), Users.Name).GroupBy(Users.Name).OrderBy(Users.Name).All(ctx, s)
	if err != nil {
		return err
	}
	t.say("%v", counts)
	n, err = quarry.Select(quarry.CountAll()).SelectFrom(Users).Scalar(ctx, s)
	if err != nil {
		return err
	}
	t.say("%d", n)
	n, err = quarry.Select(quarry.Count(Users.ID)).Scalar(ctx, s)
	if err != nil {
		return err
	}
	t.say("%d", n)
	return nil
}
