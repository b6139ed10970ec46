package sqlite

import (
	"database/sql"
	"time"
)

// TimeFormat is how quarry writes a time.Time on SQLite: UTC, fixed
// width, nanoseconds, with a Z, so that SQL comparison and ORDER BY of
// the text follow the instant ("2026-01-02 03:04:05.000000000Z"). The
// driver reads it back as a time.Time in UTC; it still reads the
// "2006-01-02 15:04:05.999999999-07:00" text of earlier versions, which
// compares correctly only among values of one zone. Years outside
// 0000-9999 do not keep the fixed width and so do not order correctly.
const TimeFormat = "2006-01-02 15:04:05.000000000Z"

// bindArgs converts the times among args to TimeFormat, copying args
// only when one is a time.
func bindArgs(args []any) []any {
	var out []any
	for i, a := range args {
		v, ok := timeArg(a)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// timeArg returns the text of a time argument, nil for a NULL one.
func timeArg(a any) (any, bool) {
	var t time.Time
	switch v := a.(type) {
	case time.Time:
		t = v
	case *time.Time:
		if v == nil {
			return nil, true
		}
		t = *v
	case sql.NullTime:
		if !v.Valid {
			return nil, true
		}
		t = v.Time
	case sql.Null[time.Time]:
		if !v.Valid {
			return nil, true
		}
		t = v.V
	default:
		return nil, false
	}
	return t.UTC().Format(TimeFormat), true
}
