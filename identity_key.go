package quarry

import (
	"iter"

	"github.com/quarry-orm/quarry/internal/field"
)

// identKey names one row of one table: the identity under which a Session
// keeps the single object that stands for it. A single integer primary key
// is held in n and a single string key in s, so the common lookups hash
// two words and allocate nothing; other keys (composite, time, bytes) are
// encoded into s by appendKeyPart, in an order-preserving form so that
// sorting by key sorts by primary key.
type identKey struct {
	t *table
	n int64
	s string
}

func (k identKey) less(o identKey) bool { return k.compare(o) < 0 }

func (k identKey) compare(o identKey) int {
	switch {
	case k.n < o.n:
		return -1
	case k.n > o.n:
		return 1
	case k.s < o.s:
		return -1
	case k.s > o.s:
		return 1
	}
	return 0
}

// keyKind says how a table's primary key is held in an identKey.
type keyKind uint8

const (
	keyInt     keyKind = iota // one integer column, in n
	keyString                 // one string column, in s
	keyEncoded                // anything else, encoded into s
)

// identityIndex is the identity map's index of object states by key.
// Integer keys, the common case, live in a map keyed by table and integer
// alone, which hashes and grows markedly faster than the general key
// with its string.
type identityIndex struct {
	ints   map[intIdent]*objState
	others map[identKey]*objState
	// byObj finds a state by its object, for an object whose key the
	// program changed (its current key finds nothing). It is built on
	// first use and kept up to date from then on, so that a Session that
	// never needs it pays nothing, and one that does pays once.
	byObj map[field.Ptr]*objState
}

type intIdent struct {
	t *table
	n int64
}

// newIdentityIndex returns an index with room for size integer keys. The
// zero identityIndex is empty too: its maps are made at the first put.
func newIdentityIndex(size int) identityIndex {
	return identityIndex{ints: make(map[intIdent]*objState, size)}
}

// get returns the state under k, or nil. Keys with an empty string part
// are integer keys (encoded keys are never empty; a string key "" of a
// string-keyed table lands on (t, 0), which no other key of that table
// uses).
func (x *identityIndex) get(k identKey) *objState {
	if k.s == "" {
		return x.ints[intIdent{k.t, k.n}]
	}
	return x.others[k]
}

func (x *identityIndex) put(k identKey, st *objState) {
	if x.byObj != nil {
		if old := x.get(k); old != nil && old != st {
			delete(x.byObj, old.obj)
		}
		x.byObj[st.obj] = st
	}
	if k.s == "" {
		if x.ints == nil {
			x.ints = map[intIdent]*objState{}
		}
		x.ints[intIdent{k.t, k.n}] = st
		return
	}
	if x.others == nil {
		x.others = map[identKey]*objState{}
	}
	x.others[k] = st
}

func (x *identityIndex) del(k identKey) {
	if x.byObj != nil {
		if old := x.get(k); old != nil {
			delete(x.byObj, old.obj)
		}
	}
	if k.s == "" {
		delete(x.ints, intIdent{k.t, k.n})
		return
	}
	delete(x.others, k)
}

// findObj returns the state of the object p, whatever its key is now.
func (x *identityIndex) findObj(p field.Ptr) *objState {
	if x.byObj == nil {
		x.byObj = make(map[field.Ptr]*objState, x.len())
		for st := range x.all() {
			x.byObj[st.obj] = st
		}
	}
	return x.byObj[p]
}

func (x *identityIndex) len() int { return len(x.ints) + len(x.others) }

func (x *identityIndex) clear() {
	clear(x.ints)
	clear(x.others)
	x.byObj = nil
}

// all iterates over every state; deleting the current one is allowed.
func (x *identityIndex) all() iter.Seq[*objState] {
	return func(yield func(*objState) bool) {
		for _, st := range x.ints {
			if !yield(st) {
				return
			}
		}
		for _, st := range x.others {
			if !yield(st) {
				return
			}
		}
	}
}
