// Package quarryotel traces quarry's statements with OpenTelemetry: each
// statement a [quarry.DB] sends (queries, DML, a flush's INSERTs, BEGIN
// and COMMIT) becomes a client span with the database semantic
// conventions' attributes.
//
//	db, err := sqlite.Open(ctx, path, quarry.WithObserver(quarryotel.Observer()))
//
// Spans carry db.system.name (and the older db.system) "postgresql" or
// "sqlite", db.operation.name (SELECT, INSERT, BEGIN, ...), db.query.text
// (the statement with its placeholders: argument values are never
// recorded), db.response.returned_rows or quarry.rows_affected where
// known, and, for a failed statement, the error as the span's status and
// an exception event. A span's parent is the span in the statement's
// context.
package quarryotel

import (
	"context"
	"strings"

	"github.com/quarry-orm/quarry"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer.
const ScopeName = "github.com/quarry-orm/quarry/otel"

// Option configures the [Observer].
type Option func(*observer)

// WithTracerProvider sets the provider of the tracer (the global one,
// otel.GetTracerProvider, by default).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *observer) {
		if tp != nil {
			o.tp = tp
		}
	}
}

// WithAttributes adds attributes to every span (a db.namespace, a
// server.address).
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(o *observer) { o.extra = append(o.extra, attrs...) }
}

// Observer returns a [quarry.Observer] that records a span per
// statement. It never asks for argument values.
func Observer(opts ...Option) quarry.Observer {
	o := &observer{}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if o.tp == nil {
		o.tp = otel.GetTracerProvider()
	}
	o.tracer = o.tp.Tracer(ScopeName)
	return o
}

type observer struct {
	tp     trace.TracerProvider
	tracer trace.Tracer
	extra  []attribute.KeyValue
}

// systemName maps quarry's dialect names to the semantic conventions'.
func systemName(dialect string) string {
	if dialect == "postgres" {
		return "postgresql"
	}
	return dialect
}

func (o *observer) StatementStart(ctx context.Context, info quarry.StatementInfo) context.Context {
	op := strings.ToUpper(info.Op.String())
	system := systemName(info.Dialect)
	attrs := make([]attribute.KeyValue, 0, 6+len(o.extra))
	attrs = append(attrs,
		attribute.String("db.system.name", system),
		attribute.String("db.system", system),
		attribute.String("db.operation.name", op),
		attribute.String("db.query.text", info.SQL),
		attribute.Bool("quarry.in_transaction", info.InTx),
		attribute.Int("quarry.args", info.NumArgs),
	)
	attrs = append(attrs, o.extra...)
	ctx, _ = o.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...), trace.WithTimestamp(info.Start))
	return ctx
}

func (o *observer) StatementEnd(ctx context.Context, info quarry.StatementInfo) {
	span := trace.SpanFromContext(ctx)
	if info.Rows >= 0 {
		if info.Op == quarry.OpSelect {
			span.SetAttributes(attribute.Int64("db.response.returned_rows", info.Rows))
		} else {
			span.SetAttributes(attribute.Int64("quarry.rows_affected", info.Rows))
		}
	}
	if info.Err != nil {
		span.RecordError(info.Err)
		span.SetStatus(codes.Error, info.Err.Error())
	}
	span.End(trace.WithTimestamp(info.Start.Add(info.Duration)))
}
