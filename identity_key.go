package quarry

import (
	"iter"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/uow"
)

// identKey names one row of one table (see [uow.Key]).
type identKey = uow.Key

// identityIndex is the identity map's index of object states by key.
type identityIndex struct {
	byKey uow.Map[*objState]
	// byObj finds a state by its object, for an object whose key the
	// program changed (its current key finds nothing). It is built on
	// first use and kept up to date from then on, so that a Session that
	// never needs it pays nothing, and one that does pays once.
	byObj map[field.Ptr]*objState
}

// newIdentityIndex returns an index with room for size integer keys. The
// zero identityIndex is empty too.
func newIdentityIndex(size int) identityIndex {
	return identityIndex{byKey: uow.NewMap[*objState](size)}
}

// get returns the state under k, or nil.
func (x *identityIndex) get(k identKey) *objState {
	st, _ := x.byKey.Get(k)
	return st
}

func (x *identityIndex) put(k identKey, st *objState) {
	if x.byObj != nil {
		if old := x.get(k); old != nil && old != st {
			delete(x.byObj, old.obj)
		}
		x.byObj[st.obj] = st
	}
	x.byKey.Put(k, st)
}

func (x *identityIndex) del(k identKey) {
	if x.byObj != nil {
		if old := x.get(k); old != nil {
			delete(x.byObj, old.obj)
		}
	}
	x.byKey.Delete(k)
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

func (x *identityIndex) len() int { return x.byKey.Len() }

func (x *identityIndex) clear() {
	x.byKey.Clear()
	x.byObj = nil
}

// all iterates over every state in no particular order; deleting the
// current one is allowed.
func (x *identityIndex) all() iter.Seq[*objState] { return x.byKey.Values() }
