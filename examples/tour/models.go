package main

import (
	"fmt"

	"github.com/quarry-orm/quarry"
)

// The mappings of the 1.3 ORM tutorial (seed 000). Go maps statically, so
// every relationship the tutorial adds along the way is declared here up
// front, with the cascade the tutorial ends up configuring.

// User is a row of users.
type User struct {
	ID        int64
	Name      string
	Fullname  string
	Nickname  *string
	Addresses []*Address
	Posts     []*BlogPost
}

func (u *User) String() string {
	if u == nil {
		return "None"
	}
	nick := "None"
	if u.Nickname != nil {
		nick = *u.Nickname
	}
	return fmt.Sprintf("<User(name='%s', fullname='%s', nickname='%s')>", u.Name, u.Fullname, nick)
}

// UserTable maps User.
type UserTable struct {
	quarry.Entity[User]
	ID        quarry.Column[int64] `quarry:"id,pk"`
	Name      quarry.Column[string]
	Fullname  quarry.Column[string]
	Nickname  quarry.Column[*string]
	Addresses quarry.Many[User, Address]  `quarry:"order=id,back=User,cascade=all,delete-orphan"`
	Posts     quarry.Many[User, BlogPost] `quarry:"back=Author,lazy=dynamic"`
}

// Address is a row of addresses.
type Address struct {
	ID           int64
	EmailAddress string
	UserID       *int64
	User         *User
}

func (a *Address) String() string {
	if a == nil {
		return "None"
	}
	return fmt.Sprintf("<Address(email_address='%s')>", a.EmailAddress)
}

// AddressTable maps Address.
type AddressTable struct {
	quarry.Entity[Address]
	ID           quarry.Column[int64]      `quarry:"id,pk"`
	EmailAddress quarry.Column[string]     `quarry:"email_address"`
	UserID       quarry.Column[*int64]     `quarry:"user_id,fk=users.id"`
	User         quarry.One[Address, User] `quarry:"back=Addresses"`
}

// BlogPost is a row of posts.
type BlogPost struct {
	ID       int64
	UserID   *int64
	Headline string
	Body     *string
	Author   *User
	Keywords []*Keyword
}

func (p *BlogPost) String() string {
	body := "None"
	if p.Body != nil {
		body = "'" + *p.Body + "'"
	}
	return fmt.Sprintf("BlogPost(%q, %s, %v)", p.Headline, body, p.Author)
}

// BlogPostTable maps BlogPost.
type BlogPostTable struct {
	quarry.Entity[BlogPost]
	ID       quarry.Column[int64]                 `quarry:"id,pk"`
	UserID   quarry.Column[*int64]                `quarry:"user_id,fk=users.id"`
	Headline quarry.Column[string]                `quarry:"headline,len=255"`
	Body     quarry.Column[*string]               `quarry:"body,text"`
	Author   quarry.One[BlogPost, User]           `quarry:"back=Posts"`
	Keywords quarry.ManyToMany[BlogPost, Keyword] `quarry:"secondary=post_keywords,back=Posts"`
}

// Keyword is a row of keywords.
type Keyword struct {
	ID      int64
	Keyword string
	Posts   []*BlogPost
}

func (k *Keyword) String() string { return fmt.Sprintf("Keyword(%q)", k.Keyword) }

// KeywordTable maps Keyword.
type KeywordTable struct {
	quarry.Entity[Keyword]
	ID      quarry.Column[int64]                 `quarry:"id,pk"`
	Keyword quarry.Column[string]                `quarry:"keyword,len=50,unique"`
	Posts   quarry.ManyToMany[Keyword, BlogPost] `quarry:"secondary=post_keywords,back=Keywords"`
}

var (
	Users     = quarry.Table[User, UserTable]("users")
	Addresses = quarry.Table[Address, AddressTable]("addresses")
	Posts     = quarry.Table[BlogPost, BlogPostTable]("posts")
	Keywords  = quarry.Table[Keyword, KeywordTable]("keywords")
	// PostKeywords is the plain association table of posts and keywords.
	PostKeywords = quarry.Association("post_keywords",
		quarry.AssocColumn("post_id", "posts.id"),
		quarry.AssocColumn("keyword_id", "keywords.id"))
)

// The mappings of the 2.0 querying guide (seed 003).

// GUser is a row of user_account.
type GUser struct {
	ID        int64
	Name      string
	Fullname  string
	Addresses []*GAddress
	Orders    []*GOrder
}

func (u *GUser) String() string {
	return fmt.Sprintf("User(id=%d, name='%s', fullname='%s')", u.ID, u.Name, u.Fullname)
}

// GUserTable maps GUser.
type GUserTable struct {
	quarry.Entity[GUser]
	ID        quarry.Column[int64]  `quarry:"id,pk"`
	Name      quarry.Column[string] `quarry:"name,len=30"`
	Fullname  quarry.Column[string]
	Addresses quarry.Many[GUser, GAddress] `quarry:"back=User,order=id"`
	Orders    quarry.Many[GUser, GOrder]   `quarry:"order=id"`
}

// GAddress is a row of address.
type GAddress struct {
	ID           int64
	UserID       int64
	EmailAddress string
	User         *GUser
}

func (a *GAddress) String() string {
	return fmt.Sprintf("Address(id=%d, email_address='%s')", a.ID, a.EmailAddress)
}

// GAddressTable maps GAddress.
type GAddressTable struct {
	quarry.Entity[GAddress]
	ID           quarry.Column[int64] `quarry:"id,pk"`
	UserID       quarry.Column[int64] `quarry:"user_id,fk=user_account.id"`
	EmailAddress quarry.Column[string]
	User         quarry.One[GAddress, GUser] `quarry:"back=Addresses"`
}

// GOrder is a row of user_order.
type GOrder struct {
	ID     int64
	UserID int64
	Items  []*GItem
}

// GOrderTable maps GOrder.
type GOrderTable struct {
	quarry.Entity[GOrder]
	ID     quarry.Column[int64]             `quarry:"id,pk"`
	UserID quarry.Column[int64]             `quarry:"user_id,fk=user_account.id"`
	Items  quarry.ManyToMany[GOrder, GItem] `quarry:"secondary=order_items,order=id"`
}

// GItem is a row of item.
type GItem struct {
	ID          int64
	Description string
}

// GItemTable maps GItem.
type GItemTable struct {
	quarry.Entity[GItem]
	ID          quarry.Column[int64] `quarry:"id,pk"`
	Description quarry.Column[string]
}

var (
	GUsers     = quarry.Table[GUser, GUserTable]("user_account")
	GAddresses = quarry.Table[GAddress, GAddressTable]("address")
	GOrders    = quarry.Table[GOrder, GOrderTable]("user_order")
	GItems     = quarry.Table[GItem, GItemTable]("item")
	// OrderItems is the association table of orders and items.
	OrderItems = quarry.Association("order_items",
		quarry.AssocColumn("order_id", "user_order.id"),
		quarry.AssocColumn("item_id", "item.id"))
)
