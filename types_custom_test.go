package quarry_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// tyPoint is a custom column type: text "x,y" on both dialects, with a
// tolerant equality (the custom-type interface: ColumnType, Value,
// Scan, Equal).
type tyPoint struct{ X, Y float64 }

func (tyPoint) ColumnType(d quarry.Dialect) string {
	return d.TypeName(dialect.ColumnType{Kind: dialect.KindString, Text: true})
}

func (p tyPoint) Value() (driver.Value, error) {
	return strconv.FormatFloat(p.X, 'g', -1, 64) + "," + strconv.FormatFloat(p.Y, 'g', -1, 64), nil
}

func (p *tyPoint) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("tyPoint: cannot read %T", src)
	}
	xs, ys, _ := strings.Cut(s, ",")
	var err1, err2 error
	p.X, err1 = strconv.ParseFloat(xs, 64)
	p.Y, err2 = strconv.ParseFloat(ys, 64)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("tyPoint: bad text %q", s)
	}
	return nil
}

// Equal ignores differences below a millionth.
func (p tyPoint) Equal(q tyPoint) bool {
	d := func(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
	return d(p.X, q.X) && d(p.Y, q.Y)
}

type tyPointRow struct {
	ID  int64
	At  tyPoint
	Opt *tyPoint
}

type tyPointTable struct {
	quarry.Entity[tyPointRow]
	ID  quarry.Column[int64] `quarry:"id,pk"`
	At  quarry.Column[tyPoint]
	Opt quarry.Column[*tyPoint]
}

var tyPoints = quarry.Table[tyPointRow, tyPointTable]("ty_points")

// A custom type maps by its ColumnType, round-trips through the Session
// and the statement API, and change detection uses its Equal.
func TestTypesCustomType(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		ddl, err := db.CreateSQL(tyPoints)
		is.NoErr(err)
		is.True(strings.Contains(ddl[0], `"at" TEXT NOT NULL`))
		is.True(strings.Contains(ddl[0], `"opt" TEXT,`))
		is.NoErr(db.CreateAll(ctx, tyPoints))
		s := db.Session()
		defer s.Close(ctx)
		p := &tyPointRow{ID: 1, At: tyPoint{1.5, -2}}
		is.NoErr(s.Add(p))
		is.NoErr(s.Commit(ctx))
		p.At.X += 1e-9 // below Equal's tolerance: not a change
		is.Equal(len(s.Dirty()), 0)
		p.Opt = &tyPoint{3, 4}
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(log.Statements(), []string{"BEGIN", map[bool]string{
			true:  `UPDATE "ty_points" SET "opt" = $1 WHERE "ty_points"."id" = $2`,
			false: `UPDATE "ty_points" SET "opt" = ? WHERE "ty_points"."id" = ?`,
		}[db.Dialect().Name() == "postgres"], "COMMIT"})
		got, err := quarry.Select(tyPoints.Opt).Where(tyPoints.At.Eq(tyPoint{1.5, -2})).One(ctx, db)
		is.NoErr(err)
		is.Equal(*got, tyPoint{3, 4})
	})
}

// SQLite stores times as fixed-width UTC text, so comparisons and
// ordering follow the instant, as on PostgreSQL; rows written in the
// earlier zone-offset format still read back.
func TestTypesTimeComparesByInstant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, tyTimes))
		plus5 := time.FixedZone("", 5*3600)
		minus7 := time.FixedZone("", -7*3600)
		rows := []*tyTime{
			{ID: 1, At: time.Date(2026, 3, 1, 10, 0, 0, 0, plus5)},     // 05:00Z
			{ID: 2, At: time.Date(2026, 3, 1, 0, 30, 0, 0, minus7)},    // 07:30Z
			{ID: 3, At: time.Date(2026, 3, 1, 5, 59, 59, 1, time.UTC)}, // 05:59:59.000000001Z
		}
		_, err := quarry.Insert(tyTimes).Values(rows...).Exec(ctx, db)
		is.NoErr(err)
		utc := func(h, m int) time.Time { return time.Date(2026, 3, 1, h, m, 0, 0, time.UTC) }
		ids := func(c quarry.Condition) []int64 {
			t.Helper()
			got, err := quarry.Select(tyTimes.ID).Where(c).OrderBy(tyTimes.ID).All(ctx, db)
			is.NoErr(err)
			return got
		}
		for _, tc := range []struct {
			name string
			c    quarry.Condition
			want []int64
		}{
			{"Eq 05:00Z", tyTimes.At.Eq(utc(5, 0)), []int64{1}},
			{"Eq in another zone", tyTimes.At.Eq(utc(5, 0).In(minus7)), []int64{1}},
			{"Lt 06:00Z", tyTimes.At.Lt(utc(6, 0)), []int64{1, 3}},
			{"Gt 07:00Z", tyTimes.At.Gt(utc(7, 0)), []int64{2}},
			{"Gt 05:59:59Z by a nanosecond", tyTimes.At.Gt(utc(5, 59).Add(59 * time.Second)), []int64{2, 3}},
		} {
			got := ids(tc.c)
			if db.Dialect().Name() == "postgres" && tc.name == "Gt 05:59:59Z by a nanosecond" {
				tc.want = []int64{2} // PostgreSQL keeps microseconds: its own limit
			}
			is.Equal(got, tc.want) // tc.name
		}
		order, err := quarry.Select(tyTimes.ID).OrderBy(tyTimes.At).All(ctx, db)
		is.NoErr(err)
		is.Equal(order, []int64{1, 3, 2})
		got, err := quarry.Select(tyTimes.At).Where(tyTimes.ID.Eq(1)).One(ctx, db)
		is.NoErr(err)
		is.True(got.Equal(rows[0].At))
		if db.Dialect().Name() == "sqlite" {
			is.Equal(got.Location(), time.UTC) // read back in UTC (pgx: in time.Local)
		}

		if db.Dialect().Name() == "sqlite" {
			// A row in the earlier format still reads back.
			_, err := db.Exec(ctx, quarry.Text(`INSERT INTO ty_times (id, at) VALUES (9, '2026-03-01 10:00:00+05:00')`))
			is.NoErr(err)
			old, err := quarry.Select(tyTimes.At).Where(tyTimes.ID.Eq(9)).One(ctx, db)
			is.NoErr(err)
			is.True(old.Equal(utc(5, 0)))
		}
	})
}

type tyTime struct {
	ID int64
	At time.Time
}

type tyTimeTable struct {
	quarry.Entity[tyTime]
	ID quarry.Column[int64] `quarry:"id,pk"`
	At quarry.Column[time.Time]
}

var tyTimes = quarry.Table[tyTime, tyTimeTable]("ty_times")
