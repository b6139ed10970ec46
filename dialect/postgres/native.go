package postgres

import "github.com/quarry-orm/quarry/dialect"

// PostgreSQL stores arrays, inet/cidr and intervals natively, and pgx
// binds and decodes the Go types itself: arguments and scan destinations
// that offer a native form ([dialect.NativeValuer], [dialect.NativeTarget])
// are handed over in it. The slices are copied only when one does, so
// statements without such types pass through untouched.

func nativeArgs(args []any) []any {
	var out []any
	for i, a := range args {
		n, ok := a.(dialect.NativeValuer)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = n.NativeValue()
	}
	if out == nil {
		return args
	}
	return out
}

// nativeDest rewrites dest into buf when a destination offers a native
// target; buf is reused from row to row.
func nativeDest(dest []any, buf *[]any) []any {
	copied := false
	for i, d := range dest {
		t, ok := nativeTarget(d)
		if !ok {
			continue
		}
		if !copied {
			*buf = append((*buf)[:0], dest...)
			copied = true
		}
		(*buf)[i] = t
	}
	if !copied {
		return dest
	}
	return *buf
}

// nativeTarget is what pgx scans into in place of d: its native target,
// or the pgx-native form of a sql.Null (null_dest.go).
func nativeTarget(d any) (any, bool) {
	if n, ok := d.(dialect.NativeTarget); ok {
		return n.NativeTarget(), true
	}
	return nullTarget(d)
}
