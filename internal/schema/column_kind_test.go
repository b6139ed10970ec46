package schema_test

import (
	"database/sql"
	"reflect"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/schema"
)

type payload struct{ A int }

// embedsJSON has quarry.JSON's methods by embedding, so it maps as JSON.
type embedsJSON struct{ quarry.JSON[payload] }

// JSON is a user's type that only shares quarry.JSON's name.
type JSON[T any] struct{ V T }

func TestKindOfJSONDocuments(t *testing.T) {
	tests := []struct {
		typ      reflect.Type
		json     bool
		nullable bool
	}{
		{reflect.TypeFor[quarry.JSON[payload]](), true, false},
		{reflect.TypeFor[*quarry.JSON[payload]](), true, true},
		{reflect.TypeFor[sql.Null[quarry.JSON[payload]]](), true, true},
		{reflect.TypeFor[embedsJSON](), true, false},
		{reflect.TypeFor[JSON[payload]](), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String(), func(t *testing.T) {
			is := is.New(t)
			g, err := schema.KindOf(tt.typ, false)
			if !tt.json {
				is.True(err != nil) // a struct of its own is no column type
				return
			}
			is.NoErr(err)
			is.Equal(g.Kind, dialect.KindJSON)
			is.Equal(g.Nullable, tt.nullable)
		})
	}
}
