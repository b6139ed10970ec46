package quarry_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Column groups: an embedded struct and named struct fields of the
// entity, mapped by groups of Columns in the table struct, with Go-side
// defaults for the timestamps.

type EmStamps struct {
	CreatedAt time.Time
	UpdatedAt time.Time
}

type EmStampColumns struct {
	CreatedAt quarry.Column[time.Time]
	UpdatedAt quarry.Column[time.Time]
}

type EmAddress struct {
	Street string
	City   string
}

type EmAddressColumns struct {
	Street quarry.Column[string]
	City   quarry.Column[string]
}

type EmCustomer struct {
	ID   int64
	Name string
	EmStamps
	Billing  EmAddress
	Shipping EmAddress
}

type EmCustomerTable struct {
	quarry.Entity[EmCustomer]
	ID   quarry.Column[int64] `quarry:"id,pk,noauto"`
	Name quarry.Column[string]
	EmStampColumns
	Billing  EmAddressColumns
	Shipping EmAddressColumns `quarry:"prefix=ship_"`
}

// emClock is the tests' clock: each call is one second later.
var emClock struct {
	sync.Mutex
	t time.Time
}

func emNow() time.Time {
	emClock.Lock()
	defer emClock.Unlock()
	emClock.t = emClock.t.Add(time.Second)
	return emClock.t
}

func emResetClock() {
	emClock.Lock()
	defer emClock.Unlock()
	emClock.t = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
}

func (c *EmCustomerTable) Defaults() []quarry.ColumnDefault {
	return []quarry.ColumnDefault{
		quarry.OnInsert(c.CreatedAt, emNow),
		quarry.OnInsert(c.UpdatedAt, emNow),
		quarry.OnUpdate(c.UpdatedAt, emNow),
	}
}

var EmCustomers = quarry.Table[EmCustomer, EmCustomerTable]("em_customers")

func at(sec int) time.Time { return time.Date(2026, 1, 1, 12, 0, sec, 0, time.UTC) }

func TestColumnGroupsAndDefaults(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		emResetClock()
		is.NoErr(db.CreateAll(ctx, EmCustomers))

		s := db.Session()
		defer s.Close(ctx)
		krabs := &EmCustomer{ID: 1, Name: "krabs",
			Billing: EmAddress{"831 Bottom Feeder Lane", "Bikini Bottom"}, Shipping: EmAddress{"Krusty Krab", "Bikini Bottom"}}
		is.NoErr(s.Add(krabs))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		var sent []string
		for _, st := range log.Statements() {
			sent = append(sent, normSQL(st))
		}
		is.Equal(sent, sqlList("BEGIN",
			"INSERT INTO em_customers (id, name, created_at, updated_at, billing_street, billing_city, ship_street, ship_city) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			"COMMIT"))
		is.Equal(krabs.CreatedAt, at(1))
		is.Equal(krabs.UpdatedAt, at(2))

		// A change refreshes updated_at, in the same UPDATE.
		krabs.Shipping.City = "Rock Bottom"
		log.Reset()
		is.NoErr(s.Commit(ctx))
		sent = nil
		for _, st := range log.Statements() {
			sent = append(sent, normSQL(st))
		}
		is.Equal(sent[len(sent)-2], normSQL("UPDATE em_customers SET updated_at = ?, ship_city = ? WHERE em_customers.id = ?"))
		is.Equal(krabs.UpdatedAt, at(3))

		// A value the program set is written as it is.
		krabs.Name = "eugene"
		krabs.UpdatedAt = at(30)
		is.NoErr(s.Commit(ctx))

		got, err := quarry.Select(EmCustomers).Where(EmCustomers.Shipping.City.Eq("Rock Bottom"),
			EmCustomers.Billing.City.Eq("Bikini Bottom")).One(ctx, db)
		is.NoErr(err)
		is.Equal(got.Name, "eugene")
		is.Equal(got.CreatedAt.UTC(), at(1))
		is.Equal(got.UpdatedAt.UTC(), at(30))
		is.Equal(got.Billing, EmAddress{"831 Bottom Feeder Lane", "Bikini Bottom"})
		is.Equal(got.Shipping, EmAddress{"Krusty Krab", "Rock Bottom"})

		// An object with no change is not UPDATEd.
		log.Reset()
		is.NoErr(s.Commit(ctx))
		for _, st := range log.Statements() {
			is.True(!strings.HasPrefix(st, "UPDATE"))
		}

		// A failed INSERT gives the defaults back: the object is as the
		// program left it, and the next flush sets them again.
		s2 := db.Session()
		defer s2.Close(ctx)
		dup := &EmCustomer{ID: 1, Name: "dup"}
		is.NoErr(s2.Add(dup))
		err = s2.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrUniqueViolation))
		is.True(dup.CreatedAt.IsZero())
		dup.ID = 2
		is.NoErr(s2.Commit(ctx))
		is.True(!dup.CreatedAt.IsZero())

		// Insert(...).Values applies OnInsert to the objects it writes.
		plankton := &EmCustomer{ID: 3, Name: "plankton"}
		_, err = quarry.Insert(EmCustomers).Values(plankton).Exec(ctx, db)
		is.NoErr(err)
		is.True(!plankton.CreatedAt.IsZero())
		row, err := quarry.Select(EmCustomers.CreatedAt).Where(EmCustomers.ID.Eq(3)).One(ctx, db)
		is.NoErr(err)
		is.Equal(row.UTC(), plankton.CreatedAt)

		// An UPDATE statement that does not set updated_at sets it too,
		// with the value of its execution; one that sets it keeps its own.
		log.Reset()
		_, err = quarry.Update(EmCustomers).Set(quarry.Set(EmCustomers.Name, "sheldon")).Where(EmCustomers.ID.Eq(3)).Exec(ctx, db)
		is.NoErr(err)
		is.Equal(normSQL(log.Statements()[0]), normSQL("UPDATE em_customers SET name = ?, updated_at = ? WHERE em_customers.id = ?"))
		stamp, err := quarry.Select(EmCustomers.UpdatedAt).Where(EmCustomers.ID.Eq(3)).One(ctx, db)
		is.NoErr(err)
		is.True(stamp.After(plankton.UpdatedAt))
		_, err = quarry.Update(EmCustomers).Set(quarry.Set(EmCustomers.UpdatedAt, at(50))).Where(EmCustomers.ID.Eq(3)).Exec(ctx, db)
		is.NoErr(err)
		stamp, err = quarry.Select(EmCustomers.UpdatedAt).Where(EmCustomers.ID.Eq(3)).One(ctx, db)
		is.NoErr(err)
		is.Equal(stamp.UTC(), at(50))
	})
}

// Mapping mistakes with groups and defaults are errors naming the field.
type (
	EmPtr      struct{ ID int64 }
	EmPtrOuter struct {
		*EmStamps
		ID int64
	}
	EmPtrTable struct {
		quarry.Entity[EmPtrOuter]
		ID quarry.Column[int64] `quarry:"id,pk"`
		EmStampColumns
	}
	EmNoField      struct{ ID int64 }
	EmNoFieldTable struct {
		quarry.Entity[EmNoField]
		ID      quarry.Column[int64] `quarry:"id,pk"`
		Billing EmAddressColumns
	}
	EmBadTag      struct{ ID int64 }
	EmBadTagTable struct {
		quarry.Entity[EmNoField]
		ID      quarry.Column[int64] `quarry:"id,pk"`
		Billing EmAddressColumns     `quarry:"pfx=x"`
	}
	EmPKUpdate      struct{ ID int64 }
	EmPKUpdateTable struct {
		quarry.Entity[EmPKUpdate]
		ID quarry.Column[int64] `quarry:"id,pk"`
	}
	EmOtherDefault      struct{ ID int64 }
	EmOtherDefaultTable struct {
		quarry.Entity[EmOtherDefault]
		ID quarry.Column[int64] `quarry:"id,pk"`
	}
)

func (t *EmPKUpdateTable) Defaults() []quarry.ColumnDefault {
	return []quarry.ColumnDefault{quarry.OnUpdate(t.ID, func() int64 { return 1 })}
}

func (t *EmOtherDefaultTable) Defaults() []quarry.ColumnDefault {
	return []quarry.ColumnDefault{quarry.OnInsert(EmCustomers.Name, func() string { return "x" })}
}

func TestColumnGroupErrors(t *testing.T) {
	is := is.New(t)
	_, err := quarry.TableIn[EmPtrOuter, EmPtrTable](quarry.NewMetadata(), "em_ptr")
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "embedded pointer EmStamps"))

	_, err = quarry.TableIn[EmNoField, EmNoFieldTable](quarry.NewMetadata(), "em_nofield")
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "EmNoFieldTable.Billing"))
	is.True(strings.Contains(err.Error(), "no field Billing"))

	_, err = quarry.TableIn[EmNoField, EmBadTagTable](quarry.NewMetadata(), "em_badtag")
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), `"pfx"`))

	md := quarry.NewMetadata()
	_, err = quarry.TableIn[EmPKUpdate, EmPKUpdateTable](md, "em_pkupdate")
	is.NoErr(err)
	err = md.Configure()
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "OnUpdate(id)"))

	md = quarry.NewMetadata()
	_, err = quarry.TableIn[EmOtherDefault, EmOtherDefaultTable](md, "em_otherdefault")
	is.NoErr(err)
	err = md.Configure()
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), `not of table "em_otherdefault"`))
}
