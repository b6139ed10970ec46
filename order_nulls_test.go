package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// NULLS FIRST and NULLS LAST sort the same on both databases, whose own
// defaults differ.
func TestOrderNulls(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		lkWords(t, db) // tags: a, nil, b, a, nil (ids 1..5)
		ids := func(o ...quarry.Orderable) []int64 {
			t.Helper()
			got, err := quarry.Select(LkWords.ID).OrderBy(o...).All(ctx, db)
			is.NoErr(err)
			return got
		}
		is.Equal(ids(LkWords.Tag.Asc().NullsFirst(), LkWords.ID), []int64{2, 5, 1, 4, 3})
		is.Equal(ids(LkWords.Tag.Asc().NullsLast(), LkWords.ID), []int64{1, 4, 3, 2, 5})
		is.Equal(ids(LkWords.Tag.Desc().NullsFirst(), LkWords.ID), []int64{2, 5, 3, 1, 4})
		is.Equal(ids(LkWords.Tag.Desc().NullsLast(), LkWords.ID.Desc()), []int64{3, 4, 1, 5, 2})
	})
	assertSQL(t, quarry.Select(LkWords.ID).OrderBy(LkWords.Tag.Desc().NullsLast()),
		`SELECT lk_words.id FROM lk_words ORDER BY lk_words.tag DESC NULLS LAST`)
}

// DISTINCT ON is PostgreSQL's: one row per value, the first by ORDER BY;
// elsewhere an error before SQL.
func TestDistinctOn(t *testing.T) {
	q := quarry.Select(LkWords).DistinctOn(LkWords.Tag).Where(LkWords.Tag.IsNotNull()).
		OrderBy(LkWords.Tag, LkWords.ID.Desc())
	assertSQL(t, q, `SELECT DISTINCT ON (lk_words.tag) lk_words.id, lk_words.text, lk_words.tag FROM lk_words
		WHERE lk_words.tag IS NOT NULL ORDER BY lk_words.tag, lk_words.id DESC`)
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkWords(t, db)
		log.Reset()
		got, err := q.All(ctx, db)
		if db.Dialect().Name() != "postgres" {
			is.True(errors.Is(err, quarry.ErrUnsupported))
			log.AssertCount(t, 0)
			return
		}
		is.NoErr(err)
		is.Equal(len(got), 2)
		is.Equal(got[0].ID, int64(4)) // the last "a"
		is.Equal(got[1].ID, int64(3)) // the one "b"
	})
	_, _, err := quarry.Render(sqlite.Dialect{}, quarry.Select(LkWords).DistinctOn())
	is.New(t).True(errors.Is(err, quarry.ErrInvalidArgument))
}
