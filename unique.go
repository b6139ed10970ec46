package quarry

import (
	"fmt"
	"reflect"
	"sync/atomic"
)

// How Unique de-duplicates rows (Query.Unique, Compound.Unique, and the
// parents of a Joined collection load). A Result skips a row equal to one
// it returned already. In a Session, a statement of one entity needs no
// set: the Session stamps each object with the Result that returned it
// (readCtx.seq), and a row whose object bears the stamp is a repeat. Every
// other row goes into a set, keyed by the row itself: entities by
// pointer, which is identity because the Session, or outside one the
// Result's own identity map, hands out one object per primary key.

// rowKeys says how the rows of a Go type serve as keys of that set. It is
// worked out by reflection once per statement and cached on it, never
// per row.
type rowKeys uint32

const (
	// keysDirect: the type compares with == and holds no interface, so
	// any row is a key.
	keysDirect rowKeys = iota + 1
	// keysChecked: the type compares with == but holds interfaces, whose
	// dynamic values may not (a []byte in an any): each row is checked
	// before it is used as a key.
	keysChecked
	// keysNone: the type cannot be compared (it holds a slice, map or
	// function); reading the rows with Unique fails.
	keysNone
)

// rowKeysOf works out how rows of type T compare.
func rowKeysOf[T any]() rowKeys {
	t := reflect.TypeFor[T]()
	switch {
	case !t.Comparable():
		return keysNone
	case holdsInterface(t):
		return keysChecked
	}
	return keysDirect
}

// cachedRowKeys is rowKeysOf[T] cached in c, a statement's cache.
func cachedRowKeys[T any](c *atomic.Uint32) rowKeys {
	if c == nil {
		return rowKeysOf[T]()
	}
	if k := rowKeys(c.Load()); k != 0 {
		return k
	}
	k := rowKeysOf[T]()
	c.Store(uint32(k))
	return k
}

// holdsInterface reports whether a value of type t can hold an interface
// value, whose dynamic type decides whether it compares. Pointers compare
// by address whatever they point to.
func holdsInterface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Array:
		return holdsInterface(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsInterface(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// uniqueOf returns whether the statement asked for Unique, and its cache
// of rowKeys.
func uniqueOf(st statementNode) (bool, *atomic.Uint32) {
	switch n := st.(type) {
	case *selectCore:
		return n.unique, &n.keys
	case *compoundNode:
		return n.unique, &n.keys
	}
	return false, nil
}

// rowSet is the set of rows a Result returned, for Unique.
type rowSet[T any] struct {
	seen map[any]struct{}
	keys rowKeys
}

func newRowSet[T any](keys rowKeys) *rowSet[T] {
	return &rowSet[T]{seen: map[any]struct{}{}, keys: keys}
}

// add adds v to the set and reports whether it was there already; it
// fails for a row that cannot be compared, rather than let the map panic.
func (s *rowSet[T]) add(v T) (dup bool, err error) {
	k := any(v)
	switch s.keys {
	case keysNone:
		return false, errUncomparable[T]()
	case keysChecked:
		if k != nil && !reflect.ValueOf(k).Comparable() {
			return false, errUncomparable[T]()
		}
	}
	if _, dup := s.seen[k]; dup {
		return true, nil
	}
	s.seen[k] = struct{}{}
	return false, nil
}

func errUncomparable[T any]() error {
	return fmt.Errorf("quarry: Unique: rows of type %v cannot be compared (they hold a slice, map or function)", reflect.TypeFor[T]())
}
