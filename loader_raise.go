package quarry

import (
	"errors"
	"fmt"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// ErrRaiseLoad is returned (wrapped, naming the relationship) by a Load
// through a Session of a relationship that must not be loaded after the
// fact: one whose default strategy is lazy=raise, or one a statement's
// [Raise] option covered for the objects it returned. It catches N+1 query
// patterns: load such relationships eagerly instead (SelectIn, Joined).
var ErrRaiseLoad = errors.New("quarry: relationship not eager-loaded (raise)")

// WithRaiseLoad makes every relationship Load through the DB, or through a
// Session of it, fail with [ErrRaiseLoad] unless the relationship is
// loaded already for every object passed (eager-loaded by SelectIn,
// Joined, SubqueryLoad or ContainsEager, or loaded by an earlier Load),
// as if every relationship had the lazy=raise strategy
// (SQLAlchemy's raiseload("*")). It is meant for tests, to show that a
// code path loads what it needs eagerly instead of one query per object
// (an N+1 pattern); see the quarrytest package.
func WithRaiseLoad() OpenOption { return func(db *DB) { db.raiseLoads = true } }

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
// when every field is loaded, the load is not needed and skip is set. A
// DB opened WithRaiseLoad makes every relationship raise, through the DB
// and its Sessions.
func checkRaise(ex Executor, r *relRef, parents []field.Ptr) (skip bool, err error) {
	if r == nil || len(parents) == 0 {
		return false, nil
	}
	var s *Session
	all := false
	switch ex := ex.(type) {
	case *Session:
		s, all = ex, ex.db.raiseLoads
	case *DB:
		all = ex.raiseLoads
	}
	if s == nil && !all {
		return false, nil
	}
	rel := r.rel
	raise := rel.Lazy == schema.LoadRaise || all
	for _, p := range parents {
		if !raise {
			if _, marked := s.raised[raiseMark{obj: p, rel: rel}]; !marked {
				continue
			}
		}
		if !rel.loaded(p) {
			return false, fmt.Errorf("%w: %s was not loaded eagerly: add SelectIn or Joined to the statement that read %v", ErrRaiseLoad, rel, rel.owner.GoType)
		}
		skip = true
	}
	return skip && raise, nil
}
