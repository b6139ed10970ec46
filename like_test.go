package quarry_test

import (
	"context"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// LkWord is a value with LIKE wildcards in it, and a nullable tag.
type LkWord struct {
	ID   int64
	Text string
	Tag  *string
}

type LkWordTable struct {
	quarry.Entity[LkWord]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Text quarry.Column[string]
	Tag  quarry.Column[*string]
}

var LkWords = quarry.Table[LkWord, LkWordTable]("lk_words")

func lkWords(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, LkWords); err != nil {
		t.Fatal(err)
	}
	tag := func(s string) *string { return &s }
	s := db.Session()
	defer s.Close(ctx)
	for _, w := range []*LkWord{
		{Text: "100%", Tag: tag("a")}, {Text: "1000"}, {Text: "a_b", Tag: tag("b")},
		{Text: "axb", Tag: tag("a")}, {Text: `back\slash`},
	} {
		if err := s.Add(w); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// Contains, StartsWith and EndsWith take their argument literally, and
// LikeEscape's backslash escapes, the same on both dialects.
func TestLikeEscaping(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkWords(t, db)
		texts := func(c quarry.Condition) []string {
			t.Helper()
			got, err := quarry.Select(LkWords.Text).Where(c).OrderBy(LkWords.ID).All(ctx, db)
			is.NoErr(err)
			return got
		}
		is.Equal(texts(quarry.StartsWith(LkWords.Text, "100%")), []string{"100%"}) // not "1000"
		is.Equal(texts(quarry.Contains(LkWords.Text, "_")), []string{"a_b"})       // not "axb"
		is.Equal(texts(quarry.EndsWith(LkWords.Text, `\slash`)), []string{`back\slash`})
		is.Equal(texts(quarry.LikeEscape(LkWords.Text, `a\_%`)), []string{"a_b"})
		is.Equal(texts(quarry.LikeEscape(LkWords.Text, "100%")), []string{"100%", "1000"}) // % unescaped is a wildcard
		is.Equal(quarry.EscapeLike(`5%_\`), `5\%\_\\`)
		log.Reset()
		texts(quarry.Contains(LkWords.Text, "x"))
		is.Equal(log.Entries()[0].Args, []any{"%x%"}) // the pattern is bound
	})
}

// A nil in In matches the NULL rows, and one in NotIn leaves them out,
// where SQL's IN and NOT IN with a NULL match nothing more and nothing.
func TestInWithNil(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		lkWords(t, db)
		a := "a"
		texts := func(c quarry.Condition) []string {
			t.Helper()
			got, err := quarry.Select(LkWords.Text).Where(c, LkWords.ID.Gt(0)).OrderBy(LkWords.ID).All(ctx, db)
			is.NoErr(err)
			return got
		}
		is.Equal(texts(LkWords.Tag.In(nil, &a)), []string{"100%", "1000", "axb", `back\slash`})
		is.Equal(texts(LkWords.Tag.In(nil)), []string{"1000", `back\slash`})
		is.Equal(texts(LkWords.Tag.NotIn(nil, &a)), []string{"a_b"})
		is.Equal(texts(LkWords.Tag.NotIn(nil)), []string{"100%", "a_b", "axb"})
		is.Equal(texts(LkWords.Tag.In(&a)), []string{"100%", "axb"})
		log.Reset()
		texts(LkWords.Tag.In(nil, &a))
		is.Equal(normSQL(log.Statements()[0]), normSQL(`SELECT lk_words.text FROM lk_words WHERE (lk_words.tag IN (?) OR lk_words.tag IS NULL) AND lk_words.id > ? ORDER BY lk_words.id`))
	})
}
