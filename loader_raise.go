package quarry

import (
	"errors"
	"fmt"

	"github.com/quarry-orm/quarry/internal/field"
)

// ErrRaiseLoad is returned (wrapped, naming the relationship) by a Load
// through a Session of a relationship that must not be loaded after the
// fact: one whose default strategy is lazy=raise, or one a statement's
// [Raise] option covered for the objects it returned. It catches N+1 query
// patterns: load such relationships eagerly instead (SelectIn, Joined).
var ErrRaiseLoad = errors.New("quarry: relationship not eager-loaded (raise)")

// raiseMark is one object whose relationship a Raise option covers.
type raiseMark struct {
	obj field.Ptr
	rel *relationship
}

// markRaise records, in the Session, that rel of parents must not be
// loaded later. Outside a Session there is nothing to load through.
func (lc *loadCtx) markRaise(rel *relationship, parents []field.Ptr) {
	s := lc.sess
	if s == nil {
		return
	}
	if s.raised == nil {
		s.raised = map[raiseMark]struct{}{}
	}
	for _, p := range parents {
		s.raised[raiseMark{obj: p, rel: rel}] = struct{}{}
	}
}

// checkRaise is called by the Load methods: through a Session, loading a
// raise relationship of an object whose field is not loaded yet fails;
// when every field is loaded, the load is not needed and skip is set.
func checkRaise(ex Executor, r *relRef, parents []field.Ptr) (skip bool, err error) {
	s, ok := ex.(*Session)
	if !ok || r == nil || len(parents) == 0 {
		return false, nil
	}
	rel := r.rel
	raise := rel.lazy == loadRaise
	for _, p := range parents {
		if !raise {
			if _, marked := s.raised[raiseMark{obj: p, rel: rel}]; !marked {
				continue
			}
		}
		if !rel.loaded(p) {
			return false, fmt.Errorf("%w: %s was not loaded eagerly: add SelectIn or Joined to the statement that read %v", ErrRaiseLoad, rel, rel.owner.goType)
		}
		skip = true
	}
	return skip && raise, nil
}
