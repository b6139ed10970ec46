package quarry

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"

	"github.com/quarry-orm/quarry/internal/field"
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

// detachedSet is a DB's memory of its Sessions' detached objects.
type detachedSet struct {
	// n counts the entries, so that Add of a new object skips the lock
	// while nothing is detached.
	n      atomic.Int64
	mu     sync.Mutex
	byAddr map[uintptr]*detachedObj
	// live is the number of entries after the last sweep.
	live int
}

// detachedObj is what a Session knew of an object when it let go of it.
type detachedObj struct {
	alive weak.Pointer[byte]
	t     *table
	key   identKey
	// snap holds the columns as the database last had them (as far as
	// the Session knew): the base of the next flush's change check.
	snap     field.Ptr
	expired  expiry
	unloaded []*columnInfo
}

// remember records the persistent objects sts as detached. base picks the
// snapshot each is remembered with (nil: not remembered, its row does not
// exist outside the transaction that is going away).
func (d *detachedSet) remember(s *Session, sts []*objState, base func(*objState) field.Ptr) {
	if len(sts) == 0 {
		return
	}
	recs := make([]detachedObj, 0, len(sts))
	addrs := make([]uintptr, 0, len(sts))
	for _, st := range sts {
		snap := base(st)
		if snap == nil {
			continue
		}
		recs = append(recs, detachedObj{
			alive:    weak.Make((*byte)(unsafe.Pointer(st.obj))),
			t:        st.m.t,
			key:      st.key,
			snap:     snap,
			expired:  st.expired,
			unloaded: s.expiredCols[st],
		})
		addrs = append(addrs, uintptr(st.obj))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byAddr == nil {
		d.byAddr = make(map[uintptr]*detachedObj, len(recs))
	}
	for i, addr := range addrs {
		d.byAddr[addr] = &recs[i]
	}
	if len(d.byAddr) >= 2*max(d.live, 1024) {
		d.sweep()
	}
	d.n.Store(int64(len(d.byAddr)))
}

// sweep drops the entries of objects that are no longer alive.
func (d *detachedSet) sweep() {
	for addr, rec := range d.byAddr {
		if rec.alive.Value() == nil {
			delete(d.byAddr, addr)
		}
	}
	d.live = len(d.byAddr)
}

// take removes and returns the entry of the object of table t at p, or
// nil when p is not a detached object of t.
func (d *detachedSet) take(t *table, p field.Ptr) *detachedObj {
	if d.n.Load() == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	addr := uintptr(p)
	rec := d.byAddr[addr]
	if rec == nil {
		return nil
	}
	delete(d.byAddr, addr)
	d.n.Store(int64(len(d.byAddr)))
	// A dead entry's address may hold a new object now: it is not the
	// one detached.
	if unsafe.Pointer(rec.alive.Value()) != unsafe.Pointer(p) || rec.t != t {
		return nil
	}
	return rec
}

// putBack returns an entry that take handed out and Add could not use.
func (d *detachedSet) putBack(p field.Ptr, rec *detachedObj) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byAddr[uintptr(p)] = rec
	d.n.Store(int64(len(d.byAddr)))
}

// reattach makes the detached object at p persistent in s again, with the
// key and snapshot it had when it was detached, so that the next flush
// writes the changes made since (a changed primary key included) under
// its version check, if it has one.
func (s *Session) reattach(m *tableMeta, p field.Ptr, rec *detachedObj, explicit bool) error {
	if held := s.ids.get(rec.key); held != nil && held.obj != p {
		s.db.detached.putBack(p, rec)
		return fmt.Errorf("%w: Add of a detached %v with primary key %v, which the Session already holds as another object: use Merge to copy it onto that one", ErrIdentityConflict, m.t.goType, keyValues(m, rec.snap))
	}
	st := s.newState(m, p)
	st.status = statusPersistent
	st.key = rec.key
	st.snap, st.committed = rec.snap, rec.snap
	st.expired = rec.expired
	st.cascaded = !explicit
	s.ids.put(rec.key, st)
	if len(rec.unloaded) > 0 {
		s.setExpiredCols(st, rec.unloaded)
	}
	s.cascadeSave(m, p)
	return nil
}

// detachAll records the Session's persistent objects as detached before
// ExpungeAll forgets them. rolledBack says the transaction they were read
// or written in was rolled back: each is remembered as of the last commit,
// and an object inserted in that transaction not at all (its row does
// not exist, so Add INSERTs it again).
func (s *Session) detachAll(rolledBack bool) {
	if s.ids.len() == 0 {
		return
	}
	sts := make([]*objState, 0, s.ids.len())
	for st := range s.ids.all() {
		if st.status == statusPersistent || st.status == statusDeleted {
			sts = append(sts, st)
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
