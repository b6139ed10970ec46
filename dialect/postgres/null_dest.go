package postgres

import (
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// pgx fills a *sql.Null[T] through its sql.Scanner method, which decodes
// the value into a driver.Value first: one allocation per non-NULL value
// (an interface box), on every row of an outer join's optional side
// (quarry scans it into sql.Null holders) and of every sql.Null field.
// The common ones are handed to pgx as types of the same layout that
// implement pgx's own scanner interfaces, which it fills without boxing.
// Each keeps sql.Null's Scan, so a column type pgx has no direct plan for
// is read exactly as before.

type (
	nullInt64   sql.Null[int64]
	nullInt32   sql.Null[int32]
	nullInt     sql.Null[int]
	nullString  sql.Null[string]
	nullBool    sql.Null[bool]
	nullFloat64 sql.Null[float64]
	nullTime    sql.Null[time.Time]
)

// nullTarget returns the native form of a *sql.Null[T] destination, or
// false for any other destination.
func nullTarget(d any) (any, bool) {
	switch d := d.(type) {
	case *sql.Null[int64]:
		return (*nullInt64)(d), true
	case *sql.Null[int32]:
		return (*nullInt32)(d), true
	case *sql.Null[int]:
		return (*nullInt)(d), true
	case *sql.Null[string]:
		return (*nullString)(d), true
	case *sql.Null[bool]:
		return (*nullBool)(d), true
	case *sql.Null[float64]:
		return (*nullFloat64)(d), true
	case *sql.Null[time.Time]:
		return (*nullTime)(d), true
	}
	return nil, false
}

func (n *nullInt64) ScanInt64(v pgtype.Int8) error {
	*n = nullInt64{V: v.Int64, Valid: v.Valid}
	return nil
}

func (n *nullInt32) ScanInt64(v pgtype.Int8) error {
	if v.Int64 < math.MinInt32 || v.Int64 > math.MaxInt32 {
		return fmt.Errorf("%d is out of range for int32", v.Int64)
	}
	*n = nullInt32{V: int32(v.Int64), Valid: v.Valid}
	return nil
}

func (n *nullInt) ScanInt64(v pgtype.Int8) error {
	if v.Int64 < math.MinInt || v.Int64 > math.MaxInt {
		return fmt.Errorf("%d is out of range for int", v.Int64)
	}
	*n = nullInt{V: int(v.Int64), Valid: v.Valid}
	return nil
}

func (n *nullString) ScanText(v pgtype.Text) error {
	*n = nullString{V: v.String, Valid: v.Valid}
	return nil
}

func (n *nullBool) ScanBool(v pgtype.Bool) error {
	*n = nullBool{V: v.Bool, Valid: v.Valid}
	return nil
}

func (n *nullFloat64) ScanFloat64(v pgtype.Float8) error {
	*n = nullFloat64{V: v.Float64, Valid: v.Valid}
	return nil
}

func (n *nullTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	return n.set(v.Time, v.InfinityModifier, v.Valid)
}

func (n *nullTime) ScanTimestamp(v pgtype.Timestamp) error {
	return n.set(v.Time, v.InfinityModifier, v.Valid)
}

func (n *nullTime) ScanDate(v pgtype.Date) error {
	return n.set(v.Time, v.InfinityModifier, v.Valid)
}

// set stores a finite time; infinity has no time.Time, and pgx refuses
// it for a *time.Time destination too.
func (n *nullTime) set(t time.Time, m pgtype.InfinityModifier, valid bool) error {
	if valid && m != pgtype.Finite {
		return fmt.Errorf("cannot scan %v into sql.Null[time.Time]", m)
	}
	*n = nullTime{V: t, Valid: valid}
	return nil
}

func (n *nullInt64) Scan(src any) error   { return (*sql.Null[int64])(n).Scan(src) }
func (n *nullInt32) Scan(src any) error   { return (*sql.Null[int32])(n).Scan(src) }
func (n *nullInt) Scan(src any) error     { return (*sql.Null[int])(n).Scan(src) }
func (n *nullString) Scan(src any) error  { return (*sql.Null[string])(n).Scan(src) }
func (n *nullBool) Scan(src any) error    { return (*sql.Null[bool])(n).Scan(src) }
func (n *nullFloat64) Scan(src any) error { return (*sql.Null[float64])(n).Scan(src) }
func (n *nullTime) Scan(src any) error    { return (*sql.Null[time.Time])(n).Scan(src) }
