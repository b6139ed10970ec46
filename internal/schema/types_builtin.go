package schema

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/google/uuid"
	"github.com/quarry-orm/quarry/internal/errs"
)

// The codec types of the built-in column types. Each is a named type
// over the field's own type (so a *T field converts to a *codec without
// allocating) and carries the portable encoding as Value/Scan, plus
// NativeValue/NativeTarget where a driver stores the type natively.

// uuidBytes is a [16]byte column: native uuid on PostgreSQL, canonical
// text on SQLite (as uuid.UUID's own Value writes it).
type uuidBytes [16]byte

func (u uuidBytes) Value() (driver.Value, error) { return uuid.UUID(u).String(), nil }

func (u *uuidBytes) Scan(src any) error { return (*uuid.UUID)(u).Scan(src) }

// NativeValue hands pgx the bytes, which it binds as a uuid.
func (u uuidBytes) NativeValue() any { return [16]byte(u) }

// Array is a slice column: a native array on PostgreSQL, a JSON array
// in text on SQLite. A nil slice is written as the empty array, as the
// column is NOT NULL.
type Array[E any] []E

// Value encodes the slice as a JSON array, for SQLite.
func (a Array[E]) Value() (driver.Value, error) {
	if a == nil {
		return "[]", nil
	}
	var v any = []E(a)
	if ts, ok := v.([]time.Time); ok {
		v = utcTimes(ts)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("quarry: array column: %w", err)
	}
	return string(b), nil
}

// Scan decodes a JSON array.
func (a *Array[E]) Scan(src any) error {
	b, err := TextOf(src, "array")
	if err != nil {
		return err
	}
	var s []E
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("quarry: array column: %w", err)
	}
	if s == nil {
		s = []E{}
	}
	*a = s
	return nil
}

// utcTimes returns ts in UTC, so that the JSON text of a time array
// (RFC 3339, as encoding/json writes a time) spells each instant one
// way and the array operators, which compare the text of elements,
// match an instant whatever zone it was given in.
func utcTimes(ts []time.Time) []time.Time {
	u := make([]time.Time, len(ts))
	for i, t := range ts {
		u[i] = t.UTC()
	}
	return u
}

// NativeValue hands pgx the slice itself, never nil (NULL).
func (a Array[E]) NativeValue() any {
	if a == nil {
		return []E{}
	}
	return []E(a)
}

// NativeTarget lets pgx decode the array into the slice field itself.
func (a *Array[E]) NativeTarget() any { return (*[]E)(a) }

// rawJSON is a json.RawMessage column; nil is written as JSON null.
type rawJSON json.RawMessage

func (r rawJSON) Value() (driver.Value, error) {
	if r == nil {
		return "null", nil
	}
	if !json.Valid(r) {
		return nil, fmt.Errorf("quarry: json.RawMessage column: invalid JSON %q", []byte(r))
	}
	return string(r), nil
}

func (r *rawJSON) Scan(src any) error {
	b, err := TextOf(src, "json.RawMessage")
	if err != nil {
		return err
	}
	*r = append(rawJSON{}, b...)
	return nil
}

// jsonMap is a map[string]any column, a JSON object.
type jsonMap map[string]any

func (m jsonMap) Value() (driver.Value, error) {
	b, err := json.Marshal(map[string]any(m))
	if err != nil {
		return nil, fmt.Errorf("quarry: map[string]any column: %w", err)
	}
	return string(b), nil
}

func (m *jsonMap) Scan(src any) error {
	b, err := TextOf(src, "map[string]any")
	if err != nil {
		return err
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("quarry: map[string]any column: %w", err)
	}
	*m = v
	return nil
}

// inetAddr is a netip.Addr column: inet on PostgreSQL, text on SQLite.
type inetAddr netip.Addr

func (a inetAddr) Value() (driver.Value, error) {
	if !netip.Addr(a).IsValid() {
		return nil, fmt.Errorf("quarry: netip.Addr column: the zero Addr is not an address")
	}
	return netip.Addr(a).String(), nil
}

func (a *inetAddr) Scan(src any) error {
	b, err := TextOf(src, "netip.Addr")
	if err != nil {
		return err
	}
	v, err := netip.ParseAddr(string(b))
	if err != nil {
		return fmt.Errorf("quarry: netip.Addr column: %w", err)
	}
	*a = inetAddr(v)
	return nil
}

func (a inetAddr) NativeValue() any   { return netip.Addr(a) }
func (a *inetAddr) NativeTarget() any { return (*netip.Addr)(a) }

// inetPrefix is a netip.Prefix column: cidr on PostgreSQL, text on
// SQLite.
type inetPrefix netip.Prefix

func (p inetPrefix) Value() (driver.Value, error) {
	if !netip.Prefix(p).IsValid() {
		return nil, fmt.Errorf("quarry: netip.Prefix column: the zero Prefix is not a network")
	}
	return netip.Prefix(p).String(), nil
}

func (p *inetPrefix) Scan(src any) error {
	b, err := TextOf(src, "netip.Prefix")
	if err != nil {
		return err
	}
	v, err := netip.ParsePrefix(string(b))
	if err != nil {
		return fmt.Errorf("quarry: netip.Prefix column: %w", err)
	}
	*p = inetPrefix(v)
	return nil
}

func (p inetPrefix) NativeValue() any   { return netip.Prefix(p) }
func (p *inetPrefix) NativeTarget() any { return (*netip.Prefix)(p) }

// interval is a time.Duration column: interval on PostgreSQL (which
// keeps microseconds), integer nanoseconds on SQLite.
type interval time.Duration

func (d interval) Value() (driver.Value, error) { return int64(d), nil }

func (d *interval) Scan(src any) error {
	n, ok := src.(int64)
	if !ok {
		return fmt.Errorf("quarry: time.Duration column: cannot read %T", src)
	}
	*d = interval(n)
	return nil
}

func (d interval) NativeValue() any   { return time.Duration(d) }
func (d *interval) NativeTarget() any { return (*time.Duration)(d) }

// CheckedUint64 and CheckedUint are unsigned columns stored in a signed
// 64-bit integer: a value above math.MaxInt64 is an error, never a wrap
// to a negative number.
type (
	CheckedUint64 uint64
	CheckedUint   uint
)

// Value refuses a value above math.MaxInt64 with ErrInvalidArgument.
func (u CheckedUint64) Value() (driver.Value, error) { return uintValue(uint64(u)) }

// Value refuses a value above math.MaxInt64 with ErrInvalidArgument.
func (u CheckedUint) Value() (driver.Value, error) { return uintValue(uint64(u)) }

func uintValue(u uint64) (driver.Value, error) {
	if u > math.MaxInt64 {
		return nil, fmt.Errorf("%w: unsigned value %d does not fit the column's 64-bit signed integer", errs.ErrInvalidArgument, u)
	}
	return int64(u), nil
}

// notNullBytes is a []byte column, NOT NULL: nil is written as empty.
type notNullBytes []byte

func (b notNullBytes) Value() (driver.Value, error) {
	if b == nil {
		return []byte{}, nil
	}
	return []byte(b), nil
}

// TextOf returns the text a driver read for a text-encoded type.
func TextOf(src any, what string) ([]byte, error) {
	switch s := src.(type) {
	case string:
		return []byte(s), nil
	case []byte:
		return s, nil
	}
	return nil, fmt.Errorf("quarry: %s column: cannot read %T", what, src)
}

var _ driver.Valuer = uuidBytes{}
