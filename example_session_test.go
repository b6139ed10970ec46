package quarry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// exampleTutorialDB opens an in-memory database with the tutorial's
// tables, and ed and jack with their addresses, written through a Session.
func exampleTutorialDB(opts ...quarry.OpenOption) *quarry.DB {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:", opts...)
	if err != nil {
		panic(err)
	}
	if err := db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords); err != nil {
		panic(err)
	}
	err = db.Transaction(ctx, func(s *quarry.Session) error {
		return quarry.AddAll(s, []*TUser{
			{Name: "ed", Fullname: "Ed Jones", Nickname: "eddie", Addresses: []*TAddress{{EmailAddress: "ed@google.com"}}},
			{Name: "jack", Fullname: "Jack Bean", Nickname: "gjffdd", Addresses: []*TAddress{
				{EmailAddress: "jack@google.com"}, {EmailAddress: "j25@yahoo.com"}}},
		})
	})
	if err != nil {
		panic(err)
	}
	return db
}

// A Session keeps one object per row (its identity map), finds what
// changed by comparing objects with their snapshots, and writes the
// changes before the next query (autoflush) or at Commit.
func ExampleSession() {
	ctx := context.Background()
	db := exampleTutorialDB()
	defer db.Close()
	s := db.Session()
	defer s.Close(ctx)

	wendy := &TUser{Name: "wendy", Fullname: "Wendy Williams", Nickname: "windy"}
	if err := s.Add(wendy); err != nil {
		panic(err)
	}
	fmt.Println("pending:", len(s.New()), "id before flush:", wendy.ID)

	// The query flushes the INSERT first, then finds the same object.
	found, err := quarry.Select(TUsers).Where(TUsers.Name.Eq("wendy")).One(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println("same object:", found == wendy, "id:", wendy.ID)

	ed, err := quarry.Get(ctx, s, TUsers, int64(1))
	if err != nil {
		panic(err)
	}
	ed.Nickname = "eddie2"
	fmt.Println("dirty:", s.IsModified(ed))
	if err := s.Commit(ctx); err != nil {
		panic(err)
	}
	nick, err := quarry.Select(TUsers.Nickname).Where(TUsers.ID.Eq(1)).One(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println("committed:", nick)
	// Output:
	// pending: 1 id before flush: 0
	// same object: true id: 3
	// dirty: true
	// committed: eddie2
}

// Rollback puts every object back as it was at the last commit and
// forgets the objects added since.
func ExampleSession_Rollback() {
	ctx := context.Background()
	db := exampleTutorialDB()
	defer db.Close()
	s := db.Session()
	defer s.Close(ctx)

	ed, err := quarry.Get(ctx, s, TUsers, int64(1))
	if err != nil {
		panic(err)
	}
	ed.Name = "Edwardo"
	fake := &TUser{Name: "fakeuser", Fullname: "Invalid", Nickname: "12345"}
	if err := s.Add(fake); err != nil {
		panic(err)
	}
	names, err := quarry.Select(TUsers.Name).Where(TUsers.Name.In("Edwardo", "fakeuser")).OrderBy(TUsers.ID).All(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println("before rollback:", names)
	if err := s.Rollback(ctx); err != nil {
		panic(err)
	}
	fmt.Println("after rollback:", ed.Name, s.Contains(fake))
	// Output:
	// before rollback: [Edwardo fakeuser]
	// after rollback: ed false
}

// Relationships join along their foreign keys and make EXISTS conditions.
func ExampleMany_Any() {
	ctx := context.Background()
	db := exampleTutorialDB()
	defer db.Close()

	q := quarry.Select(TUsers.Name).Where(TUsers.Addresses.Any(quarry.Like(TAddresses.EmailAddress, "%google%")))
	fmt.Println(q)
	names, err := q.OrderBy(TUsers.ID).All(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println(names)

	pairs, err := quarry.Select2(TUsers.Name, TAddresses.EmailAddress).Join(TUsers.Addresses).
		Where(quarry.Like(TAddresses.EmailAddress, "%yahoo%")).All(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println(pairs[0].V1, pairs[0].V2)
	// Output:
	// SELECT users.name FROM users WHERE EXISTS (SELECT 1 FROM addresses WHERE users.id = addresses.user_id AND addresses.email_address LIKE ?)
	// [ed jack]
	// jack j25@yahoo.com
}

// SelectIn loads a relationship of every object a statement returns with
// one more SELECT per level, however many objects there are.
func ExampleSelectIn() {
	ctx := context.Background()
	var statements int
	db := exampleTutorialDB(quarry.WithLogger(slog.New(countingHandler{&statements})))
	defer db.Close()
	s := db.Session()
	defer s.Close(ctx)

	statements = 0
	users, err := quarry.Select(TUsers).OrderBy(TUsers.ID).
		Options(quarry.SelectIn(TUsers.Addresses, quarry.SelectIn(TAddresses.User))).All(ctx, s)
	if err != nil {
		panic(err)
	}
	for _, u := range users {
		fmt.Print(u.Name, ":")
		for _, a := range u.Addresses {
			fmt.Print(" ", a.EmailAddress, " (", a.User.Name, ")")
		}
		fmt.Println()
	}
	fmt.Println("statements:", statements) // users, their addresses, the addresses' users (a Session that only reads sends no BEGIN)

	// Raise makes loading a relationship later an error: N+1 patterns fail loudly.
	users, err = quarry.Select(TUsers).Options(quarry.Raise(TUsers.Posts)).All(ctx, s)
	if err != nil {
		panic(err)
	}
	err = TUsers.Posts.Load(ctx, s, users...)
	fmt.Println(errors.Is(err, quarry.ErrRaiseLoad))
	// Output:
	// ed: ed@google.com (ed)
	// jack: jack@google.com (jack) j25@yahoo.com (jack)
	// statements: 3
	// true
}

// A join along a collection returns its parent once per child, as
// SQLAlchemy 2.0's select() does; Unique de-duplicates by identity, as
// 1.x's Query did.
func ExampleQuery_Unique() {
	ctx := context.Background()
	db := exampleTutorialDB()
	defer db.Close()
	s := db.Session()
	defer s.Close(ctx)

	q := quarry.Select(TUsers).Join(TUsers.Addresses).OrderBy(TAddresses.ID)
	rows, err := q.All(ctx, s)
	if err != nil {
		panic(err)
	}
	for _, u := range rows {
		fmt.Print(u.Name, " ")
	}
	fmt.Println("| the same jack:", rows[1] == rows[2])

	users, err := q.Unique().All(ctx, s)
	if err != nil {
		panic(err)
	}
	for i, u := range users {
		if i > 0 {
			fmt.Print(" ")
		}
		fmt.Print(u.Name)
	}
	fmt.Println()

	_, err = q.Where(TUsers.Name.Eq("jack")).One(ctx, s)
	fmt.Println(errors.Is(err, quarry.ErrMultipleResults))
	jack, err := q.Where(TUsers.Name.Eq("jack")).Unique().One(ctx, s)
	fmt.Println(jack.Fullname, err)
	// Output:
	// ed jack jack | the same jack: true
	// ed jack
	// true
	// Jack Bean <nil>
}

// Transaction runs a function in a Session and commits, or rolls back
// when the function fails.
func ExampleDB_Transaction() {
	ctx := context.Background()
	db := exampleTutorialDB()
	defer db.Close()

	err := db.Transaction(ctx, func(s *quarry.Session) error {
		if err := s.Add(&TUser{Name: "mary", Fullname: "Mary Contrary", Nickname: "mary"}); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	fmt.Println(err)
	n, err := quarry.Select(TUsers).Count(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println("users:", n)
	// Output:
	// changed my mind
	// users: 2
}

// countingHandler counts the statements a DB logs.
type countingHandler struct{ n *int }

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countingHandler) Handle(context.Context, slog.Record) error {
	*h.n++
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

// LoadOnly keeps wide rows cheap: the statement selects the columns named
// (and the primary key), the others are left unloaded at their zero
// value until Session.LoadColumns or a later statement reads them. A
// flush never writes an unloaded column the program left alone. Defer
// and Undefer, and the deferred column tag, work the same way.
func ExampleLoadOnly() {
	ctx := context.Background()
	db := exampleTutorialDB()
	defer db.Close()
	s := db.Session()
	defer s.Close(ctx)

	q := quarry.Select(TUsers).Options(quarry.LoadOnly(TUsers, TUsers.Name)).OrderBy(TUsers.ID)
	fmt.Println(q)
	users, err := q.All(ctx, s)
	if err != nil {
		panic(err)
	}
	ed := users[0]
	fmt.Printf("%s %q %v\n", ed.Name, ed.Fullname, s.Unloaded(ed))

	ed.Name = "eddie" // the UPDATE writes name only
	if err := s.Commit(ctx); err != nil {
		panic(err)
	}
	if err := s.LoadColumns(ctx, ed, "Fullname"); err != nil {
		panic(err)
	}
	fmt.Println(ed.Name, ed.Fullname)
	// Output:
	// SELECT users.id, users.name FROM users ORDER BY users.id
	// ed "" [Fullname Nickname]
	// eddie Ed Jones
}
