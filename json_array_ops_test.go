package quarry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

type JoPayload struct {
	User  JoUser   `json:"user"`
	Kind  string   `json:"kind"`
	Count int      `json:"count"`
	Tags  []string `json:"tags,omitempty"`
}

type JoUser struct {
	Name string `json:"name"`
}

type JoEvent struct {
	ID      int64
	Payload quarry.JSON[JoPayload]
	Labels  []string
	Scores  []int64
	Refs    []uuid.UUID
	Name    string
}

type JoEventTable struct {
	quarry.Entity[JoEvent]
	ID      quarry.Column[int64] `quarry:"id,pk"`
	Payload quarry.Column[quarry.JSON[JoPayload]]
	Labels  quarry.Column[[]string]
	Scores  quarry.Column[[]int64]
	Refs    quarry.Column[[]uuid.UUID]
	Name    quarry.Column[string]
}

var JoEvents = quarry.Table[JoEvent, JoEventTable]("jo_events")

var (
	joRef1 = uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	joRef2 = uuid.MustParse("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
)

func joEvents(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateAll(ctx, JoEvents); err != nil {
		t.Fatal(err)
	}
	_, err := quarry.Insert(JoEvents).Values(
		&JoEvent{ID: 1, Payload: quarry.JSON[JoPayload]{V: JoPayload{User: JoUser{"sandy"}, Kind: "login", Count: 3, Tags: []string{"a"}}},
			Labels: []string{"red", "blue"}, Scores: []int64{1, 2, 3}, Refs: []uuid.UUID{joRef1}},
		&JoEvent{ID: 2, Payload: quarry.JSON[JoPayload]{V: JoPayload{User: JoUser{"patrick"}, Kind: "logout"}},
			Labels: []string{"green"}, Scores: []int64{5}, Refs: []uuid.UUID{joRef1, joRef2}},
		&JoEvent{ID: 3, Payload: quarry.JSON[JoPayload]{V: JoPayload{User: JoUser{"sandy"}, Kind: "logout", Count: 1}},
			Labels: []string{}, Scores: []int64{}, Refs: []uuid.UUID{}},
	).Exec(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
}

// JSON paths and array operators return the same rows on both dialects.
func TestJSONAndArrayOperators(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		joEvents(t, db)
		ids := func(c quarry.Condition) []int64 {
			t.Helper()
			got, err := quarry.Select(JoEvents.ID).Where(c).OrderBy(JoEvents.ID).All(ctx, db)
			is.NoErr(err)
			return got
		}
		is.Equal(ids(quarry.EqValue(quarry.JSONText(JoEvents.Payload, "user", "name"), "sandy")), []int64{1, 3})
		is.Equal(ids(quarry.EqValue(quarry.JSONText(JoEvents.Payload, "kind"), "logout")), []int64{2, 3})
		is.Equal(ids(quarry.JSONText(JoEvents.Payload, "missing").IsNull()), []int64{1, 2, 3})
		kinds, err := quarry.Select(quarry.JSONText(JoEvents.Payload, "count")).OrderBy(JoEvents.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(*kinds[0], "3")

		is.Equal(ids(quarry.ArrayContains(JoEvents.Labels, "blue", "red")), []int64{1})
		is.Equal(ids(quarry.ArrayContains(JoEvents.Labels)), []int64{1, 2, 3}) // the empty set
		is.Equal(ids(quarry.ArrayOverlaps(JoEvents.Labels, "green", "red")), []int64{1, 2})
		is.Equal(ids(quarry.ArrayHas(JoEvents.Scores, 5)), []int64{2})
		is.Equal(ids(quarry.ArrayContains(JoEvents.Scores, 1, 3)), []int64{1})
		is.Equal(ids(quarry.ArrayHas(JoEvents.Refs, joRef2)), []int64{2})
		is.Equal(ids(quarry.ArrayContains(JoEvents.Refs, joRef1)), []int64{1, 2})
		is.Equal(ids(quarry.Not(quarry.ArrayOverlaps(JoEvents.Labels, "red"))), []int64{2, 3})

		// SQLite's JSON text is checked by json_valid; PostgreSQL's jsonb
		// refuses it by its type.
		_, err = db.Exec(ctx, quarry.Text(`INSERT INTO jo_events (id, payload, labels, scores, refs, name) VALUES (9, 'not json', '[]', '[]', '[]', 'x')`))
		is.True(err != nil)
		if db.Dialect().Name() == "sqlite" {
			is.True(errors.Is(err, quarry.ErrCheckViolation))
		}

		// Containment is PostgreSQL's.
		_, err = quarry.Select(JoEvents.ID).Where(quarry.JSONContains(JoEvents.Payload, map[string]any{"kind": "login"})).All(ctx, db)
		if db.Dialect().Name() == "postgres" {
			is.NoErr(err)
			is.Equal(ids(quarry.JSONContains(JoEvents.Payload, map[string]any{"user": map[string]any{"name": "sandy"}, "kind": "logout"})), []int64{3})
		} else {
			is.True(errors.Is(err, quarry.ErrUnsupported))
		}
	})
}

// The operators refuse columns of the wrong kind before SQL.
func TestJSONOperatorErrors(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		joEvents(t, db)
		log.Reset()
		for _, c := range []quarry.Condition{
			quarry.EqValue(quarry.JSONText(JoEvents.Name, "a"), "x"),
			quarry.EqValue(quarry.JSONText(JoEvents.Payload), "x"),
			quarry.EqValue(quarry.JSONText(JoEvents.Payload, `a"b`), "x"),
		} {
			_, err := quarry.Select(JoEvents.ID).Where(c).All(ctx, db)
			is.True(errors.Is(err, quarry.ErrInvalidArgument))
		}
		log.AssertCount(t, 0)
	})
}
