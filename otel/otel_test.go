package quarryotel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	quarryotel "github.com/quarry-orm/quarry/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

type Item struct {
	ID   int64
	Name string
}

type ItemTable struct {
	quarry.Entity[Item]
	ID   quarry.Column[int64]  `quarry:"id,pk"`
	Name quarry.Column[string] `quarry:"name,len=20,unique"`
}

var Items = quarry.Table[Item, ItemTable]("otel_items")

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestSpans(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	db, err := sqlite.Open(ctx, ":memory:", quarry.WithObserver(quarryotel.Observer(quarryotel.WithTracerProvider(tp))))
	is.NoErr(err)
	defer db.Close()
	is.NoErr(db.CreateAll(ctx, Items))
	exp.Reset()

	s := db.Session()
	s.Add(&Item{Name: "secret"})
	is.NoErr(s.Commit(ctx))
	spans := exp.GetSpans()
	var names []string
	for _, sp := range spans {
		names = append(names, sp.Name)
	}
	is.Equal(names, []string{"BEGIN", "INSERT", "COMMIT"})
	ins := attrs(spans[1])
	is.Equal(ins["db.system.name"].AsString(), "sqlite")
	is.Equal(ins["db.system"].AsString(), "sqlite")
	is.Equal(ins["db.operation.name"].AsString(), "INSERT")
	is.Equal(ins["db.query.text"].AsString(), `INSERT INTO "otel_items" ("name") VALUES (?) RETURNING "id"`) // no values
	is.Equal(ins["quarry.in_transaction"].AsBool(), true)
	is.Equal(ins["quarry.rows_affected"].AsInt64(), int64(1))
	for _, sp := range spans {
		for _, kv := range sp.Attributes {
			is.True(kv.Value.Emit() != "secret") // argument values never recorded
		}
	}

	exp.Reset()
	got, err := quarry.Select(Items).All(ctx, db)
	is.NoErr(err)
	is.Equal(len(got), 1)
	spans = exp.GetSpans()
	is.Equal(len(spans), 1)
	is.Equal(attrs(spans[0])["db.response.returned_rows"].AsInt64(), int64(1))
	is.Equal(spans[0].Status.Code, codes.Unset)

	// A unique violation: an error span, then the ROLLBACK.
	exp.Reset()
	s.Add(&Item{Name: "secret"})
	err = s.Commit(ctx)
	is.True(errors.Is(err, quarry.ErrUniqueViolation))
	spans = exp.GetSpans()
	is.Equal(len(spans), 3)
	is.Equal(spans[1].Status.Code, codes.Error)
	is.Equal(len(spans[1].Events), 1) // the exception event
	is.Equal(spans[2].Name, "ROLLBACK")
	s.Close(ctx)
}
