package quarry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
	"github.com/shopspring/decimal"
)

// TyCmp holds the values of the comparison table: a decimal stored as
// exact text on SQLite, a time, and an array of times.
type TyCmp struct {
	ID     int64
	Amount decimal.Decimal
	At     time.Time
	Stamps []time.Time
}

type TyCmpTable struct {
	quarry.Entity[TyCmp]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	Amount quarry.Column[decimal.Decimal]
	At     quarry.Column[time.Time]
	Stamps quarry.Column[[]time.Time]
}

var TyCmps = quarry.Table[TyCmp, TyCmpTable]("ty_cmps")

var (
	plus5  = time.FixedZone("", 5*3600)
	minus5 = time.FixedZone("", -5*3600)
	plus13 = time.FixedZone("", 13*3600)
	// tyAt are instants given in several zones: ids 1..5 in instant
	// order 5, 1, 2, 3, 4.
	tyAt = []time.Time{
		time.Date(2026, 3, 1, 10, 0, 0, 0, plus5),   // 1: 05:00Z
		time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC), // 2: 06:00Z
		time.Date(2026, 3, 1, 1, 30, 0, 0, minus5),  // 3: 06:30Z
		time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC), // 4: 07:00Z
		time.Date(2026, 3, 1, 0, 0, 0, 0, plus13),   // 5: 02-28 11:00Z
	}
	// tyAmounts compare differently as text and as numbers.
	tyAmounts = []string{"9", "10.5", "-2", "1.1", "100", "0.000001", "99.99"}
)

func seedCmps(t *testing.T, db *quarry.DB) {
	t.Helper()
	is := is.New(t)
	ctx := context.Background()
	is.NoErr(db.CreateAll(ctx, TyCmps))
	s := db.Session()
	defer s.Close(ctx)
	for i, a := range tyAmounts {
		at := tyAt[i%len(tyAt)]
		is.NoErr(s.Add(&TyCmp{ID: int64(i + 1), Amount: decimal.RequireFromString(a), At: at, Stamps: []time.Time{at, at.Add(time.Hour)}}))
	}
	is.NoErr(s.Commit(ctx))
}

func idsOf(rows []*TyCmp) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// Decimal comparisons and ORDER BY follow the numeric value on both
// dialects (on SQLite, where decimals are text, through CAST AS REAL),
// and Eq finds a value written with other trailing zeros.
func TestTypesDecimalCompare(t *testing.T) {
	d := TyCmps.Amount
	cases := []struct {
		name string
		cond quarry.Condition
		want []int64 // by id
	}{
		{"Eq with trailing zero", d.Eq(dec("1.10")), []int64{4}},
		{"Eq integer", d.Eq(dec("9.000")), []int64{1}},
		{"Ne", d.Ne(dec("9")), []int64{2, 3, 4, 5, 6, 7}},
		{"Lt", d.Lt(dec("10")), []int64{1, 3, 4, 6}},
		{"Le", d.Le(dec("10.50")), []int64{1, 2, 3, 4, 6}},
		{"Gt", d.Gt(dec("10")), []int64{2, 5, 7}},
		{"Ge", d.Ge(dec("99.99")), []int64{5, 7}},
		{"Between", d.Between(dec("1"), dec("10.5")), []int64{1, 2, 4}},
		{"Gt negative", d.Gt(dec("-2")), []int64{1, 2, 4, 5, 6, 7}},
	}
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		seedCmps(t, db)
		ctx := context.Background()
		sqlite := db.Dialect().Name() == "sqlite"
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				log.Reset()
				rows, err := quarry.Select(TyCmps).Where(tc.cond).OrderBy(TyCmps.ID).All(ctx, db)
				is.NoErr(err)
				is.Equal(idsOf(rows), tc.want)
				sent := log.Entries()[0].SQL
				ordered := !strings.HasPrefix(tc.name, "Eq") && tc.name != "Ne"
				is.Equal(strings.Contains(sent, `CAST("ty_cmps"."amount" AS REAL)`), sqlite && ordered) // cast only for order comparisons on SQLite
			})
		}
		t.Run("ORDER BY", func(t *testing.T) {
			is := is.New(t)
			log.Reset()
			rows, err := quarry.Select(TyCmps).OrderBy(TyCmps.Amount).All(ctx, db)
			is.NoErr(err)
			is.Equal(idsOf(rows), []int64{3, 6, 4, 1, 2, 7, 5})
			rows, err = quarry.Select(TyCmps).OrderBy(TyCmps.Amount.Desc()).All(ctx, db)
			is.NoErr(err)
			is.Equal(idsOf(rows), []int64{5, 7, 2, 1, 4, 6, 3})
			if sqlite {
				is.True(strings.Contains(log.Entries()[1].SQL, `ORDER BY CAST("ty_cmps"."amount" AS REAL) DESC`))
			}
			for _, r := range rows { // values stay exact
				is.Equal(r.Amount.String(), tyAmounts[r.ID-1])
			}
		})
		t.Run("Seek", func(t *testing.T) { // keyset pages follow the number too
			is := is.New(t)
			last := dec(tyAmounts[0]) // id 1
			rows, err := quarry.Select(TyCmps).Seek(quarry.Key(TyCmps.Amount, last), quarry.Key(TyCmps.ID, int64(1))).All(ctx, db)
			is.NoErr(err)
			is.Equal(idsOf(rows), []int64{2, 7, 5})
			rows, err = quarry.Select(TyCmps).Seek(quarry.Key(TyCmps.Amount, last)).All(ctx, db)
			is.NoErr(err)
			is.Equal(idsOf(rows), []int64{2, 7, 5})
			rows, err = quarry.Select(TyCmps).Seek(quarry.KeyDesc(TyCmps.Amount, last), quarry.Key(TyCmps.ID, int64(1))).All(ctx, db)
			is.NoErr(err)
			is.Equal(idsOf(rows), []int64{4, 6, 3})
		})
	})
}

// Time comparisons and ORDER BY follow the instant on both dialects,
// whatever zone the values were written and compared in.
func TestTypesTimeCompareZones(t *testing.T) {
	at := TyCmps.At
	z := func(h, m int) time.Time { return time.Date(2026, 3, 1, h, m, 0, 0, time.UTC) }
	cases := []struct {
		name string
		cond quarry.Condition
		want []int64
	}{
		{"Eq in another zone", at.Eq(z(5, 0).In(minus5)), []int64{1, 6}},
		{"Eq UTC", at.Eq(z(6, 30)), []int64{3}},
		{"Lt", at.Lt(z(6, 0).In(plus13)), []int64{1, 5, 6}},
		{"Gt", at.Gt(z(6, 0)), []int64{3, 4}},
		{"Le", at.Le(z(6, 0).In(plus5)), []int64{1, 2, 5, 6, 7}},
		{"Between", at.Between(z(5, 0).In(plus5), z(6, 30).In(minus5)), []int64{1, 2, 3, 6, 7}},
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		seedCmps(t, db)
		ctx := context.Background()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				rows, err := quarry.Select(TyCmps).Where(tc.cond).OrderBy(TyCmps.ID).All(ctx, db)
				is.NoErr(err)
				is.Equal(idsOf(rows), tc.want)
			})
		}
		t.Run("ORDER BY", func(t *testing.T) {
			is := is.New(t)
			rows, err := quarry.Select(TyCmps).OrderBy(TyCmps.At, TyCmps.ID).All(ctx, db)
			is.NoErr(err)
			is.Equal(idsOf(rows), []int64{5, 1, 6, 2, 7, 3, 4})
		})
	})
}

// A []time.Time column round-trips (timestamptz[] on PostgreSQL, JSON
// text in UTC on SQLite) and the array operators match its elements by
// instant, in any zone.
func TestTypesTimeArray(t *testing.T) {
	st := TyCmps.Stamps
	z := func(h, m int) time.Time { return time.Date(2026, 3, 1, h, m, 0, 0, time.UTC) }
	cases := []struct {
		name string
		cond quarry.Condition
		want []int64
	}{
		{"Has", quarry.ArrayHas(st, z(6, 0).In(plus13)), []int64{1, 2, 6, 7}},
		{"Has the later stamp", quarry.ArrayHas(st, z(7, 30).In(minus5)), []int64{3}},
		{"Contains both", quarry.ArrayContains(st, z(5, 0).In(minus5), z(6, 0)), []int64{1, 6}},
		{"Contains one missing", quarry.ArrayContains(st, z(5, 0), z(9, 0)), nil},
		{"Overlaps", quarry.ArrayOverlaps(st, z(7, 30).In(plus5), z(8, 0)), []int64{3, 4}},
	}
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		seedCmps(t, db)
		ctx := context.Background()
		is := is.New(t)
		s := db.Session()
		defer s.Close(ctx)
		got, err := quarry.Get(ctx, s, TyCmps, int64(3))
		is.NoErr(err)
		is.Equal(len(got.Stamps), 2)
		is.True(got.Stamps[0].Equal(tyAt[2]) && got.Stamps[1].Equal(tyAt[2].Add(time.Hour))) // read back by instant
		is.Equal(len(s.Dirty()), 0)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				is := is.New(t)
				rows, err := quarry.Select(TyCmps).Where(tc.cond).OrderBy(TyCmps.ID).All(ctx, db)
				is.NoErr(err)
				if tc.want == nil {
					is.Equal(len(rows), 0)
					return
				}
				is.Equal(idsOf(rows), tc.want)
			})
		}
	})
}
