package quarry

import (
	"github.com/quarry-orm/quarry/internal/field"
)

// ColumnTyper is the custom-type interface: a Go type that maps to a
// column by itself implements it, with a value receiver, together with
// the two database/sql interfaces:
//
//   - ColumnType names the DDL type for a dialect ("" when the type has
//     none there, which CreateAll reports as an error);
//   - driver.Valuer (value receiver) encodes the value for the driver:
//     text, an integer, []byte, time.Time;
//   - sql.Scanner (pointer receiver) decodes what the driver read;
//   - optionally Equal(T) bool, which change detection then uses instead
//     of comparing the values field by field (as shopspring/decimal has);
//   - optionally [dialect.NativeValuer] and [dialect.NativeTarget], to
//     hand a driver that stores the type natively (pgx) the Go value
//     itself instead of its portable encoding.
//
// The methods are looked up once, when the table is mapped, never per
// row. The built-in types (UUID, JSON, arrays, netip, time.Duration) work
// the same way, through types of the same memory layout as the field that
// carry these methods, so reading and writing them allocates nothing
// more than a plain column does. A Scanner/Valuer type without
// ColumnType needs a `type=` tag; without one, mapping fails naming the
// field.
type ColumnTyper interface {
	ColumnType(d Dialect) string
}

// genKeys gives a new object's zero UUID primary key columns a new UUID,
// before its INSERT and before its identity is taken, so the identity
// map and the foreign keys of its children see the key.
func genKeys(t *table, obj field.Ptr) error {
	for _, c := range t.PK {
		if c.GenKey != nil {
			if err := c.GenKey(c.Ptr(obj)); err != nil {
				return err
			}
		}
	}
	return nil
}
