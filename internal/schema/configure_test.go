package schema_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/internal/errs"
	"github.com/quarry-orm/quarry/internal/schema"
)

type cfgUser struct{ ID int64 }

type cfgAddress struct {
	ID     int64
	UserID int64
}

type cfgUserTable struct{}

// cfgTable builds a schema table with an integer primary key "id" and
// the given foreign-key columns ({"name", "table.column"}).
func cfgTable(name string, goType reflect.Type, fks ...[2]string) *schema.Table {
	t := &schema.Table{Name: name, GoType: goType, StructType: reflect.TypeFor[cfgUserTable](), ByName: map[string]*schema.Column{}}
	add := func(c *schema.Column) {
		c.Table = t
		t.Columns = append(t.Columns, c)
		t.ByName[c.Name] = c
	}
	id := &schema.Column{Name: "id", Field: "ID", GoType: reflect.TypeFor[int64](), PK: true}
	add(id)
	t.PK = []*schema.Column{id}
	for _, fk := range fks {
		add(&schema.Column{Name: fk[0], Field: fk[0], GoType: reflect.TypeFor[int64](), FK: &schema.ForeignKey{Ref: fk[1]}})
	}
	return t
}

func cfgCatalog(tables []*schema.Table, rels []*schema.Relationship) schema.Catalog {
	return schema.Catalog{
		Tables: tables, Relationships: rels,
		ByType: func(rt reflect.Type) *schema.Table {
			for _, t := range tables {
				if t.GoType == rt {
					return t
				}
			}
			return nil
		},
		ByName: func(n string) *schema.Table {
			for _, t := range tables {
				if t.Name == n {
					return t
				}
			}
			return nil
		},
	}
}

// A pass with mistakes reports all of them and marks nothing resolved;
// once they are fixed, the next pass resolves everything, links both
// directions and marks them resolved.
func TestConfigureReportsEverythingAndResolvesOnlyWhenClean(t *testing.T) {
	is := is.New(t)
	users := cfgTable("users", reflect.TypeFor[cfgUser]())
	addresses := cfgTable("addresses", reflect.TypeFor[cfgAddress](), [2]string{"user_id", "userz.id"})
	toAddr := &schema.Relationship{Name: "Addresses", Owner: users, Kind: schema.KindMany, TargetType: reflect.TypeFor[cfgAddress](), BackName: "User"}
	toUser := &schema.Relationship{Name: "User", Owner: addresses, Kind: schema.KindOne, Scalar: true, TargetType: reflect.TypeFor[cfgUser](), BackName: "Addresses"}
	toNowhere := &schema.Relationship{Name: "Orders", Owner: users, Kind: schema.KindMany, TargetType: reflect.TypeFor[struct{ X int }]()}
	tables := []*schema.Table{users, addresses}

	err := schema.Configure(cfgCatalog(tables, []*schema.Relationship{toAddr, toUser, toNowhere}))
	is.True(errors.Is(err, errs.ErrMapping))
	msg := err.Error()
	is.True(strings.Contains(msg, `names table "userz", which is not mapped`)) // the foreign key
	is.True(strings.Contains(msg, "no foreign key links"))                     // both relationships over it
	is.True(strings.Contains(msg, "is not mapped: map it"))                    // the unmapped target
	for _, r := range []*schema.Relationship{toAddr, toUser, toNowhere} {
		is.True(!r.Resolved)
	}
	is.True(!users.Configured && !addresses.Configured)

	addresses.ByName["user_id"].FK.Ref = "users.id"
	is.NoErr(schema.Configure(cfgCatalog(tables, []*schema.Relationship{toAddr, toUser})))
	is.Equal(toAddr.Dir, schema.DirOneToMany)
	is.Equal(toUser.Dir, schema.DirManyToOne)
	is.Equal(toAddr.Target, addresses)
	is.Equal(toUser.Target, users)
	is.Equal(toAddr.Back, toUser)
	is.Equal(toUser.Back, toAddr)
	is.Equal(toAddr.Pairs, []schema.KeyPair{{Ref: users.PK[0], FK: addresses.ByName["user_id"]}})
	is.True(toAddr.Resolved && toUser.Resolved && users.Configured && addresses.Configured)

	// A resolved relationship is never written again, even by a pass that
	// fails on something else.
	err = schema.Configure(cfgCatalog(tables, []*schema.Relationship{toAddr, toUser, toNowhere}))
	is.True(err != nil)
	is.Equal(toAddr.Target, addresses)
	is.Equal(toAddr.Back, toUser)
}
