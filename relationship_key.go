package quarry

import (
	"fmt"
	"reflect"
)

// Relationship keys: loaders and the unit of work match parents and
// children by the values of their key columns, read as comparable values
// normalised so that both sides of a foreign key compare equal.

// normalizeKey normalises a value scanned into an any (driver values) the
// way keyFunc normalises fields: integers of any width and named integer
// types to int64, named strings and []byte to string.
func normalizeKey(v any) (any, bool) {
	if v == nil {
		return nil, false
	}
	if n, ok := argInt(v); ok {
		return n, true
	}
	if s, ok := argString(v); ok {
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
