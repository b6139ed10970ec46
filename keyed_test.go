package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Tables with typed primary keys: one integer key, and a composite key of
// an integer and a string.

type KAccount struct {
	ID    int64
	Owner string
}

type KAccountTable struct {
	quarry.Keyed[KAccount, int64]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	Owner quarry.Column[string]
}

type KLine struct {
	OrderID int64
	SKU     string
	Qty     int32
}

type KLineTable struct {
	quarry.Keyed2[KLine, int64, string]
	OrderID quarry.Column[int64]  `quarry:"order_id,pk"`
	SKU     quarry.Column[string] `quarry:"sku,pk"`
	Qty     quarry.Column[int32]
}

var (
	KAccounts = quarry.Table[KAccount, KAccountTable]("keyed_account")
	KLines    = quarry.Table[KLine, KLineTable]("keyed_line")
)

// A Keyed table's Get selects by its typed key, then serves the object
// from the identity map without SQL; GetWith takes the statement's
// options. A Keyed2 table's Get takes both key parts, in column order.
func TestKeyedGet(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, KAccounts, KLines))
		_, err := quarry.Insert(KAccounts).Values(&KAccount{ID: 1, Owner: "ed"}, &KAccount{ID: 2, Owner: "wendy"}).Exec(ctx, db)
		is.NoErr(err)
		_, err = quarry.Insert(KLines).Values(&KLine{OrderID: 7, SKU: "a", Qty: 1}, &KLine{OrderID: 7, SKU: "b", Qty: 2}, &KLine{OrderID: 8, SKU: "a", Qty: 3}).Exec(ctx, db)
		is.NoErr(err)

		s := db.Session()
		defer s.Close(ctx)
		log.Reset()
		var id int64 = 2
		wendy, err := KAccounts.Get(ctx, s, id)
		is.NoErr(err)
		is.Equal(*wendy, KAccount{ID: 2, Owner: "wendy"})
		again, err := KAccounts.Get(ctx, s, 2)
		is.NoErr(err)
		is.True(again == wendy) // the identity map's object, no SQL
		_, err = KAccounts.Get(ctx, s, 99)
		is.True(errors.Is(err, quarry.ErrNoResult))

		line, err := KLines.Get(ctx, s, 7, "b")
		is.NoErr(err)
		is.Equal(*line, KLine{OrderID: 7, SKU: "b", Qty: 2})
		_, err = KLines.Get(ctx, s, 8, "b")
		is.True(errors.Is(err, quarry.ErrNoResult))

		ed, err := KAccounts.GetWith(ctx, s, quarry.Select(KAccounts).PopulateExisting(), 1)
		is.NoErr(err)
		is.Equal(ed.Owner, "ed")

		entries := log.Entries()
		var sent []string
		var args [][]any
		for _, e := range entries {
			sent = append(sent, normSQL(e.SQL))
			args = append(args, e.Args)
		}
		is.Equal(sent, sqlList(
			"SELECT keyed_account.id, keyed_account.owner FROM keyed_account WHERE keyed_account.id = ?",
			"SELECT keyed_account.id, keyed_account.owner FROM keyed_account WHERE keyed_account.id = ?",
			"SELECT keyed_line.order_id, keyed_line.sku, keyed_line.qty FROM keyed_line WHERE keyed_line.order_id = ? AND keyed_line.sku = ?",
			"SELECT keyed_line.order_id, keyed_line.sku, keyed_line.qty FROM keyed_line WHERE keyed_line.order_id = ? AND keyed_line.sku = ?",
			"SELECT keyed_account.id, keyed_account.owner FROM keyed_account WHERE keyed_account.id = ?",
		))
		is.Equal(args, [][]any{{int64(2)}, {int64(99)}, {int64(7), "b"}, {int64(8), "b"}, {int64(1)}})

		// GetWith with untyped keys checks them against the declared key
		// types before any SQL.
		log.Reset()
		_, err = quarry.GetWith(ctx, s, quarry.Select(KAccounts), "1")
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
		is.True(strings.Contains(err.Error(), "primary-key part 1 is a int64"))
		_, err = quarry.GetWith(ctx, s, quarry.Select(KLines), int64(7), 3)
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
		is.True(strings.Contains(err.Error(), "primary-key part 2 is a string"))
		is.Equal(log.Count(), 0) // no SQL sent
		got, err := quarry.GetWith(ctx, s, quarry.Select(KLines), int64(8), "a")
		is.NoErr(err)
		is.Equal(got.Qty, int32(3))

		// A zero table struct is an error, not a panic.
		var zero KAccountTable
		_, err = zero.Get(ctx, s, 1)
		is.True(err != nil)
	})
}

type KBadAccountTable struct {
	quarry.Keyed[KAccount, int32]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	Owner quarry.Column[string]
}

type KShortLineTable struct {
	quarry.Keyed[KLine, int64]
	OrderID quarry.Column[int64]  `quarry:"order_id,pk"`
	SKU     quarry.Column[string] `quarry:"sku,pk"`
	Qty     quarry.Column[int32]
}

type KSwappedLineTable struct {
	quarry.Keyed2[KLine, string, int64]
	OrderID quarry.Column[int64]  `quarry:"order_id,pk"`
	SKU     quarry.Column[string] `quarry:"sku,pk"`
	Qty     quarry.Column[int32]
}

// Table refuses a declared key type that is not the primary-key column's
// Go type, naming the table, the part and the field.
func TestKeyedMappingErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		try  func() error
		want []string
	}{
		{"single", func() error {
			_, err := quarry.TableIn[KAccount, KBadAccountTable](quarry.NewMetadata(), "keyed_bad")
			return err
		}, []string{`table "keyed_bad"`, "KBadAccountTable", "part 1 as int32", `column "id" (field ID) is int64`}},
		{"count", func() error {
			_, err := quarry.TableIn[KLine, KShortLineTable](quarry.NewMetadata(), "keyed_short")
			return err
		}, []string{`table "keyed_short"`, "declares a primary key of 1 column(s)", "2 column(s) are tagged pk"}},
		{"order", func() error {
			_, err := quarry.TableIn[KLine, KSwappedLineTable](quarry.NewMetadata(), "keyed_swapped")
			return err
		}, []string{`table "keyed_swapped"`, "part 1 as string", `column "order_id" (field OrderID) is int64`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			err := tc.try()
			is.True(errors.Is(err, quarry.ErrMapping))
			for _, w := range tc.want {
				is.True(strings.Contains(err.Error(), w)) // the message names what is wrong
			}
		})
	}
}
