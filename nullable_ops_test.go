package quarry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type TsItem struct {
	ID    int64
	Name  string
	Note  *string
	Score *float64
}

type TsItemTable struct {
	quarry.Entity[TsItem]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	Name  quarry.Column[string]
	Note  quarry.Column[*string]
	Score quarry.Column[*float64]
}

var TsItems = quarry.Table[TsItem, TsItemTable]("ts_items")

func tsItems(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, TsItems); err != nil {
		t.Fatal(err)
	}
	note := func(s string) *string { return &s }
	score := func(f float64) *float64 { return &f }
	s := db.Session()
	defer s.Close(ctx)
	for _, it := range []*TsItem{
		{Name: "a", Note: note("red"), Score: score(1.5)},
		{Name: "b", Note: note("blue"), Score: score(2.5)},
		{Name: "c"},
	} {
		if err := s.Add(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// Nullable columns take plain values (EqValue, NeValue), string operators
// (package functions constrained to string types), and aggregates whose
// result is *T, not **T; Count takes one expression, CountAll none.
func TestNullableOperators(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		tsItems(t, db)
		names := func(c quarry.Condition) []string {
			t.Helper()
			got, err := quarry.Select(TsItems.Name).Where(c).OrderBy(TsItems.ID).All(ctx, db)
			is.NoErr(err)
			return got
		}
		log.Reset()
		is.Equal(names(quarry.EqValue(TsItems.Note, "red")), []string{"a"})
		is.True(strings.Contains(log.Statements()[0], `"ts_items"."note" = `)) // a bound comparison, not IS NULL
		is.Equal(log.Entries()[0].Args, []any{"red"})
		is.Equal(names(quarry.NeValue(TsItems.Note, "red")), []string{"b"}) // NULL rows do not match !=
		is.Equal(names(quarry.EqValue(TsItems.Score, 2.5)), []string{"b"})
		is.Equal(names(quarry.Like(TsItems.Note, "b%")), []string{"b"})
		is.Equal(names(quarry.Contains(TsItems.Note, "e")), []string{"a", "b"})

		log.Reset()
		agg, err := quarry.Select5(quarry.SumNull(TsItems.Score), quarry.MaxNull(TsItems.Score), quarry.MinNull(TsItems.Note),
			quarry.AvgNull(TsItems.Score), quarry.Count(TsItems.Note)).One(ctx, db)
		is.NoErr(err)
		var sum, maxScore, avg *float64 = agg.V1, agg.V2, agg.V4
		var minNote *string = agg.V3
		is.True(sum != nil && *sum == 4)
		is.True(maxScore != nil && *maxScore == 2.5)
		is.True(minNote != nil && *minNote == "blue")
		is.True(avg != nil && *avg == 2)
		is.Equal(agg.V5, int64(2)) // count(note) skips the NULL
		is.Equal(log.Statements()[0], `SELECT sum("ts_items"."score"), max("ts_items"."score"), min("ts_items"."note"), avg("ts_items"."score"), count("ts_items"."note") FROM "ts_items"`)

		n, err := quarry.Select(quarry.CountAll()).SelectFrom(TsItems).One(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(3))
		none, err := quarry.Select(quarry.SumNull(TsItems.Score)).Where(TsItems.ID.Lt(0)).One(ctx, db)
		is.NoErr(err)
		is.True(none == nil) // sum over no rows is NULL
	})
}
