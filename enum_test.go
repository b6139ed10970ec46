package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type EnMood string

func (EnMood) EnumValues() []string { return []string{"happy", "sad", "it's ok"} }

type EnPerson struct {
	ID   int64
	Mood EnMood
	Was  *EnMood
}

type EnPersonTable struct {
	quarry.Entity[EnPerson]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Mood quarry.Column[EnMood]
	Was  quarry.Column[*EnMood]
}

var EnPeople = quarry.Table[EnPerson, EnPersonTable]("en_people")

// An Enum column gets a CHECK of its values; the database refuses others.
func TestEnumColumn(t *testing.T) {
	for _, d := range []quarry.Dialect{sqlite.Dialect{}, postgres.Dialect{}} {
		stmts, err := quarry.CreateSQL(d, EnPeople)
		is.New(t).NoErr(err)
		is.New(t).True(strings.Contains(stmts[0], `CHECK ("mood" IN ('happy', 'sad', 'it''s ok'))`))
		is.New(t).True(strings.Contains(stmts[0], `CHECK ("was" IN ('happy', 'sad', 'it''s ok'))`))
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, EnPeople))
		s := db.Session()
		defer s.Close(ctx)
		sad := EnMood("sad")
		is.NoErr(s.Add(&EnPerson{ID: 1, Mood: "it's ok", Was: &sad}, &EnPerson{ID: 2, Mood: "happy"}))
		is.NoErr(s.Commit(ctx))
		got, err := quarry.Select(EnPeople.Mood).Where(EnPeople.Was.IsNull()).All(ctx, db)
		is.NoErr(err)
		is.Equal(got, []EnMood{"happy"})

		is.NoErr(s.Add(&EnPerson{ID: 3, Mood: "grumpy"}))
		err = s.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrCheckViolation))
		n, err := quarry.Select(EnPeople).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(2))
	})
}
