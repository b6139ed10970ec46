package quarry_test

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// coreAllColumns lists the columns of CoreAlls with the value each takes
// from a CoreAll, in one place so the INSERT cannot drift from the table.
func coreAllColumns(v *CoreAll) []struct {
	name string
	val  any
} {
	T := CoreAlls
	return []struct {
		name string
		val  any
	}{
		{T.ID.Name(), v.ID}, {T.Int.Name(), v.Int}, {T.Int8.Name(), v.Int8}, {T.Int16.Name(), v.Int16},
		{T.Int32.Name(), v.Int32}, {T.Int64.Name(), v.Int64}, {T.Uint.Name(), v.Uint}, {T.Uint8.Name(), v.Uint8},
		{T.Uint16.Name(), v.Uint16}, {T.Uint32.Name(), v.Uint32}, {T.Uint64.Name(), v.Uint64},
		{T.Float32.Name(), v.Float32}, {T.Float64.Name(), v.Float64}, {T.Bool.Name(), v.Bool},
		{T.String.Name(), v.String}, {T.Bytes.Name(), v.Bytes}, {T.Time.Name(), v.Time},
		{T.PInt.Name(), v.PInt}, {T.PInt8.Name(), v.PInt8}, {T.PInt16.Name(), v.PInt16}, {T.PInt32.Name(), v.PInt32},
		{T.PInt64.Name(), v.PInt64}, {T.PUint.Name(), v.PUint}, {T.PUint8.Name(), v.PUint8},
		{T.PUint16.Name(), v.PUint16}, {T.PUint32.Name(), v.PUint32}, {T.PUint64.Name(), v.PUint64},
		{T.PFloat32.Name(), v.PFloat32}, {T.PFloat64.Name(), v.PFloat64}, {T.PBool.Name(), v.PBool},
		{T.PString.Name(), v.PString}, {T.PBytes.Name(), v.PBytes}, {T.PTime.Name(), v.PTime},
		{T.NString.Name(), v.NString}, {T.NInt64.Name(), v.NInt64}, {T.NInt32.Name(), v.NInt32},
		{T.NFloat64.Name(), v.NFloat64}, {T.NBool.Name(), v.NBool}, {T.NTime.Name(), v.NTime},
		{T.Money.Name(), v.Money},
	}
}

func coreInsertAll(ctx context.Context, db *quarry.DB, v *CoreAll) error {
	cols := coreAllColumns(v)
	var names, params []string
	for _, c := range cols {
		names = append(names, `"`+c.name+`"`)
		params = append(params, ":"+c.name)
	}
	txt := quarry.UnsafeText("INSERT INTO core_all (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(params, ", ") + ")")
	for _, c := range cols {
		txt = txt.Bind(c.name, c.val)
	}
	_, err := db.Exec(ctx, txt)
	return err
}

func TestCoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	zone := time.FixedZone("UTC+5:30", 5*3600+30*60)
	when := time.Date(2024, 2, 29, 13, 14, 15, 123456000, zone)
	full := CoreAll{
		ID: 1, Int: -1 << 40, Int8: math.MinInt8, Int16: math.MinInt16, Int32: math.MinInt32, Int64: math.MinInt64,
		Uint: 1 << 40, Uint8: math.MaxUint8, Uint16: math.MaxUint16, Uint32: math.MaxUint32, Uint64: math.MaxInt64,
		Float32: 1.25, Float64: -2.5e300, Bool: true, String: "héllo 'q' \"d\" :x ? $1 \\ \t", Bytes: []byte{0, 1, 2, 0xff},
		Time: when,
		PInt: ptr(7), PInt8: ptr[int8](-8), PInt16: ptr[int16](16), PInt32: ptr[int32](-32), PInt64: ptr[int64](64),
		PUint: ptr[uint](1), PUint8: ptr[uint8](8), PUint16: ptr[uint16](16), PUint32: ptr[uint32](32), PUint64: ptr[uint64](64),
		PFloat32: ptr[float32](-0.5), PFloat64: ptr(3.25), PBool: ptr(false), PString: ptr(""), PBytes: ptr([]byte{9}),
		PTime:   ptr(when.Add(time.Hour)),
		NString: sql.Null[string]{V: "n", Valid: true}, NInt64: sql.Null[int64]{V: -5, Valid: true},
		NInt32: sql.Null[int32]{V: 5, Valid: true}, NFloat64: sql.Null[float64]{V: 0.125, Valid: true},
		NBool: sql.Null[bool]{V: true, Valid: true}, NTime: sql.Null[time.Time]{V: when.Add(-time.Hour), Valid: true},
		Money: CoreMoney{Cents: 12345},
	}
	// Every nullable column NULL, every other one its zero value.
	empty := CoreAll{ID: 2, Bytes: []byte{}, Time: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)}

	run := func(t *testing.T, db *quarry.DB, opts ...quarry.OpenOption) {
		if db.Dialect().Name() == "postgres" {
			// A session time zone that is neither UTC nor the values'.
			db = coreOwnDBParams(t, testdb.PostgreSQL, "timezone=America/St_Johns", opts...)
			tz, err := quarry.Select(quarry.Func[string]("current_setting", quarry.Value("TimeZone"))).One(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if tz != "America/St_Johns" {
				t.Fatalf("session time zone is %q", tz)
			}
		}
		is := is.New(t)
		is.NoErr(db.CreateAll(ctx, CoreAlls))
		for _, want := range []CoreAll{full, empty} {
			is.NoErr(coreInsertAll(ctx, db, &want)) // insert
			got, err := quarry.Select(CoreAlls).Where(CoreAlls.ID.Eq(want.ID)).One(ctx, db)
			is.NoErr(err) // read back
			coreSameAll(is, got, want)

			// The optional side of an outer join is read through
			// NULL-aware holders: the same values, and nil when no row
			// matches.
			o := quarry.Aliased(CoreAlls, quarry.AliasName("o"))
			joined, err := quarry.Select2(CoreAlls.ID, o).OuterJoin(o, o.ID.EqExpr(CoreAlls.ID)).Where(CoreAlls.ID.Eq(want.ID)).One(ctx, db)
			is.NoErr(err) // read through an outer join
			is.True(joined.V2 != nil)
			coreSameAll(is, joined.V2, want)
			missing, err := quarry.Select2(CoreAlls.ID, o).OuterJoin(o, o.ID.EqExpr(CoreAlls.ID), o.ID.Ne(want.ID)).Where(CoreAlls.ID.Eq(want.ID)).One(ctx, db)
			is.NoErr(err)                 // outer join without a match
			is.Equal(missing.V1, want.ID) // the row
			is.True(missing.V2 == nil)    // no match: nil

			// Each value also finds its row as a bound parameter.
			n, err := quarry.Select(CoreAlls).Where(
				CoreAlls.Int.Eq(want.Int), CoreAlls.Uint64.Eq(want.Uint64), CoreAlls.Float32.Eq(want.Float32),
				CoreAlls.String.Eq(want.String), CoreAlls.Bytes.Eq(want.Bytes), CoreAlls.Time.Eq(want.Time),
				CoreAlls.PString.Eq(want.PString), CoreAlls.PTime.Eq(want.PTime), CoreAlls.Money.Eq(want.Money),
				CoreAlls.NString.Eq(want.NString), CoreAlls.Bool.Eq(want.Bool),
			).Count(ctx, db)
			is.NoErr(err)
			is.Equal(n, int64(1)) // found by value
		}
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) { run(t, db) })
	// The simple protocol reads every value in text format, through
	// other pgx scan plans.
	t.Run("postgres-simple-protocol", func(t *testing.T) {
		run(t, testdb.Open(t, testdb.PostgreSQL), postgres.WithExecMode(pgx.QueryExecModeSimpleProtocol))
	})
}

// coreSameAll checks that got holds the values of want. Times come back
// in another location: their instants are compared, then the rest field
// by field.
func coreSameAll(is *is.I, got *CoreAll, want CoreAll) {
	is.Helper()
	g := *got
	is.True(g.Time.Equal(want.Time)) // time.Time
	g.Time = want.Time
	if want.PTime != nil {
		is.True(g.PTime != nil && g.PTime.Equal(*want.PTime)) // *time.Time
		g.PTime = want.PTime
	}
	is.True(g.NTime.Valid == want.NTime.Valid && g.NTime.V.Equal(want.NTime.V)) // sql.Null[time.Time]
	g.NTime = want.NTime
	if len(want.Bytes) == 0 {
		// SQLite reads an empty BLOB back as nil.
		is.Equal(len(g.Bytes), 0) // []byte
		g.Bytes = want.Bytes
	}
	is.Equal(g, want) // every other field unchanged
}
