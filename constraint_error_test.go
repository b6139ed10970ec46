package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// CeAccount has a unique email and a CHECK on its balance.
type CeAccount struct {
	ID      int64
	Email   string
	Balance int64
	OwnerID *int64
}

type CeAccountTable struct {
	quarry.Entity[CeAccount]
	ID      quarry.Column[int64]  `quarry:"id,pk"`
	Email   quarry.Column[string] `quarry:"email,unique"`
	Balance quarry.Column[int64]
	OwnerID quarry.Column[*int64] `quarry:"owner_id,fk=ce_accounts.id"`
}

var CeAccounts = quarry.Table[CeAccount, CeAccountTable]("ce_accounts")

// A constraint failure is a *ConstraintError naming what the database
// reports, matched by errors.Is with its kind and by errors.As with
// *DriverError, on both dialects.
func TestConstraintError(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, CeAccounts))
		_, err := db.Exec(ctx, quarry.Text(`INSERT INTO ce_accounts (id, email, balance) VALUES (1, 'a@x', 0)`))
		is.NoErr(err)
		postgres := db.Dialect().Name() == "postgres"

		cases := []struct {
			name   string
			sql    *quarry.TextClause
			kind   error
			table  string
			column string
		}{
			{"unique", quarry.Text(`INSERT INTO ce_accounts (id, email, balance) VALUES (2, 'a@x', 0)`), quarry.ErrUniqueViolation, "ce_accounts", "email"},
			{"not null", quarry.Text(`INSERT INTO ce_accounts (id, balance) VALUES (3, 0)`), quarry.ErrNotNullViolation, "ce_accounts", "email"},
			{"foreign key", quarry.Text(`INSERT INTO ce_accounts (id, email, balance, owner_id) VALUES (4, 'b@x', 0, 99)`), quarry.ErrForeignKeyViolation, "", ""},
		}
		for _, c := range cases {
			_, err := db.Exec(ctx, c.sql)
			var ce *quarry.ConstraintError
			is.True(errors.As(err, &ce)) // c.name
			is.True(errors.Is(err, c.kind))
			is.Equal(ce.Kind, c.kind)
			var de *quarry.DriverError
			is.True(errors.As(err, &de))
			is.True(de.SQL != "")
			if postgres {
				is.Equal(ce.Table, "ce_accounts")
				is.True(ce.Constraint != "" || c.kind == quarry.ErrNotNullViolation)
				if c.kind == quarry.ErrNotNullViolation {
					is.Equal(ce.Column, "email")
				}
				continue
			}
			is.Equal(ce.Table, c.table)   // SQLite names table and column in its message
			is.Equal(ce.Column, c.column) // except for foreign keys
		}

		// A CHECK names its constraint on both.
		_, err = db.Exec(ctx, quarry.Text(`CREATE TABLE ce_checks (n integer CONSTRAINT n_positive CHECK (n > 0))`))
		is.NoErr(err)
		_, err = db.Exec(ctx, quarry.Text(`INSERT INTO ce_checks (n) VALUES (-1)`))
		var check *quarry.ConstraintError
		is.True(errors.As(err, &check))
		is.True(errors.Is(err, quarry.ErrCheckViolation))
		is.Equal(check.Constraint, "n_positive")

		// A statement that fails otherwise is a plain DriverError.
		_, err = db.Exec(ctx, quarry.Text(`SELECT * FROM no_such_table`))
		var ce *quarry.ConstraintError
		is.True(!errors.As(err, &ce))
		var de *quarry.DriverError
		is.True(errors.As(err, &de))
	})
}
