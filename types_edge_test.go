package quarry_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
	"github.com/shopspring/decimal"
)

// TyEdge has a column of each type the round-trip table covers, NOT
// NULL and NULL-able.
type TyEdge struct {
	ID    int64
	I64   int64
	I32   int32
	I16   int16
	U8    uint8
	U16   uint16
	U32   uint32
	U64   uint64
	F64   float64
	F32   float32
	NF    *float64
	S     string
	NS    *string
	B     []byte
	NB    *[]byte
	T     time.Time
	NT    *time.Time
	D     time.Duration
	Dec   decimal.Decimal
	Strs  []string
	Ints  []int64
	Times []time.Time
	J     quarry.JSON[map[string]any]
}

type TyEdgeTable struct {
	quarry.Entity[TyEdge]
	ID    quarry.Column[int64] `quarry:"id,pk"`
	I64   quarry.Column[int64]
	I32   quarry.Column[int32]
	I16   quarry.Column[int16]
	U8    quarry.Column[uint8]
	U16   quarry.Column[uint16]
	U32   quarry.Column[uint32]
	U64   quarry.Column[uint64]
	F64   quarry.Column[float64]
	F32   quarry.Column[float32]
	NF    quarry.Column[*float64]
	S     quarry.Column[string]  `quarry:"s,text"`
	NS    quarry.Column[*string] `quarry:"ns,text"`
	B     quarry.Column[[]byte]
	NB    quarry.Column[*[]byte]
	T     quarry.Column[time.Time]
	NT    quarry.Column[*time.Time]
	D     quarry.Column[time.Duration]
	Dec   quarry.Column[decimal.Decimal]
	Strs  quarry.Column[[]string]
	Ints  quarry.Column[[]int64]
	Times quarry.Column[[]time.Time]
	J     quarry.Column[quarry.JSON[map[string]any]]
}

var TyEdges = quarry.Table[TyEdge, TyEdgeTable]("ty_edges")

// The round-trip table: each row is written through a Session and read
// back by a fresh one, on every backend. PostgreSQL keeps microseconds
// (times and intervals): pgx truncates the nanoseconds, and the test
// asserts exactly that truncation; every other value comes back equal.
func TestTypesEdgeRoundTrip(t *testing.T) {
	kathmandu := time.FixedZone("NPT", 5*3600+45*60)
	newYork := time.FixedZone("EST", -5*3600)
	chatham := time.FixedZone("CHAST", 12*3600+45*60)
	nested := map[string]any{
		"a":     map[string]any{"b": []any{1.0, "x", nil, map[string]any{"c": true}}},
		"ü 🙂":   "日本語",
		"empty": map[string]any{},
		"arr":   []any{},
		"null":  nil,
	}
	rows := []struct {
		name string
		row  TyEdge
	}{
		{"zero", TyEdge{}},
		{"min", TyEdge{
			I64: math.MinInt64, I32: math.MinInt32, I16: math.MinInt16,
			F64: -math.MaxFloat64, F32: -math.MaxFloat32, NF: ptr(-math.SmallestNonzeroFloat64),
			D: -(time.Hour + time.Microsecond), Dec: decimal.RequireFromString("-0.000000000000000000000000000001"),
			Ints: []int64{math.MinInt64}, T: time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
		}},
		{"max", TyEdge{
			I64: math.MaxInt64, I32: math.MaxInt32, I16: math.MaxInt16,
			U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxInt64,
			F64: math.MaxFloat64, F32: math.MaxFloat32, NF: ptr(math.SmallestNonzeroFloat64),
			D: math.MaxInt64 / 1000 * 1000, Ints: []int64{math.MaxInt64, 0, math.MinInt64},
			T: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			// 40 significant digits, 20 after the point.
			Dec: decimal.RequireFromString("12345678901234567890.12345678901234567890"),
		}},
		{"infinities", TyEdge{F64: math.Inf(1), F32: float32(math.Inf(-1)), NF: ptr(math.Inf(-1))}},
		{"negative zero", TyEdge{F64: math.Copysign(0, -1), NF: ptr(0.0)}},
		{"empty strings", TyEdge{S: "", NS: ptr(""), Strs: []string{""}}},
		{"unicode", TyEdge{
			S: "ünïcødé 🙂 日本語 e\u0301 \u200d\u2028", NS: ptr("🙂"),
			Strs: []string{"ü", "null", "NULL", `"`, "[]", "a,b", "{}", `\`, "🙂"},
		}},
		{"bytes nil", TyEdge{B: nil, NB: nil}},
		{"bytes empty", TyEdge{B: []byte{}, NB: ptr([]byte{})}},
		{"bytes data", TyEdge{B: []byte{0, 1, 0xff}, NB: ptr([]byte{0})}},
		{"times in zones with nanoseconds", TyEdge{
			T:     time.Date(2026, 3, 1, 10, 0, 0, 123456789, kathmandu),
			NT:    ptr(time.Date(2026, 3, 1, 0, 0, 0, 1, newYork)),
			Times: []time.Time{time.Date(2026, 3, 1, 10, 0, 0, 123456000, chatham), time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)},
			D:     time.Minute + 1500*time.Nanosecond,
		}},
		{"zero times", TyEdge{T: time.Time{}, NT: ptr(time.Time{}), Times: []time.Time{{}}}},
		{"decimal trailing zeros", TyEdge{Dec: decimal.RequireFromString("1.10")}},
		{"json nested", TyEdge{J: quarry.JSON[map[string]any]{V: nested}}},
		{"json empty", TyEdge{J: quarry.JSON[map[string]any]{V: map[string]any{}}}},
	}
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TyEdges))
		micro := db.Dialect().Name() == "postgres" // PostgreSQL keeps microseconds
		s := db.Session()
		defer s.Close(ctx)
		for i := range rows {
			r := rows[i].row
			r.ID = int64(i + 1)
			is.NoErr(s.Add(&r))
		}
		log.Reset()
		is.NoErr(s.Commit(ctx))
		inserts := 0
		for _, e := range log.Entries() {
			if strings.HasPrefix(e.SQL, `INSERT INTO "ty_edges"`) {
				inserts++
			}
		}
		is.True(inserts >= 1) // the rows went through the Session's INSERTs

		s2 := db.Session()
		defer s2.Close(ctx)
		for i, tc := range rows {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				got, err := quarry.Get(ctx, s2, TyEdges, int64(i+1))
				is.NoErr(err)
				want := tc.row
				want.ID = int64(i + 1)
				if micro {
					want.T = want.T.Truncate(time.Microsecond)
					if want.NT != nil {
						want.NT = ptr(want.NT.Truncate(time.Microsecond))
					}
					want.D = want.D.Truncate(time.Microsecond)
				}
				assertEdgeEqual(t, got, &want)
			})
		}
		is.Equal(len(s2.Dirty()), 0) // reading changed nothing
	})
}

// assertEdgeEqual compares two TyEdge by value: times by instant,
// decimals numerically, NOT NULL bytes and arrays with nil equal to
// empty (the column holds the empty value), NULL-able bytes by NULL-ness
// and content.
func assertEdgeEqual(t *testing.T, got, want *TyEdge) {
	t.Helper()
	is := is.NewRelaxed(t)
	is.Equal(got.ID, want.ID)
	is.Equal(got.I64, want.I64)
	is.Equal(got.I32, want.I32)
	is.Equal(got.I16, want.I16)
	is.Equal(got.U8, want.U8)
	is.Equal(got.U16, want.U16)
	is.Equal(got.U32, want.U32)
	is.Equal(got.U64, want.U64)
	// By ==, so that SQLite's 0 for -0 (it keeps integral REALs as
	// integers, which have no sign) counts as equal; Inf by value.
	is.True(got.F64 == want.F64)            // F64
	is.True(got.F32 == want.F32)            // F32
	is.Equal(got.NF == nil, want.NF == nil) // NF NULL-ness
	if got.NF != nil && want.NF != nil {
		is.Equal(*got.NF, *want.NF)
	}
	is.Equal(got.S, want.S)
	is.Equal(got.NS, want.NS)
	is.True(bytes.Equal(got.B, want.B))     // B
	is.Equal(got.NB == nil, want.NB == nil) // NB NULL-ness: empty is not NULL
	if got.NB != nil && want.NB != nil {
		is.True(bytes.Equal(*got.NB, *want.NB)) // NB
	}
	is.True(got.T.Equal(want.T))            // T, by instant
	is.Equal(got.NT == nil, want.NT == nil) // NT NULL-ness
	if got.NT != nil && want.NT != nil {
		is.True(got.NT.Equal(*want.NT)) // NT, by instant
	}
	is.Equal(got.D, want.D)
	is.True(got.Dec.Equal(want.Dec)) // Dec, exactly
	is.Equal(len(got.Strs), len(want.Strs))
	if len(want.Strs) > 0 {
		is.Equal(got.Strs, want.Strs)
	}
	is.Equal(len(got.Ints), len(want.Ints))
	if len(want.Ints) > 0 {
		is.Equal(got.Ints, want.Ints)
	}
	is.Equal(len(got.Times), len(want.Times))
	for i := range min(len(got.Times), len(want.Times)) {
		is.True(got.Times[i].Equal(want.Times[i])) // Times element, by instant
	}
	is.True(reflect.DeepEqual(got.J.V, want.J.V)) // J, nested
}

// Values a database cannot store are refused before SQL runs, with an
// error naming the table, column and value: NaN on SQLite (which would
// store NULL, or fail a NOT NULL column), a NUL byte in text on
// PostgreSQL, an unsigned value beyond the signed 64-bit column on
// both. Where the database can store them, they come back equal.
func TestTypesEdgeNotStorable(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name   string
		row    TyEdge
		column string
		// storable says on which dialect the value is storable.
		storable func(postgres bool) bool
		check    func(is *is.I, got *TyEdge)
	}{
		{"NaN", TyEdge{F64: nan}, "ty_edges.f64", func(pg bool) bool { return pg },
			func(is *is.I, got *TyEdge) { is.True(math.IsNaN(got.F64)) }},
		{"NaN float32", TyEdge{F32: float32(nan)}, "ty_edges.f32", func(pg bool) bool { return pg },
			func(is *is.I, got *TyEdge) { is.True(math.IsNaN(float64(got.F32))) }},
		{"NaN NULL-able", TyEdge{NF: &nan}, "ty_edges.nf", func(pg bool) bool { return pg },
			func(is *is.I, got *TyEdge) { is.True(got.NF != nil && math.IsNaN(*got.NF)) }},
		{"NUL in text", TyEdge{S: "a\x00b"}, "ty_edges.s", func(pg bool) bool { return !pg },
			func(is *is.I, got *TyEdge) { is.Equal(got.S, "a\x00b") }},
		{"NUL in NULL-able text", TyEdge{NS: ptr("\x00")}, "ty_edges.ns", func(pg bool) bool { return !pg },
			func(is *is.I, got *TyEdge) { is.Equal(got.NS, ptr("\x00")) }},
		{"NUL in a text array", TyEdge{Strs: []string{"ok", "x\x00"}}, "ty_edges.strs", func(pg bool) bool { return !pg },
			func(is *is.I, got *TyEdge) { is.Equal(got.Strs, []string{"ok", "x\x00"}) }},
		{"unsigned beyond int64", TyEdge{U64: math.MaxUint64}, "ty_edges.u64", func(bool) bool { return false }, nil},
	}
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		ctx := context.Background()
		is.New(t).NoErr(db.CreateAll(ctx, TyEdges))
		pg := db.Dialect().Name() == "postgres"
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				row := tc.row
				row.ID = int64(i + 1)
				s := db.Session()
				defer s.Close(ctx)
				is.NoErr(s.Add(&row))
				log.Reset()
				err := s.Commit(ctx)
				if tc.storable(pg) {
					is.NoErr(err)
					got, err := quarry.Get(ctx, db.Session(), TyEdges, row.ID)
					is.NoErr(err)
					tc.check(is, got)
					return
				}
				is.True(errors.Is(err, quarry.ErrValueNotStorable)) // refused by quarry
				is.True(strings.Contains(err.Error(), tc.column))   // names table and column
				for _, e := range log.Entries() {
					is.True(!strings.HasPrefix(e.SQL, "INSERT")) // no INSERT sent
				}
				// The same refusal from an INSERT statement, before SQL.
				log.Reset()
				_, err = quarry.Insert(TyEdges).Values(&row).Exec(ctx, db)
				is.True(errors.Is(err, quarry.ErrValueNotStorable))
				is.Equal(len(log.Entries()), 0) // nothing sent
				n, err := quarry.Select(quarry.CountAll()).SelectFrom(TyEdges).Where(TyEdges.ID.Eq(row.ID)).Scalar(ctx, db)
				is.NoErr(err)
				is.Equal(n, int64(0)) // nothing written
			})
		}
	})
}

// The values of an UPDATE statement's Set are checked the same way: a
// NaN on SQLite, a NUL byte on PostgreSQL, before anything is sent.
func TestTypesEdgeNotStorableUpdate(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TyEdges))
		_, err := quarry.Insert(TyEdges).Values(&TyEdge{ID: 1, F64: 1.5, S: "ok"}).Exec(ctx, db)
		is.NoErr(err)
		set, column := quarry.Set(TyEdges.F64, math.NaN()), "ty_edges.f64"
		if db.Dialect().Name() == "postgres" {
			set, column = quarry.Set(TyEdges.S, "nul\x00"), "ty_edges.s"
		}
		log.Reset()
		_, err = quarry.Update(TyEdges).Set(set).Where(TyEdges.ID.Eq(1)).Exec(ctx, db)
		is.True(errors.Is(err, quarry.ErrValueNotStorable)) // refused
		is.True(strings.Contains(err.Error(), column))      // names the column
		is.Equal(len(log.Entries()), 0)                     // nothing sent
		got, err := quarry.Get(ctx, db.Session(), TyEdges, int64(1))
		is.NoErr(err)
		is.Equal(got.F64, 1.5) // unchanged
		is.Equal(got.S, "ok")  // unchanged
	})
}

// TyCount is a named unsigned type: it gets the same range check.
type TyCount uint64

type TyCounter struct {
	ID int64
	N  TyCount
}

type TyCounterTable struct {
	quarry.Entity[TyCounter]
	ID quarry.Column[int64] `quarry:"id,pk"`
	N  quarry.Column[TyCount]
}

var TyCounters = quarry.Table[TyCounter, TyCounterTable]("ty_counters")

func TestTypesNamedUnsignedRange(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TyCounters))
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(&TyCounter{ID: 1, N: math.MaxInt64}, &TyCounter{ID: 2, N: math.MaxInt64 + 1}))
		log.Reset()
		err := s.Commit(ctx)
		is.True(errors.Is(err, quarry.ErrValueNotStorable))
		is.True(strings.Contains(err.Error(), "ty_counters.n"))
		for _, st := range log.Statements() {
			is.True(!strings.HasPrefix(st, "INSERT")) // refused before SQL
		}
		s2 := db.Session()
		defer s2.Close(ctx)
		is.NoErr(s2.Add(&TyCounter{ID: 1, N: math.MaxInt64}))
		is.NoErr(s2.Commit(ctx))
		got, err := quarry.Get(ctx, db.Session(), TyCounters, int64(1))
		is.NoErr(err)
		is.Equal(got.N, TyCount(math.MaxInt64))
	})
}
