package quarry

import (
	"fmt"
	"math"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// A database that cannot store a value as it is would otherwise store
// something else without a word (SQLite binds a NaN as NULL) or fail
// with a message that names neither table nor column (PostgreSQL and a
// NUL byte in text). quarry checks the values it writes against the
// dialect's Capabilities before any SQL runs instead, and refuses them
// with ErrValueNotStorable, as it refuses an unsigned value too large
// for the signed 64-bit column that holds it.

// checkStorable returns an error wrapping ErrValueNotStorable when a
// column of obj holds a value the dialect cannot store.
func checkStorable(d Dialect, caps dialect.Capabilities, cols []*schema.Column, obj field.Ptr) error {
	for _, c := range cols {
		if err := checkField(d, caps, c, obj); err != nil {
			return err
		}
	}
	return nil
}

// checkField checks column c of obj. A column whose only possible issue
// the dialect stores as it is (NUL on SQLite, NaN on PostgreSQL) is not
// read at all.
func checkField(d Dialect, caps dialect.Capabilities, c *schema.Column, obj field.Ptr) error {
	if c.Check.Of == nil || stores(caps, c.Check.Kind) {
		return nil
	}
	p := c.Ptr(obj)
	if is := c.Check.Of(p); is != schema.IssueNone {
		return notStorable(d, c, is, c.Value(p))
	}
	return nil
}

// checkColumnValue checks one bound value v of column c, for values
// that statements hold already boxed (the assignments of an UPDATE).
func checkColumnValue(d Dialect, caps dialect.Capabilities, c *schema.Column, v any) error {
	is := schema.IssueNone
	switch x := v.(type) {
	case schema.CheckedUint64:
		if uint64(x) > math.MaxInt64 {
			is = schema.IssueUintRange
		}
	case schema.CheckedUint:
		if uint64(x) > math.MaxInt64 {
			is = schema.IssueUintRange
		}
	default:
		switch {
		case schema.HasNaN(v):
			is = schema.IssueNaN
		case schema.HasNUL(v):
			is = schema.IssueNUL
		}
	}
	if is == schema.IssueNone || stores(caps, is) {
		return nil
	}
	return notStorable(d, c, is, v)
}

// stores reports whether a database with caps stores a value with the
// issue is as it is.
func stores(caps dialect.Capabilities, is schema.ValueIssue) bool {
	switch is {
	case schema.IssueNaN:
		return caps.StoresNaN
	case schema.IssueNUL:
		return caps.TextNUL
	}
	return false
}

// notStorable is the error for value v of column c.
func notStorable(d Dialect, c *schema.Column, is schema.ValueIssue, v any) error {
	if is == schema.IssueUintRange {
		return fmt.Errorf("%w: %w: column %s.%s, unsigned value %s does not fit the column's 64-bit signed integer", ErrValueNotStorable, ErrInvalidArgument, c.Table.Name, c.Name, schema.ShortValue(v))
	}
	why := "NaN (it would store NULL)"
	if is == schema.IssueNUL {
		why = "a NUL byte in text"
	}
	return fmt.Errorf("%w: %s cannot store %s: column %s.%s, value %s", ErrValueNotStorable, d.Name(), why, c.Table.Name, c.Name, schema.ShortValue(v))
}

// checkValues checks every object the flush writes, in flush order,
// before its first statement.
func (u *unitOfWork) checkValues() error {
	d := u.dialect()
	caps := d.Capabilities()
	for _, m := range u.order {
		w := u.work[m]
		for _, sts := range [][]*objState{w.pending, w.persistent} {
			for _, st := range sts {
				if err := checkStorable(d, caps, m.t.Columns, st.obj); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
