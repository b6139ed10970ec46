package quarry

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// A Session's transaction and the three states it keeps per object to
// follow it: snap (as last loaded or flushed: what the database holds in
// this transaction), committed (as of the last commit: what Rollback
// restores) and, per savepoint, the snap at the time it began.

// begin starts the Session's transaction if none is open. It is called
// at the Session's first write (or first statement, see
// [Session.readsInTx]): with the default options, on SQLite, this is
// where the Session takes the write lock (BEGIN IMMEDIATE), waiting for
// other writers instead of failing busy later. Savepoints begun before
// it (BeginNested before the first write) are sent now, in order, so the
// writes that follow are nested as the program nested them.
func (s *Session) begin(ctx context.Context) error {
	if s.tx != nil {
		return nil
	}
	if s.db.closed.Load() {
		return ErrClosed
	}
	c, err := s.hold(ctx)
	if err != nil {
		return err
	}
	ob := s.db.observe(ctx, c, OpBegin, "BEGIN", nil)
	tx, err := c.Begin(ctx, s.txOpts)
	if err != nil {
		err = s.db.wrapErr("BEGIN", err)
		ob.end(-1, err)
		s.unhold()
		return err
	}
	ob.end(-1, nil)
	s.tx = tx
	for _, sp := range s.marks {
		if err := sp.exec(ctx, "SAVEPOINT "); err != nil {
			// The savepoints the program holds cannot be had: end the
			// transaction (and with it every savepoint, as a failed
			// flush does) rather than write outside them.
			return errors.Join(err, s.endTx(ctx, "ROLLBACK"))
		}
		sp.sent = true
	}
	return nil
}

// endTx commits or rolls back the open transaction and forgets it.
func (s *Session) endTx(ctx context.Context, verb string) error {
	tx := s.tx
	s.tx = nil
	s.marks = nil
	var err error
	if verb == "COMMIT" {
		ob := s.db.observe(ctx, tx, OpCommit, verb, nil)
		if err = s.db.wrapErr(verb, tx.Commit(ctx)); err == nil {
			s.noteCommit(ctx, tx)
		}
		ob.end(-1, err)
	} else {
		ob := s.db.observe(ctx, tx, OpRollback, verb, nil)
		err = s.db.wrapErr(verb, tx.Rollback(ctx))
		ob.end(-1, err)
	}
	s.unhold()
	return err
}

// Commit flushes pending changes and commits the transaction. Afterwards
// every object is expired (unless [WithExpireOnCommit](false)): it keeps
// its values, and the next statement that loads its row refreshes it.
// The Session stays usable and begins a new transaction when next used.
//
// If the flush fails, Commit returns its error as Flush does. If the
// database refuses the COMMIT (a deferred constraint or trigger raising,
// a transaction that an earlier failed statement aborted: see
// [ErrTxAborted]), the transaction is rolled back: Commit returns the
// database's error and rebases the Session as after a failed flush, so
// every change since the last commit is pending again and a corrected
// retry writes it. Only a COMMIT whose answer never arrived (a broken
// connection, a context that ended) returns an error wrapping
// [ErrCommitUnknown] (see there).
func (s *Session) Commit(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := s.checkResults(); err != nil {
		return err
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	if s.tx != nil {
		if err := s.endTx(ctx, "COMMIT"); err != nil {
			if errors.Is(err, ErrCommitUnknown) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				s.committed()
				if !errors.Is(err, ErrCommitUnknown) {
					err = fmt.Errorf("%w: %w", ErrCommitUnknown, err)
				}
				return err
			}
			// The database answered and refused: rolled back.
			s.rebase()
			return fmt.Errorf("quarry: commit refused, the transaction was rolled back: %w", err)
		}
	}
	s.marks = nil // savepoints begun before any write end with the Session's transaction too
	s.committed()
	return nil
}

// committed makes the current state of every object its committed state.
func (s *Session) committed() {
	for st := range s.ids.all() {
		st.committed = st.snap
		st.inserted = false
		st.filled, st.synced = nil, nil
		if s.expire {
			st.expired = expireSoft
		}
	}
	for _, st := range s.gone {
		if st.status == statusGone {
			st.status = statusRemoved
		}
	}
	s.gone = nil
	s.derived = nil // settled by the flush of Commit
	s.commitFields()
}

// Rollback rolls back the transaction and restores the Session to its
// last committed state: every persistent object gets back the values it
// had then, its collections and many-to-one fields included (and is
// expired, so the next load refreshes it), objects added since are removed
// from the Session with their generated keys reset to zero, and objects
// deleted since are persistent again. Objects the program expunged stay
// out of the Session. The Session stays usable. Rollback with savepoints
// open rolls back the whole transaction.
func (s *Session) Rollback(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	s.abortResults(errRolledBack)
	var err error
	if s.tx != nil {
		err = s.endTx(ctx, "ROLLBACK")
	}
	s.marks = nil // and those begun before any write
	s.restoreCommitted()
	return err
}

// restoreCommitted puts every object back to its committed state.
func (s *Session) restoreCommitted() {
	s.undoDerived(func(st *objState) bool { return st.status == statusPending })
	for st := range s.ids.all() {
		if st.inserted || st.committed == nil {
			s.undoInsert(st)
			s.detach(st)
			continue
		}
		st.m.CopyColumns(st.obj, st.committed)
		st.snap, st.synced = st.committed, nil
		st.status = statusPersistent
		st.expired = expireSoft
	}
	for _, st := range s.pendingBy {
		s.undoInsert(st)
		st.status = statusDetached
	}
	clear(s.pendingBy)
	for _, st := range s.gone {
		if st.status != statusGone {
			continue // expunged since
		}
		delete(s.tomb, st.obj)
		if st.inserted || st.committed == nil {
			// Inserted and deleted in this transaction: never committed.
			s.undoInsert(st)
			st.status = statusDetached
			continue
		}
		st.m.CopyColumns(st.obj, st.committed)
		st.snap, st.synced = st.committed, nil
		st.status = statusPersistent
		st.expired = expireSoft
		s.ids.put(st.key, st)
	}
	s.pending, s.deleted, s.gone = nil, nil, nil
	s.fixKeys()
	s.restoreFields(s.committedFields())
	if s.rel != nil {
		s.rel.written = nil // a new transaction
	}
}

// undoInsert zeroes the columns an INSERT filled from the database and
// puts back what flushes set on the object while it was pending.
func (s *Session) undoInsert(st *objState) {
	for _, c := range st.filled {
		st.m.SetZero(c, st.obj)
	}
	st.undoSync(s.rel)
	st.filled = nil
	st.inserted = false
}

// rebase puts the Session back on its last committed state after the
// transaction was rolled back under it (a failed flush or a refused
// commit), keeping every change made since as pending: objects inserted
// since are pending again with their generated columns zeroed, objects
// deleted since are marked for deletion again (those inserted and deleted
// since are forgotten), and persistent objects keep their current values,
// compared from now on with their committed state, so the next flush
// writes everything again.
func (s *Session) rebase() {
	s.marks = nil
	var back, forgotten []*objState
	for st := range s.ids.all() {
		if st.inserted || st.committed == nil {
			s.ids.del(st.key)
			s.undoInsert(st)
			st.snap = nil
			if st.status == statusDeleted {
				// Inserted and then marked for deletion since the last
				// commit: with the INSERT undone, the Delete of a pending
				// object, which leaves the Session (it was pending again
				// and inserted by the next flush).
				st.status = statusDetached
				s.drop(st.obj)
				forgotten = append(forgotten, st)
				continue
			}
			st.status = statusPending
			back = append(back, st)
			continue
		}
		st.undoSync(s.rel)
		st.snap = st.committed
		if st.m.Version != nil {
			// The version counter is the Session's to manage.
			st.m.Version.Clone(st.m.Version.Ptr(st.obj), st.m.Version.Ptr(st.committed))
		}
	}
	for _, st := range s.pendingBy {
		s.undoInsert(st) // inserted by the failed flush before it failed
	}
	for _, st := range back {
		s.pendingBy[st.obj] = st
	}
	s.pending = append(s.pending, back...)
	slices.SortStableFunc(s.pending, func(a, b *objState) int { return a.seq - b.seq })
	for _, st := range s.gone {
		if st.status != statusGone {
			continue
		}
		delete(s.tomb, st.obj)
		if st.inserted || st.committed == nil {
			s.undoInsert(st)
			st.status = statusDetached
			s.drop(st.obj) // deleted by the program, or by a cascade of its deletes
			forgotten = append(forgotten, st)
			continue
		}
		st.undoSync(s.rel)
		st.snap = st.committed
		st.status = statusDeleted
		if m := st.m; m.Version != nil {
			m.Version.Clone(m.Version.Ptr(st.obj), m.Version.Ptr(st.committed))
		}
		s.ids.put(st.key, st)
		s.deleted = append(s.deleted, st)
	}
	s.gone = nil
	slices.SortFunc(forgotten, func(a, b *objState) int { return a.seq - b.seq })
	for _, st := range forgotten {
		s.cascadeForgotten(st.m, st.obj)
	}
	s.fixKeys()
	s.rebaseFields()
}

// forgetCascadedSince forgets the pending objects that the cascades of a
// failed flush brought in (those added after seq): the flush is undone,
// and the next one brings them in again if something still refers to
// them.
func (s *Session) forgetCascadedSince(seq int) {
	s.pending = slices.DeleteFunc(s.pending, func(st *objState) bool {
		if st.seq <= seq || !st.cascaded || st.status != statusPending {
			return false
		}
		s.detach(st)
		return true
	})
}

// cascadeForgotten deletes what the delete cascades of obj reach, obj
// being an object the rebase forgets because the program deleted it after
// a flush of the rolled-back transaction inserted it: its row is gone, but
// the Delete still stands for what it cascades to, which a flush would
// have deleted with it.
func (s *Session) cascadeForgotten(m *tableMeta, obj field.Ptr) {
	for _, r := range m.t.relations {
		if r.target == nil || !r.Cascade.Has(schema.CascadeDelete) || !r.fieldLoaded(s, obj) {
			continue
		}
		tm := s.meta(r.target)
		for _, c := range slices.Clone(r.members(obj)) {
			st := s.stateOf(tm, c)
			if st == nil {
				continue
			}
			pending := st.status == statusPending
			if s.del(tm, c) && pending {
				s.cascadeForgotten(tm, c)
			}
		}
	}
}

// Savepoint is a nested transaction (SAVEPOINT) begun with
// [Session.BeginNested]. Commit releases it; Rollback rolls the database
// and the Session's objects back to where they were when it began.
type Savepoint struct {
	s     *Session
	name  string
	saved map[*objState]savedState
	colls savedFields
	// sent says the SAVEPOINT statement ran. A savepoint begun before
	// the Session's first write waits for it (see [Session.begin]):
	// until then there is nothing in the database to roll back to, and
	// sending it would need a transaction, which on SQLite means the
	// write lock.
	sent bool
}

type savedState struct {
	snap   field.Ptr
	status objStatus
	synced *flushSync // a copy of the object's
}

// BeginNested flushes pending changes and begins a nested transaction
// with SAVEPOINT. A failed flush inside it rolls back the whole
// transaction (see [Session.Flush]), ending every savepoint.
//
// Before the Session's first write there is no transaction to hold the
// savepoint: it is sent with the BEGIN of the first write, and a
// savepoint committed or rolled back before any write sends nothing
// (its Rollback restores the Session's objects all the same).
func (s *Session) BeginNested(ctx context.Context) (*Savepoint, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	if s.readsInTx() {
		if err := s.begin(ctx); err != nil {
			return nil, err
		}
	}
	s.spSeq++
	sp := &Savepoint{s: s, name: savepointName(s.spSeq), saved: make(map[*objState]savedState, s.ids.len()+len(s.gone))}
	if s.tx != nil {
		if err := sp.exec(ctx, "SAVEPOINT "); err != nil {
			return nil, err
		}
		sp.sent = true
	}
	for st := range s.ids.all() {
		sp.saved[st] = savedState{snap: st.snap, status: st.status, synced: st.synced.clone(st.m)}
	}
	for _, st := range s.gone {
		sp.saved[st] = savedState{snap: st.snap, status: st.status, synced: st.synced.clone(st.m)}
	}
	sp.colls = s.saveFields()
	s.marks = append(s.marks, sp)
	return sp, nil
}

func (sp *Savepoint) exec(ctx context.Context, verb string) error {
	b := newBuilder(sp.s.db.dialect)
	b.Write(verb)
	b.Ident(sp.name)
	if b.Err != nil {
		return b.Err
	}
	if err := sp.s.checkResults(); err != nil {
		return err
	}
	_, err := sp.s.db.exec(ctx, sp.s.tx, opText, string(b.Buf), nil)
	return err
}

// active pops sp and the savepoints begun after it, reporting whether sp
// was still open.
func (sp *Savepoint) active() bool {
	i := slices.Index(sp.s.marks, sp)
	if i < 0 {
		return false
	}
	sp.s.marks = sp.s.marks[:i]
	return true
}

// errSavepointDone reports a savepoint ended already.
func (sp *Savepoint) errDone() error {
	return fmt.Errorf("quarry: savepoint %s is no longer active (released, rolled back, or ended with its transaction)", sp.name)
}

// Commit flushes pending changes and releases the savepoint: its changes
// become part of the enclosing transaction.
func (sp *Savepoint) Commit(ctx context.Context) error {
	if sp == nil {
		return invalidArg("nil *Savepoint")
	}
	s := sp.s
	if err := s.usable(); err != nil {
		return err
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	if !slices.Contains(s.marks, sp) {
		return sp.errDone()
	}
	if sp.sent {
		if err := sp.exec(ctx, "RELEASE SAVEPOINT "); err != nil {
			return err
		}
	}
	sp.active()
	return nil
}

// Rollback rolls the database back to the savepoint and restores the
// Session's objects to their state when it began: changed objects get
// their values back, objects added since leave the Session (with their
// generated keys reset), objects deleted since are persistent again.
func (sp *Savepoint) Rollback(ctx context.Context) error {
	if sp == nil {
		return invalidArg("nil *Savepoint")
	}
	s := sp.s
	if err := s.usable(); err != nil {
		return err
	}
	if !slices.Contains(s.marks, sp) {
		return sp.errDone()
	}
	if sp.sent {
		if err := sp.exec(ctx, "ROLLBACK TO SAVEPOINT "); err != nil {
			return err
		}
	}
	sp.active()
	for st := range s.ids.all() {
		rec, ok := sp.saved[st]
		if !ok {
			if st.inserted {
				s.undoInsert(st)
				s.detach(st)
			} else {
				st.expired = expireSoft // loaded since: may show undone rows
			}
			continue
		}
		st.m.CopyColumns(st.obj, rec.snap)
		st.snap = rec.snap
		st.status = rec.status
		st.synced = rec.synced.clone(st.m)
	}
	s.undoDerived(func(st *objState) bool { return st.status == statusPending })
	for _, st := range s.pendingBy {
		st.status = statusDetached
	}
	clear(s.pendingBy)
	s.pending = nil
	gone := s.gone[:0]
	for _, st := range s.gone {
		if st.status != statusGone {
			continue // expunged since
		}
		rec, ok := sp.saved[st]
		switch {
		case ok && rec.status == statusGone:
			gone = append(gone, st)
		case ok:
			delete(s.tomb, st.obj)
			st.m.CopyColumns(st.obj, rec.snap)
			st.snap = rec.snap
			st.status = rec.status
			st.synced = rec.synced.clone(st.m)
			s.ids.put(st.key, st)
		default:
			// Inserted and deleted since the savepoint began.
			delete(s.tomb, st.obj)
			s.undoInsert(st)
			st.status = statusDetached
		}
	}
	s.gone = gone
	s.fixKeys()
	s.deleted = s.deleted[:0]
	for st := range s.ids.all() {
		if st.status == statusDeleted {
			s.deleted = append(s.deleted, st)
		}
	}
	s.restoreFields(sp.colls)
	return nil
}

// Nested runs fn in a nested transaction: the savepoint is released when
// fn returns nil and rolled back when it returns an error (or panics),
// which Nested returns.
func (s *Session) Nested(ctx context.Context, fn func() error) (err error) {
	if fn == nil {
		return invalidArg("Nested of a nil function")
	}
	sp, err := s.BeginNested(ctx)
	if err != nil {
		return err
	}
	returned := false
	defer func() {
		// On error, or when fn panicked (the panic unwinds on past this
		// deferred call, untouched); a flush that failed inside fn has
		// already rolled back the whole transaction and ended the
		// savepoint.
		if (err != nil || !returned) && slices.Contains(s.marks, sp) {
			if rerr := sp.Rollback(ctx); rerr != nil {
				err = errors.Join(err, rerr)
			}
		}
	}()
	ferr := fn()
	returned = true
	if ferr != nil {
		return ferr
	}
	return sp.Commit(ctx)
}

// Transaction runs fn with a new Session and commits it when fn returns
// nil; when fn returns an error or panics, it rolls back and returns the
// error (or re-panics). The Session is closed afterwards. The options
// are [SessionOption]s for the Session, and [Retry] to run fn again on
// serialization failures and deadlocks.
//
//	err := db.Transaction(ctx, func(s *quarry.Session) error {
//		u, err := quarry.Get(ctx, s, Users, id)
//		if err != nil {
//			return err
//		}
//		u.Name = "ed"
//		return nil
//	})
func (db *DB) Transaction(ctx context.Context, fn func(s *Session) error, opts ...TransactionOption) (err error) {
	if err := db.usable(); err != nil {
		return err
	}
	if fn == nil {
		return invalidArg("Transaction of a nil function")
	}
	var cfg txConfig
	for _, o := range opts {
		if o != nil {
			o.applyTransaction(&cfg)
		}
	}
	if cfg.retry != nil {
		return db.transactRetry(ctx, fn, cfg)
	}
	s := db.Session(cfg.session...)
	defer func() {
		if cerr := s.Close(ctx); cerr != nil && err == nil && !errors.Is(cerr, ErrSessionClosed) {
			err = cerr
		}
	}()
	if err := fn(s); err != nil {
		return err
	}
	return s.Commit(ctx)
}
