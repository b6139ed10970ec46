package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// A Func whose declared type cannot hold what the database returns fails
// with an error naming the function and the type, the driver's error
// kept underneath; other columns of the row do not change that.
func TestFuncScanErrorNamesFunction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, KAccounts))
		_, err := quarry.Insert(KAccounts).Values(&KAccount{ID: 1, Owner: "ed"}).Exec(ctx, db)
		is.NoErr(err)

		_, err = quarry.Select(quarry.Func[int64]("upper", KAccounts.Owner)).All(ctx, db)
		is.True(err != nil)
		is.True(strings.HasPrefix(err.Error(), "quarry: scanning result of function upper(...) into int64: ")) // names the function and the type
		var se *dialect.ScanError
		is.True(errors.As(err, &se)) // the driver's error underneath
		is.Equal(se.Column, 0)

		_, err = quarry.Select2(KAccounts.ID, quarry.Func[int64]("lower", KAccounts.Owner).Label("l")).All(ctx, db)
		is.True(err != nil)
		is.True(strings.HasPrefix(err.Error(), "quarry: scanning result of function lower(...) into int64: ")) // second column, labelled

		// A declared type that fits reads as before.
		got, err := quarry.Select(quarry.Func[string]("upper", KAccounts.Owner)).All(ctx, db)
		is.NoErr(err)
		is.Equal(got, []string{"ED"})
	})
}
