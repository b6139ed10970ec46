package quarry_test

// Shared fixtures for the seed documents. The mapping registry is global
// to the test binary, so these tables belong to this file; other test
// files reuse them:
//
//   - the 2.0 querying guide (seed 003): user_account, address,
//     user_order, item, order_items (Go types G...), data in loadGuide;
//   - the 1.3 ORM tutorial (seed 000): users, addresses, posts, keywords,
//     post_keywords (Go types T...), data in loadTutorial.

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/quarry-orm/quarry"
)

// GUser is the 2.0 guide's User.
type GUser struct {
	ID        int64
	Name      string
	Fullname  string
	Addresses []*GAddress
	Orders    []*GOrder
}

// GUserTable maps GUser to user_account.
type GUserTable struct {
	quarry.Entity[GUser]
	ID        quarry.Column[int64]  `quarry:"id,pk"`
	Name      quarry.Column[string] `quarry:"name,len=30"`
	Fullname  quarry.Column[string]
	Addresses quarry.Many[GUser, GAddress] `quarry:"back=User,order=id"`
	Orders    quarry.Many[GUser, GOrder]   `quarry:"order=id"`
}

// GAddress is the 2.0 guide's Address.
type GAddress struct {
	ID           int64
	UserID       int64
	EmailAddress string
	User         *GUser
}

// GAddressTable maps GAddress to address.
type GAddressTable struct {
	quarry.Entity[GAddress]
	ID           quarry.Column[int64] `quarry:"id,pk"`
	UserID       quarry.Column[int64] `quarry:"user_id,fk=user_account.id"`
	EmailAddress quarry.Column[string]
	User         quarry.One[GAddress, GUser] `quarry:"back=Addresses"`
}

// GOrder is the 2.0 guide's Order.
type GOrder struct {
	ID     int64
	UserID int64
	Items  []*GItem
}

// GOrderTable maps GOrder to user_order.
type GOrderTable struct {
	quarry.Entity[GOrder]
	ID     quarry.Column[int64]             `quarry:"id,pk"`
	UserID quarry.Column[int64]             `quarry:"user_id,fk=user_account.id"`
	Items  quarry.ManyToMany[GOrder, GItem] `quarry:"secondary=order_items,order=id"`
}

// GItem is the 2.0 guide's Item.
type GItem struct {
	ID          int64
	Description string
}

// GItemTable maps GItem to item.
type GItemTable struct {
	quarry.Entity[GItem]
	ID          quarry.Column[int64] `quarry:"id,pk"`
	Description quarry.Column[string]
}

// The 2.0 guide's tables. Item is mapped after Order refers to it, and the
// association table before both, to show that order does not matter.
var (
	GOrderItems = quarry.Association("order_items",
		quarry.AssocColumn("order_id", "user_order.id"),
		quarry.AssocColumn("item_id", "item.id"))
	GUsers     = quarry.Table[GUser, GUserTable]("user_account")
	GAddresses = quarry.Table[GAddress, GAddressTable]("address")
	GOrders    = quarry.Table[GOrder, GOrderTable]("user_order")
	GItems     = quarry.Table[GItem, GItemTable]("item")
)

// TUser is the 1.3 tutorial's User.
type TUser struct {
	ID        int64
	Name      string
	Fullname  string
	Nickname  string
	Addresses []*TAddress
	Posts     []*TPost
}

// TUserTable maps TUser to users.
type TUserTable struct {
	quarry.Entity[TUser]
	ID        quarry.Column[int64] `quarry:"id,pk"`
	Name      quarry.Column[string]
	Fullname  quarry.Column[string]
	Nickname  quarry.Column[string]
	Addresses quarry.Many[TUser, TAddress] `quarry:"order=id,back=User,cascade=all,delete,delete-orphan"`
	Posts     quarry.Many[TUser, TPost]    `quarry:"back=Author,lazy=dynamic"`
}

// TAddress is the 1.3 tutorial's Address.
type TAddress struct {
	ID           int64
	EmailAddress string
	UserID       *int64
	User         *TUser
}

// TAddressTable maps TAddress to addresses.
type TAddressTable struct {
	quarry.Entity[TAddress]
	ID           quarry.Column[int64] `quarry:"id,pk"`
	EmailAddress quarry.Column[string]
	UserID       quarry.Column[*int64]       `quarry:"user_id,fk=users.id"`
	User         quarry.One[TAddress, TUser] `quarry:"back=Addresses"`
}

// TPost is the 1.3 tutorial's BlogPost.
type TPost struct {
	ID       int64
	UserID   *int64
	Headline string
	Body     *string
	Author   *TUser
	Keywords []*TKeyword
}

// TPostTable maps TPost to posts.
type TPostTable struct {
	quarry.Entity[TPost]
	ID       quarry.Column[int64]               `quarry:"id,pk"`
	UserID   quarry.Column[*int64]              `quarry:"user_id,fk=users.id"`
	Headline quarry.Column[string]              `quarry:"headline,len=255"`
	Body     quarry.Column[*string]             `quarry:"body,text"`
	Author   quarry.One[TPost, TUser]           `quarry:"back=Posts"`
	Keywords quarry.ManyToMany[TPost, TKeyword] `quarry:"secondary=post_keywords,back=Posts"`
}

// TKeyword is the 1.3 tutorial's Keyword.
type TKeyword struct {
	ID      int64
	Keyword string
	Posts   []*TPost
}

// TKeywordTable maps TKeyword to keywords.
type TKeywordTable struct {
	quarry.Entity[TKeyword]
	ID      quarry.Column[int64]               `quarry:"id,pk"`
	Keyword quarry.Column[string]              `quarry:"keyword,len=50,unique"`
	Posts   quarry.ManyToMany[TKeyword, TPost] `quarry:"secondary=post_keywords,back=Keywords"`
}

// The tutorial's tables.
var (
	TUsers        = quarry.Table[TUser, TUserTable]("users")
	TAddresses    = quarry.Table[TAddress, TAddressTable]("addresses")
	TPosts        = quarry.Table[TPost, TPostTable]("posts")
	TKeywords     = quarry.Table[TKeyword, TKeywordTable]("keywords")
	TPostKeywords = quarry.Association("post_keywords",
		quarry.AssocColumn("post_id", "posts.id"),
		quarry.AssocColumn("keyword_id", "keywords.id"))
)

// loadGuide creates the 2.0 guide's tables with the data its examples
// print.
func loadGuide(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, GUsers, GAddresses, GOrders, GItems, GOrderItems); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []*quarry.TextClause{
		quarry.Text(`INSERT INTO user_account (id, name, fullname) VALUES
			(1, 'spongebob', 'Spongebob Squarepants'), (2, 'sandy', 'Sandy Cheeks'),
			(3, 'patrick', 'Patrick Star'), (4, 'squidward', 'Squidward Tentacles'),
			(5, 'ehkrabs', 'Eugene H. Krabs')`),
		quarry.Text(`INSERT INTO address (id, user_id, email_address) VALUES
			(1, 1, 'spongebob@sqlalchemy.org'), (2, 2, 'sandy@sqlalchemy.org'),
			(3, 2, 'squirrel@squirrelpower.org'), (4, 3, 'pat999@aol.com'),
			(5, 4, 'stentcl@sqlalchemy.org')`),
		quarry.Text(`INSERT INTO user_order (id, user_id) VALUES (1, 1), (2, 1), (3, 2)`),
		quarry.Text(`INSERT INTO item (id, description) VALUES (1, 'widget'), (2, 'gizmo'), (3, 'doohickey')`),
		quarry.Text(`INSERT INTO order_items (order_id, item_id) VALUES (1, 1), (1, 2), (2, 2), (3, 3)`),
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
}

// loadTutorial creates the 1.3 tutorial's tables with its data as of the
// many-to-many section: five users, Jack's two addresses, Wendy's post
// with its two keywords.
func loadTutorial(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, TUsers, TAddresses, TPosts, TKeywords, TPostKeywords); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []*quarry.TextClause{
		quarry.Text(`INSERT INTO users (id, name, fullname, nickname) VALUES
			(1, 'ed', 'Ed Jones', 'eddie'), (2, 'wendy', 'Wendy Williams', 'windy'),
			(3, 'mary', 'Mary Contrary', 'mary'), (4, 'fred', 'Fred Flintstone', 'freddy'),
			(5, 'jack', 'Jack Bean', 'gjffdd')`),
		quarry.Text(`INSERT INTO addresses (id, email_address, user_id) VALUES
			(1, 'jack@google.com', 5), (2, 'j25@yahoo.com', 5)`),
		quarry.Text(`INSERT INTO posts (id, user_id, headline, body) VALUES (1, 2, 'Wendy''s Blog Post', 'This is a test')`),
		quarry.Text(`INSERT INTO keywords (id, keyword) VALUES (1, 'wendy'), (2, 'firstpost')`),
		quarry.Text(`INSERT INTO post_keywords (post_id, keyword_id) VALUES (1, 1), (1, 2)`),
	} {
		if _, err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
}

var (
	spaces      = regexp.MustCompile(`\s+`)
	placeholder = regexp.MustCompile(`\$\d+|:[a-z_]+_\d+\b|\?`)
)

// normSQL makes SQL from the seeds and from String() comparable: one
// space between tokens, every placeholder as ?, identifiers unquoted, no
// space inside parentheses.
func normSQL(s string) string {
	s = placeholder.ReplaceAllString(strings.ReplaceAll(s, `"`, ""), "?")
	s = spaces.ReplaceAllString(strings.TrimSpace(s), " ")
	s = strings.ReplaceAll(s, "( ", "(")
	return strings.ReplaceAll(s, " )", ")")
}

// stringer is what every statement offers.
type stringer interface{ String() string }

// assertSQL checks the SQL shape of a statement.
func assertSQL(t *testing.T, stmt stringer, want string) {
	t.Helper()
	if got, w := normSQL(stmt.String()), normSQL(want); got != w {
		t.Errorf("SQL mismatch\n got: %s\nwant: %s", got, w)
	}
}

func emails(as []*GAddress) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.EmailAddress
	}
	return out
}

func names(us []*GUser) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Name
	}
	return out
}
