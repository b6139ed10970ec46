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

// A scalar subquery of more than one column is an error naming the
// columns, raised before any SQL is sent; one of one column runs.
func TestScalarSubqueryOneColumn(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		tsItems(t, db)
		log.Reset()
		two := quarry.Select2(TsItems.ID, TsItems.Name).Limit(1).ScalarSubquery()
		_, err := quarry.Select(TsItems.Name).Where(two.IsNotNull()).All(ctx, db)
		is.True(errors.Is(err, quarry.ErrInvalidArgument))                                           // wraps the sentinel
		is.True(strings.Contains(err.Error(), "ScalarSubquery of a SELECT of 2 columns (id, name)")) // names the columns
		ent := quarry.Select(TsItems).ScalarSubquery()
		_, err = quarry.Select(TsItems.Name).Where(ent.IsNotNull()).All(ctx, db)
		is.True(errors.Is(err, quarry.ErrInvalidArgument))
		is.Equal(len(log.Statements()), 0) // nothing sent

		maxID, err := quarry.Select(quarry.Select(quarry.Max(TsItems.ID)).ScalarSubquery()).One(ctx, db)
		is.NoErr(err)
		is.True(maxID != nil && *maxID == 3) // one column: it runs
		is.Equal(log.Statements(), []string{`SELECT (SELECT max("ts_items"."id") FROM "ts_items")`})
	})
}

// JoinFrom along a relationship from a left side that is not the
// relationship's parent (nor an alias of it) is an ErrJoin naming both,
// before any SQL is sent: it would join on the wrong table's columns.
func TestJoinFromWrongParent(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		log.Reset()
		_, err := quarry.Select(GAddresses).JoinFrom(GOrders, GUsers.Addresses).All(ctx, db)
		is.True(errors.Is(err, quarry.ErrJoin))                                // wraps the sentinel
		is.True(strings.Contains(err.Error(), "the relationship starts from")) // says why
		is.True(strings.Contains(err.Error(), "user_order"))                   // names the wrong left side
		is.True(strings.Contains(err.Error(), "GUserTable.Addresses"))         // and the relationship
		is.Equal(len(log.Statements()), 0)                                     // nothing sent
		ua := quarry.Aliased(GUsers)
		sql, _, err := quarry.Render(db.Dialect(), quarry.Select(GAddresses).JoinFrom(ua, GUsers.Addresses))
		is.NoErr(err) // an alias of the parent is a parent
		is.True(strings.Contains(sql, "JOIN"))
	})
}
