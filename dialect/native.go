package dialect

// NativeValuer is implemented by a bound argument that has a portable
// encoding (its driver.Valuer: text, an integer) and a Go value the
// driver may bind natively instead. A driver that stores the type
// natively (pgx for arrays, inet, interval) binds NativeValue; the
// others bind the driver.Valuer's value.
type NativeValuer interface {
	NativeValue() any
}

// NativeTarget is implemented by a scan destination that has a portable
// decoding (its sql.Scanner) and a Go destination the driver may scan
// into natively instead (a *[]string for a text[] column). It returns a
// pointer to the same memory, so using it costs no allocation.
type NativeTarget interface {
	NativeTarget() any
}
