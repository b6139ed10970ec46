package postgres

import (
	"database/sql"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/matryer/is"
)

// The pgx-native forms of sql.Null refuse what sql.Null itself cannot
// hold instead of storing a wrong value. Reading NULL and non-NULL
// values through them, on a real server and through outer joins, is
// covered by the root package's TestCoreRoundTrip.
func TestNullTargetRefuses(t *testing.T) {
	is := is.New(t)
	var n32 sql.Null[int32]
	d, ok := nullTarget(&n32)
	is.True(ok)                                                                                           // sql.Null[int32] has a native form
	is.True(d.(pgtype.Int64Scanner).ScanInt64(pgtype.Int8{Int64: math.MaxInt32 + 1, Valid: true}) != nil) // out of range
	is.Equal(n32, sql.Null[int32]{})                                                                      // left alone
	is.NoErr(d.(pgtype.Int64Scanner).ScanInt64(pgtype.Int8{Int64: math.MinInt32, Valid: true}))
	is.Equal(n32, sql.Null[int32]{V: math.MinInt32, Valid: true})

	var tm sql.Null[time.Time]
	d, _ = nullTarget(&tm)
	for _, m := range []pgtype.InfinityModifier{pgtype.Infinity, pgtype.NegativeInfinity} {
		is.True(d.(pgtype.TimestamptzScanner).ScanTimestamptz(pgtype.Timestamptz{InfinityModifier: m, Valid: true}) != nil) // infinity
	}
	is.NoErr(d.(pgtype.DateScanner).ScanDate(pgtype.Date{}))
	is.Equal(tm, sql.Null[time.Time]{}) // NULL

	_, ok = nullTarget(new(sql.Null[uint8]))
	is.True(!ok) // other types keep sql.Null's Scan
}
