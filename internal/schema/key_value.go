package schema

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"time"
)

// Key values: the identity map, the loaders and the unit of work match
// rows by the values of their key columns, read as comparable values
// normalised so that both sides of a foreign key compare equal, and
// encoded so that byte order is value order.

// NormalizeKey normalises a value scanned into an any (driver values) the
// way keyFunc normalises fields: integers of any width and named integer
// types to int64, named strings and []byte to string.
func NormalizeKey(v any) (any, bool) {
	if v == nil {
		return nil, false
	}
	if n, ok := ArgInt(v); ok {
		return n, true
	}
	if s, ok := ArgString(v); ok {
		return s, true
	}
	if b, ok := v.([]byte); ok {
		return string(b), true
	}
	if !reflect.TypeOf(v).Comparable() {
		return fmt.Sprint(v), true
	}
	return v, true
}

// ArgInt reads an integer key value of any width or named integer type.
func ArgInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint64:
		return int64(x), true
	case uint:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	// Named integer types (type UserID int64). reflect.ValueOf does not
	// make v escape.
	rv := reflect.ValueOf(v)
	switch {
	case rv.CanInt():
		return rv.Int(), true
	case rv.CanUint():
		return int64(rv.Uint()), true
	}
	return 0, false
}

// ArgString reads a string key value, of a named string type too.
func ArgString(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return rv.String(), true
	}
	return "", false
}

// AppendKeyPart encodes one key value so that byte order is value order
// for integers and strings, and integers of any width encode alike.
func AppendKeyPart(b []byte, v any) []byte {
	if n, ok := ArgInt(v); ok {
		b = append(b, 'i')
		return binary.BigEndian.AppendUint64(b, uint64(n)^(1<<63))
	}
	if s, ok := ArgString(v); ok {
		return appendEscaped(append(b, 's'), s)
	}
	switch x := v.(type) {
	case []byte:
		return appendEscaped(append(b, 'b'), string(x))
	case time.Time:
		b = append(b, 't')
		return binary.BigEndian.AppendUint64(b, uint64(x.UnixNano())^(1<<63))
	}
	return appendEscaped(append(b, 'v'), fmt.Sprintf("%T:%v", v, v))
}

// appendEscaped appends s so that no encoded value is a prefix of another:
// NUL bytes are escaped and the part ends in NUL 1.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			b = append(b, 0, 0xff)
			continue
		}
		b = append(b, s[i])
	}
	return append(b, 0, 1)
}
