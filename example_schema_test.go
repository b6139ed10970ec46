package quarry_test

import (
	"context"
	"fmt"
	"os"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
)

// SdExAccount is mapped with an index and a CHECK constraint.
type SdExAccount struct {
	ID      int64
	Email   string
	Balance int64
}

// SdExAccountTable declares its index and constraint through methods.
type SdExAccountTable struct {
	quarry.Entity[SdExAccount]
	ID      quarry.Column[int64]  `quarry:"id,pk"`
	Email   quarry.Column[string] `quarry:"email,len=100"`
	Balance quarry.Column[int64]
}

// Indexes declares a unique index on the e-mail address.
func (a *SdExAccountTable) Indexes() []quarry.Index {
	return []quarry.Index{quarry.NewIndex("ux_sd_ex_accounts_email", a.Email).Unique()}
}

// Constraints declares that a balance is never negative.
func (a *SdExAccountTable) Constraints() []quarry.Constraint {
	return []quarry.Constraint{quarry.Check("ck_sd_ex_accounts_balance", a.Balance.Ge(0))}
}

// SdExAccounts is the mapping of SdExAccount.
var SdExAccounts = quarry.Table[SdExAccount, SdExAccountTable]("sd_ex_accounts")

// Diff compares an outdated table with its mapping; CreateAll refuses it,
// and WriteMigration writes the goose migration that brings it up to date.
func ExampleDB_Diff() {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	// The table as an older version of the program created it.
	if _, err := db.Exec(ctx, quarry.UnsafeText(`CREATE TABLE "sd_ex_accounts" ("id" INTEGER NOT NULL PRIMARY KEY, "email" VARCHAR(100) NOT NULL)`)); err != nil {
		panic(err)
	}
	err = db.CreateAll(ctx, SdExAccounts)
	fmt.Println(err)

	diffs, err := db.Diff(ctx, SdExAccounts)
	if err != nil {
		panic(err)
	}
	for _, d := range diffs {
		fmt.Println(d)
	}
	if err := quarry.WriteMigration(os.Stdout, db.Dialect(), diffs...); err != nil {
		panic(err)
	}
	// Output:
	// quarry: the database schema does not match the mapping: table "sd_ex_accounts": missing column "balance" (INTEGER NOT NULL)
	// table "sd_ex_accounts": missing column "balance" (INTEGER NOT NULL)
	// table "sd_ex_accounts": missing index "ux_sd_ex_accounts_email"
	// -- +goose Up
	// -- balance is NOT NULL without a DEFAULT: the ADD COLUMN fails on a table with rows (and always on SQLite); add a default= or fill it in steps
	// ALTER TABLE "sd_ex_accounts" ADD COLUMN "balance" INTEGER NOT NULL;
	// CREATE UNIQUE INDEX IF NOT EXISTS "ux_sd_ex_accounts_email" ON "sd_ex_accounts" ("email");
	//
	// -- +goose Down
	// DROP INDEX IF EXISTS "ux_sd_ex_accounts_email";
	// ALTER TABLE "sd_ex_accounts" DROP COLUMN "balance";
}
