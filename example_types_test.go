package quarry_test

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// ExMoney is a custom column type: an amount in cents, stored as a
// BIGINT (INTEGER on SQLite) on every dialect.
type ExMoney struct{ Cents int64 }

// ColumnType names the DDL type through the dialect, so that each
// database gets its own spelling of a 64-bit integer.
func (ExMoney) ColumnType(d quarry.Dialect) string {
	return d.TypeName(dialect.ColumnType{Kind: dialect.KindInt64})
}

// Value encodes the amount for the driver.
func (m ExMoney) Value() (driver.Value, error) { return m.Cents, nil }

// Scan decodes what the driver read.
func (m *ExMoney) Scan(src any) error {
	c, ok := src.(int64)
	if !ok {
		return fmt.Errorf("money: cannot read %T", src)
	}
	m.Cents = c
	return nil
}

// Equal is what change detection compares with.
func (m ExMoney) Equal(o ExMoney) bool { return m == o }

// String prints the amount in units.
func (m ExMoney) String() string { return fmt.Sprintf("%d.%02d", m.Cents/100, m.Cents%100) }

// ExInvoice has a column of the custom type, and a NULL-able one.
type ExInvoice struct {
	ID       int64
	Total    ExMoney
	Discount *ExMoney
}

// ExInvoiceTable maps ExInvoice; the custom columns need no tag.
type ExInvoiceTable struct {
	quarry.Entity[ExInvoice]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Total    quarry.Column[ExMoney]
	Discount quarry.Column[*ExMoney]
}

// ExInvoices is the mapping of ExInvoice.
var ExInvoices = quarry.Table[ExInvoice, ExInvoiceTable]("ex_invoices")

// A type of your own maps to a column by implementing ColumnTyper with
// driver.Valuer and sql.Scanner; its Equal method drives change
// detection, and its columns compare with values of the type.
func ExampleColumnTyper() {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ddl, err := db.CreateSQL(ExInvoices)
	if err != nil {
		panic(err)
	}
	fmt.Println(ddl[0])
	if err := db.CreateAll(ctx, ExInvoices); err != nil {
		panic(err)
	}

	s := db.Session()
	defer s.Close(ctx)
	if err := s.Add(&ExInvoice{ID: 1, Total: ExMoney{Cents: 43790}}); err != nil {
		panic(err)
	}
	if err := s.Commit(ctx); err != nil {
		panic(err)
	}

	inv, err := quarry.Select(ExInvoices).Where(ExInvoices.Total.Gt(ExMoney{Cents: 10000})).One(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println(inv.Total, inv.Discount == nil, len(s.Dirty()))
	inv.Discount = &ExMoney{Cents: 500}
	fmt.Println(len(s.Dirty()))
	// Output:
	// CREATE TABLE IF NOT EXISTS "ex_invoices" (
	// 	"id" INTEGER NOT NULL,
	// 	"total" INTEGER NOT NULL,
	// 	"discount" INTEGER,
	// 	PRIMARY KEY ("id")
	// )
	// 437.90 true 0
	// 1
}
