package quarry

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Detached objects. A Session lets go of its persistent objects at Close,
// Expunge and ExpungeAll; SQLAlchemy calls them detached, and adding one
// to a Session makes it persistent again, so that the flush UPDATEs what
// changed instead of INSERTing the row a second time. Go objects carry no
// state of their own, so the DB remembers each detached object's key and
// column snapshot, by address, in a detachedSet. The set holds objects
// weakly: an entry says whether its object is still alive through a weak
// pointer (which, unlike the address, never comes to mean another object
// that reuses the memory), and the entries of objects the program dropped
// are swept as the set grows.

// detachedSet is a DB's memory of its Sessions' detached objects: the
// state each had, found by the object's address. A remembered state's obj
// is nil, so that the set keeps no object alive; its alive field says
// whether the object still is. A Session's Close hands its states over as
// one generation, appended as they are; they are put in the map by
// address only when a lookup needs them, so that a program that never
// adds a detached object back pays no map insert per object.
type detachedSet struct {
	// n counts the entries, so that Add skips the lock while nothing is
	// detached.
	n    atomic.Int64
	mu   sync.Mutex
	gens []detachedGen
	// genLen counts the entries of gens.
	genLen int
	byAddr map[uintptr]*objState
	// unloaded holds the columns a remembered object had unloaded, for
	// the few that had some, by state.
	unloaded map[*objState][]*schema.Column
	// live is the number of entries after the last sweep.
	live int
}

// detachedGen is the states one call of remember handed over, with their
// objects' addresses and weak pointers side by side, so that a sweep
// reads contiguous memory and touches only the states it keeps.
type detachedGen struct {
	sts   []*objState
	addrs []uintptr
	alive []weak.Pointer[byte]
}

// remember records the states sts of s as detached: each with the
// snapshot base picks (nil: not remembered, its row does not exist
// outside the transaction that is going away). The states must no longer
// be used by s: remember takes them over.
func (d *detachedSet) remember(s *Session, sts []*objState, base func(*objState) field.Ptr) {
	sts = slices.DeleteFunc(sts, func(st *objState) bool { return base(st) == nil })
	if len(sts) == 0 {
		return
	}
	makeWeak(sts)
	gen := detachedGen{sts: sts, addrs: make([]uintptr, len(sts)), alive: make([]weak.Pointer[byte], len(sts))}
	var unloaded map[*objState][]*schema.Column
	for i, st := range sts {
		addr := field.Addr(st.obj)
		if cols := s.expiredCols[st]; len(cols) > 0 {
			if unloaded == nil {
				unloaded = map[*objState][]*schema.Column{}
			}
			unloaded[st] = cols
		}
		snap := base(st)
		st.snap, st.committed = snap, snap
		st.obj = nil
		gen.addrs[i], gen.alive[i] = addr, st.alive
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gens = append(d.gens, gen)
	d.genLen += len(gen.sts)
	for st, cols := range unloaded {
		if d.unloaded == nil {
			d.unloaded = map[*objState][]*schema.Column{}
		}
		d.unloaded[st] = cols
	}
	if d.size() >= 2*max(d.live, 4096) {
		d.sweep()
	}
	d.n.Store(int64(d.size()))
}

// makeWeak gives the states that have none a weak pointer to their
// object, in descending address order: the runtime keeps an object's
// weak handle in a list of its memory span sorted by address, so adding
// them from the top down is the cheap way (three times faster for 10,000
// objects allocated one after another).
func makeWeak(sts []*objState) {
	var need []*objState
	for _, st := range sts {
		if st.alive == (weak.Pointer[byte]{}) {
			need = append(need, st)
		}
	}
	slices.SortFunc(need, func(a, b *objState) int { return cmp.Compare(field.Addr(b.obj), field.Addr(a.obj)) })
	for _, st := range need {
		st.alive = field.Weak(st.obj)
	}
}

func (d *detachedSet) size() int { return d.genLen + len(d.byAddr) }

// sweep drops the entries of objects that are no longer alive.
func (d *detachedSet) sweep() {
	gens := d.gens[:0]
	d.genLen = 0
	for _, g := range d.gens {
		var alive liveness
		n := 0
		for i, w := range g.alive {
			if alive.of(w) {
				g.sts[n], g.addrs[n], g.alive[n] = g.sts[i], g.addrs[i], w
				n++
			} else if d.unloaded != nil {
				delete(d.unloaded, g.sts[i])
			}
		}
		if n > 0 {
			clear(g.sts[n:])
			gens = append(gens, detachedGen{sts: g.sts[:n], addrs: g.addrs[:n], alive: g.alive[:n]})
			d.genLen += n
		}
	}
	clear(d.gens[len(gens):])
	d.gens = gens
	for addr, st := range d.byAddr {
		if st.alive.Value() == nil {
			delete(d.byAddr, addr)
			delete(d.unloaded, st)
		}
	}
	d.live = d.size()
}

// index moves the generations into the map by address, newest last so
// that an object detached again overrides what it was before.
func (d *detachedSet) index() {
	if len(d.gens) == 0 {
		return
	}
	if d.byAddr == nil {
		d.byAddr = make(map[uintptr]*objState, d.genLen)
	}
	for _, g := range d.gens {
		var alive liveness
		for i, w := range g.alive {
			if !alive.of(w) {
				delete(d.unloaded, g.sts[i])
				continue
			}
			if old := d.byAddr[g.addrs[i]]; old != nil && len(d.unloaded) > 0 {
				delete(d.unloaded, old) // detached again since
			}
			d.byAddr[g.addrs[i]] = g.sts[i]
		}
	}
	clear(d.gens)
	d.gens, d.genLen = d.gens[:0], 0
}

// liveness asks whether remembered objects are alive, once for each run
// of equal weak pointers (objects of one block).
type liveness struct {
	last weak.Pointer[byte]
	ok   bool
}

func (l *liveness) of(w weak.Pointer[byte]) bool {
	if w != l.last || l.last == (weak.Pointer[byte]{}) {
		l.last, l.ok = w, w.Value() != nil
	}
	return l.ok
}

// take removes and returns the remembered state of the object of table t
// at p, with the columns it had unloaded, or nil when p is not a detached
// object of t.
func (d *detachedSet) take(t *table, p field.Ptr) (*objState, []*schema.Column) {
	if d.n.Load() == 0 {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.index()
	addr := field.Addr(p)
	st := d.byAddr[addr]
	if st == nil {
		return nil, nil
	}
	unloaded := d.unloaded[st]
	delete(d.byAddr, addr)
	delete(d.unloaded, st)
	d.n.Store(int64(d.size()))
	// While the object (or the block holding it) is alive, its address
	// is still that object; a dead entry's address may hold a new one.
	if st.alive.Value() == nil || st.m.t != t {
		return nil, nil
	}
	return st, unloaded
}

// takeDetached returns what the DB remembers of p as a detached object
// of m's table, taking it back; nil when p is not one, or when the
// program zeroed its generated key, which makes it new again.
func (s *Session) takeDetached(m *tableMeta, p field.Ptr) (*objState, []*schema.Column) {
	if m.KeyUnset(p) {
		return nil, nil
	}
	return s.db.detached.take(m.t, p)
}

// putBack returns a state that take handed out and Add could not use.
func (d *detachedSet) putBack(p field.Ptr, st *objState, unloaded []*schema.Column) {
	d.mu.Lock()
	defer d.mu.Unlock()
	addr := field.Addr(p)
	if d.byAddr == nil {
		d.byAddr = map[uintptr]*objState{}
	}
	d.byAddr[addr] = st
	if len(unloaded) > 0 {
		if d.unloaded == nil {
			d.unloaded = map[*objState][]*schema.Column{}
		}
		d.unloaded[st] = unloaded
	}
	d.n.Store(int64(d.size()))
}

// reattach makes the detached object at p persistent in s again, with the
// key and snapshot it had when it was detached, so that the next flush
// writes the changes made since (a changed primary key included) under
// its version check, if it has one.
func (s *Session) reattach(m *tableMeta, p field.Ptr, old *objState, unloaded []*schema.Column, explicit bool) error {
	if held := s.ids.get(old.key); held != nil && held.obj != p {
		s.db.detached.putBack(p, old, unloaded)
		return fmt.Errorf("%w: Add of a detached %v with primary key %v, which the Session already holds as another object: use Merge to copy it onto that one", ErrIdentityConflict, m.t.GoType, keyValues(m, old.snap))
	}
	st := s.newState(m, p)
	st.status = statusPersistent
	st.key = old.key
	st.snap, st.committed = old.snap, old.snap
	st.expired = old.expired
	st.alive = old.alive
	st.cascaded = !explicit
	s.ids.put(st.key, st)
	if len(unloaded) > 0 {
		s.setExpiredCols(st, unloaded)
	}
	s.cascadeSave(m, p)
	return nil
}

// detachAll records the Session's persistent objects as detached when it
// lets go of them all. rolledBack says the transaction they were read or
// written in was rolled back: each is remembered as of the last commit,
// and an object inserted in that transaction not at all (its row does
// not exist, so Add INSERTs it again). closing says the Session is
// closing, so its states can be handed over to the DB as they are;
// otherwise (ExpungeAll) the DB gets copies.
func (s *Session) detachAll(rolledBack, closing bool) {
	if s.ids.len() == 0 {
		return
	}
	sts := make([]*objState, 0, s.ids.len())
	for st := range s.ids.all() {
		if st.status == statusPersistent || st.status == statusDeleted {
			sts = append(sts, st)
		}
	}
	if !closing {
		copies := make([]objState, len(sts))
		for i, st := range sts {
			copies[i] = detachedCopy(st)
			if cols := s.expiredCols[st]; len(cols) > 0 {
				s.setExpiredCols(&copies[i], cols)
			}
			sts[i] = &copies[i]
		}
	}
	s.db.detached.remember(s, sts, func(st *objState) field.Ptr {
		if !rolledBack {
			return st.snap
		}
		if st.inserted || st.committed == nil {
			return nil
		}
		return st.committed
	})
}

// detachOne records the persistent state st as detached when Expunge
// lets go of it: a copy, since the Session's own structures may still
// name st.
func (s *Session) detachOne(st *objState) {
	c := detachedCopy(st)
	if cols := s.expiredCols[st]; len(cols) > 0 {
		s.setExpiredCols(&c, cols)
		defer delete(s.expiredCols, &c)
	}
	s.db.detached.remember(s, []*objState{&c}, func(st *objState) field.Ptr { return st.snap })
}

// detachedCopy is the part of st that a detached object needs.
func detachedCopy(st *objState) objState {
	return objState{m: st.m, obj: st.obj, key: st.key, snap: st.snap, committed: st.committed,
		inserted: st.inserted, expired: st.expired, alive: st.alive}
}

// allocatedIn records that the object at p, which the last merge of a
// row made a new object of the Session, lives in the block that alive
// tells of.
func (s *Session) allocatedIn(p field.Ptr, alive weak.Pointer[byte]) {
	if st := s.lastNew; st != nil && st.obj == p {
		st.alive = alive
	}
}
