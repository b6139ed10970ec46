package uow

import (
	"iter"

	"github.com/quarry-orm/quarry/internal/schema"
)

// Map maps row identities to values. Integer keys, the common case, live
// in a map keyed by table and integer alone, which hashes and grows
// markedly faster than the general key with its string. The zero Map is
// empty; its maps are made at the first Put.
type Map[V any] struct {
	ints   map[intKey]V
	others map[Key]V
}

type intKey struct {
	t *schema.Table
	n int64
}

// NewMap returns a Map with room for size integer keys.
func NewMap[V any](size int) Map[V] {
	return Map[V]{ints: make(map[intKey]V, size)}
}

// Get returns the value under k, and whether there is one. Keys with an
// empty string part are integer keys (encoded keys are never empty; a
// string key "" of a string-keyed table lands on (t, 0), which no other
// key of that table uses).
func (m *Map[V]) Get(k Key) (V, bool) {
	if k.S == "" {
		v, ok := m.ints[intKey{k.Table, k.N}]
		return v, ok
	}
	v, ok := m.others[k]
	return v, ok
}

// Put sets the value under k.
func (m *Map[V]) Put(k Key, v V) {
	if k.S == "" {
		if m.ints == nil {
			m.ints = map[intKey]V{}
		}
		m.ints[intKey{k.Table, k.N}] = v
		return
	}
	if m.others == nil {
		m.others = map[Key]V{}
	}
	m.others[k] = v
}

// Delete removes the value under k.
func (m *Map[V]) Delete(k Key) {
	if k.S == "" {
		delete(m.ints, intKey{k.Table, k.N})
		return
	}
	delete(m.others, k)
}

// Len is the number of keys.
func (m *Map[V]) Len() int { return len(m.ints) + len(m.others) }

// Clear removes every key, keeping the room.
func (m *Map[V]) Clear() {
	clear(m.ints)
	clear(m.others)
}

// Values iterates over the values in no particular order; deleting the
// current one is allowed. A caller whose decisions depend on the order
// sorts what it collects.
func (m *Map[V]) Values() iter.Seq[V] {
	return func(yield func(V) bool) {
		for _, v := range m.ints {
			if !yield(v) {
				return
			}
		}
		for _, v := range m.others {
			if !yield(v) {
				return
			}
		}
	}
}
