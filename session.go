package quarry

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Session is a unit of work over a [DB]: it holds an identity map (one
// object per row), tracks the objects added, changed and deleted through
// it, and writes them to the database in one transaction when flushed.
//
// A Session belongs to one goroutine at a time: it is not safe for
// concurrent use. Share the DB, and give each goroutine (each request,
// each job) its own Session.
//
// A Session begins its transaction lazily, at its first write (a flush
// with work, or a statement of the program's own text), and keeps it
// until Commit, Rollback or Close. Reads before the first write run on
// the pool outside any transaction, each statement in its own snapshot,
// so a Session that has only read holds no lock and no connection: on
// SQLite, where a write transaction excludes other writers, other
// Sessions, plain DB statements and CreateAll run meanwhile. A Session
// given an isolation level (see [WithTxOptions]) begins at its first
// statement instead. Statements run through the Session (Query.All(ctx,
// s), Get, ...) flush pending changes first (autoflush) and return the
// Session's own objects for rows it already holds.
type Session struct {
	db *DB
	// The one-byte fields sit together, so that they share one word.
	autoflush bool
	expire    bool
	primary   bool // reads go to the primary (Primary; see rheld)
	flushing  bool
	closed    bool
	txOpts    TxOptions
	// crit is the criteria of its DB and options (criteria.go).
	crit sessionCriteria

	tx    dialect.Tx
	held  dialect.Conn // the connection of tx and of the open cursors (hold)
	marks []*Savepoint
	spSeq int
	// restartSp is the savepoint of the CockroachDB retry protocol
	// (retry.go), nil without it.
	restartSp *Savepoint

	// rheld is the read connection of the open cursors outside a
	// transaction when reads go to replicas; primary (Primary) and
	// after (the last commit's position) route them (replicas.go).
	rheld dialect.Conn
	after dialect.Position

	// ids is the identity map: persistent objects and objects marked for
	// deletion, by key.
	ids identityIndex
	// pending holds the objects added and not yet inserted, in Add order
	// (entries whose status moved on are skipped and compacted).
	pending   []*objState
	pendingBy map[field.Ptr]*objState
	// deleted lists the objects marked for deletion (same compaction).
	deleted []*objState
	// gone lists the objects whose DELETE ran in this transaction, so
	// Rollback can bring them back.
	gone []*objState
	// tomb holds the objects whose DELETE ran through this Session (in
	// this transaction or committed), by address: they are never
	// cascaded back in, and adding one is an error.
	tomb map[field.Ptr]*objState
	// dropped holds the pending objects a Delete removed (or a rebase,
	// for one inserted and deleted since the last commit): a cascade does
	// not bring them back in, as it does not a deleted row's object; an
	// explicit Add does.
	dropped map[field.Ptr]bool

	// metas are the tables the Session has used, in order of first use;
	// metaIndex finds one among many (nil while there are few, which a
	// scan finds faster than a map, without allocating one).
	metas     []*sessionMeta
	metaIndex map[*table]*sessionMeta
	// raised lists the relationships of objects that Raise options
	// forbid loading later (loader_raise.go).
	raised map[raiseMark]struct{}
	rel    *relState // relationships' collection snapshots (relationship_flush.go)
	// derived lists the many-to-one fields Add set from collections, not
	// yet settled by a flush (session_backref.go).
	derived []derivedRef

	// expiredCols lists, for objects expired by Expire with field names,
	// the columns the next load refreshes (session_expire.go).
	expiredCols map[*objState][]*schema.Column

	addSeq int
	// markSeq numbers the passes that mark objects (objState.mark).
	markSeq uint64
	// results counts the Results run in the Session, to stamp the
	// objects each returns (readCtx.seq); openResults counts those not
	// yet closed, and open lists them (until none is open) for Rollback
	// and Close to end.
	results     uint64
	openResults int
	open        []abortable
	ec          execConn
	slab        []objState
	slabBlock   int // size of the last slab
	// lastNew is the state the last merge of a row made for a new object
	// (allocatedIn).
	lastNew *objState
}

// SessionOption configures a [Session].
type SessionOption func(*Session)

// WithAutoflush turns autoflush (flushing pending changes before every
// statement run through the Session) on or off; it is on by default.
func WithAutoflush(on bool) SessionOption { return func(s *Session) { s.autoflush = on } }

// WithExpireOnCommit sets whether Commit expires every object, so that the
// next load of its row refreshes it (the default), or keeps objects as
// they are.
func WithExpireOnCommit(on bool) SessionOption { return func(s *Session) { s.expire = on } }

// WithTxOptions sets the options of the transactions the Session begins.
// The default is TxOptions{Write: true}, so that SQLite takes its write
// lock at BEGIN (BEGIN IMMEDIATE) and concurrent Sessions wait for each
// other instead of failing with "database is locked" at their first
// write. A Session that only reads may pass TxOptions{ReadOnly: true}.
//
// With the default isolation level (the zero Isolation) the Session
// begins its transaction at its first write, and reads before it see
// each committed state as of the statement. An explicit Isolation asks
// for one snapshot from the first read on, so the Session then begins at
// its first statement, read or write: on SQLite, with Write, that is
// BEGIN IMMEDIATE at the first read, holding the write lock (the only
// way SQLite serializes a read-modify-write without a version counter).
func WithTxOptions(o TxOptions) SessionOption { return func(s *Session) { s.txOpts = o } }

// Session returns a new Session over the database. It takes no connection
// until it first runs a statement.
func (db *DB) Session(opts ...SessionOption) *Session {
	s := &Session{
		db: db, autoflush: true, expire: true, txOpts: TxOptions{Write: true},
		// pendingBy also tells a Session made here from the zero one
		// (invalid); the other maps are made on first write, so that a
		// Session that holds nothing allocates little.
		pendingBy: map[field.Ptr]*objState{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.crit.resolve(db)
	return s
}

var _ Executor = (*Session)(nil)

// acquire implements Executor: it autoflushes, begins the transaction if
// the statement writes (or the Session reads in its transaction too, see
// [Session.readsInTx]) and lends the transaction, or the pool, to the
// statement.
func (s *Session) acquire(ctx context.Context, write bool) (*execConn, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	return s.conn(ctx, s.autoflush, write)
}

// readsInTx reports whether the Session's reads run in its transaction
// from the first one: when the program asked for an isolation level,
// which only holds over statements of one transaction. With the default
// level each read sees its own snapshot whether or not it runs in a
// transaction (READ COMMITTED on PostgreSQL; on SQLite, a read that
// began a deferred transaction would hold a snapshot that a later write
// cannot upgrade once another writer has committed, failing busy at once
// instead of waiting), so reads wait for the first write to begin one.
func (s *Session) readsInTx() bool {
	return s.txOpts.Isolation != sql.LevelDefault || s.restartSp != nil
}

// conn lends the Session's connection to a statement: its transaction
// when one is open or the statement writes (write), the pool otherwise.
func (s *Session) conn(ctx context.Context, autoflush, write bool) (*execConn, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if err := s.checkResults(); err != nil {
		return nil, err
	}
	if autoflush && !s.flushing {
		if err := s.Flush(ctx); err != nil {
			return nil, err
		}
	}
	var q dialect.Querier = s.tx
	if s.tx == nil {
		if write || s.readsInTx() {
			if err := s.begin(ctx); err != nil {
				return nil, err
			}
			q = s.tx
		} else {
			c, err := s.holdRead(ctx)
			if err != nil {
				return nil, err
			}
			q = c
		}
	}
	// One execConn per Session: every cursor open on it shares the
	// same transaction (or held connection), and releasing it counts the
	// cursor closed.
	s.ec.db, s.ec.q, s.ec.ids, s.ec.crit = s.db, q, s, s.crit.set
	if s.ec.release == nil {
		s.ec.release = func() {
			if s.openResults--; s.openResults == 0 {
				clear(s.open)
				s.open = s.open[:0]
				s.unhold()
			}
		}
	}
	s.openResults++
	return &s.ec, nil
}

// hold returns the connection the Session holds, taking one from the pool
// if it holds none. A Session holds one connection while it has a cursor
// open or a transaction: its reads before the first write and the
// transaction that write begins share it, so a cursor the Session keeps
// open never waits for its own COMMIT (on SQLite, another connection's
// open read would hold off the COMMIT's exclusive lock).
func (s *Session) hold(ctx context.Context) (dialect.Conn, error) {
	if s.held != nil {
		return s.held, nil
	}
	if s.db.closed.Load() {
		return nil, ErrClosed
	}
	c, err := s.db.drv.Acquire(ctx)
	if err != nil {
		return nil, s.db.wrapErr("", err)
	}
	s.held = c
	return c, nil
}

// unhold returns the held connection to the pool once the Session has no
// cursor open and no transaction.
func (s *Session) unhold() {
	s.unholdRead()
	if s.held == nil || s.tx != nil || s.openResults > 0 {
		return
	}
	s.held.Release()
	s.held = nil
}

// abortable is an open Result, ended by Rollback and Close.
type abortable interface{ abort(err error) }

// abortResults ends the Results still open: their rows belong to a
// transaction about to end. Reading them on reports err.
func (s *Session) abortResults(err error) {
	for _, r := range slices.Clone(s.open) {
		r.abort(err)
	}
}

// checkResults refuses a new statement while a Result is open on a
// connection that runs one statement at a time, with an error that says
// so instead of the driver's "conn busy".
func (s *Session) checkResults() error {
	if s.openResults > 0 && !s.db.dialect.Capabilities().ConcurrentCursors {
		return ErrResultOpen
	}
	return nil
}

// stateOfObj returns the mapping of obj's type and the Session's state of
// obj, nil when the Session does not hold it.
func (s *Session) stateOfObj(obj any) (*tableMeta, *objState, error) {
	m, p, err := s.objMeta(obj)
	if err != nil {
		return nil, nil, err
	}
	return m, s.stateOf(m, p), nil
}

// objMeta returns the mapping of obj's type and the object's address.
func (s *Session) objMeta(obj any) (*tableMeta, field.Ptr, error) {
	if err := s.invalid(); err != nil {
		return nil, nil, err
	}
	if obj == nil {
		return nil, nil, invalidArg("nil object")
	}
	m := s.db.md.metaOfType(reflect.TypeOf(obj))
	if m == nil {
		return nil, nil, fmt.Errorf("%w: %T is not a pointer to a mapped struct", ErrNotMapped, obj)
	}
	p := ifaceData(obj)
	if p == nil {
		return nil, nil, invalidArg("nil %T", obj)
	}
	s.meta(m.t)
	return m, p, nil
}

// stateOf finds the state of an object of the Session, or nil.
func (s *Session) stateOf(m *tableMeta, p field.Ptr) *objState {
	if st := s.pendingBy[p]; st != nil {
		return st
	}
	if st := s.ids.get(m.KeyOf(p)); st != nil && st.obj == p {
		return st
	}
	if st := s.tomb[p]; st != nil {
		return st
	}
	// The program changed the primary key of a persistent object.
	return s.ids.findObj(p)
}

// stateOfAny finds the state of an object of table t, or nil.
func (s *Session) stateOfAny(t *table, p field.Ptr) *objState {
	return s.stateOf(s.meta(t), p)
}

// attached returns the persistent objects of m's table and those marked
// for deletion, in primary-key order.
func (s *Session) attached(m *tableMeta) []*objState {
	var out []*objState
	for st := range s.ids.all() {
		if st.m == m {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b *objState) int { return a.key.Compare(b.key) })
	return out
}

// Add places objects (pointers to mapped structs) in the Session. A new
// object becomes pending and is inserted at the next flush; an object
// already in the Session is left as it is, and one marked for deletion
// is kept after all. Relationships with the save-update cascade bring the
// objects they refer to along at Add and again at every flush; the
// members Add brings in from a collection with back= get their
// many-to-one back-reference set to the owner at once, where it is nil
// (the flush knows quarry set it: a member the program takes out of the
// collection before the flush loses it again). Adding a
// new object with the primary key of a persistent one is reported by the
// flush. Adding an object whose row was deleted through the Session is an
// error: create a new object to insert that row again.
//
// An object that a Session of the same DB held persistent and let go of
// (at Close, Expunge or ExpungeAll: a detached object, in SQLAlchemy's
// words) becomes persistent again: Add re-attaches it with the key and
// column values the Session last knew, and the flush UPDATEs the columns
// the program changed since (a changed primary key included), under the
// version check if the table has one. It is an error wrapping
// [ErrIdentityConflict] when the Session already holds another object for
// its key. Setting a detached object's generated key back to zero makes
// it new again, as SQLAlchemy's make_transient does: Add INSERTs it as a
// new row. After a Close that rolled back, an object is remembered as of
// the last commit, so the changes flushed in that transaction are written
// again; one inserted in it was never stored and is INSERTed.
//
// Any other object is new to Add, whatever its primary key: one decoded
// from JSON, or held by another Session that is still open, is INSERTed
// (and the INSERT fails on the key when its row exists). To save such an
// object, use [Merge], which copies it onto the Session's object for its
// key and UPDATEs only the columns that differ.
func (s *Session) Add(objs ...any) error {
	if err := s.usable(); err != nil {
		return err
	}
	for _, obj := range objs {
		m, p, err := s.objMeta(obj)
		if err != nil {
			return err
		}
		if err := s.add(m, p, true); err != nil {
			return err
		}
	}
	return nil
}

// AddAll adds every object of a slice of pointers to mapped structs.
func AddAll[E any](s *Session, objs []*E) error {
	if err := s.usable(); err != nil {
		return err
	}
	if len(objs) == 0 {
		return nil
	}
	m := s.db.md.metaOfType(reflect.TypeFor[*E]())
	if m == nil {
		return fmt.Errorf("%w: %v is not mapped", ErrNotMapped, reflect.TypeFor[E]())
	}
	s.meta(m.t)
	if len(s.pendingBy) == 0 && len(objs) > 64 {
		s.pendingBy = make(map[field.Ptr]*objState, len(objs))
	}
	for _, o := range objs {
		if o == nil {
			return invalidArg("nil *%v in AddAll", reflect.TypeFor[E]())
		}
		if err := s.add(m, field.Of(o), true); err != nil {
			return err
		}
	}
	return nil
}

// add brings obj into the Session: explicitly (Add) or through a
// cascade, which never brings back an object deleted through the
// Session.
func (s *Session) add(m *tableMeta, p field.Ptr, explicit bool) error {
	if st := s.pendingBy[p]; st != nil {
		if explicit {
			st.cascaded = false
		}
		return nil
	}
	if st := s.heldByObj(m, p); st != nil {
		if explicit {
			st.cascaded = false // added explicitly after all
		}
		if st.status == statusDeleted && explicit {
			st.status = statusPersistent // adding back keeps it
		}
		return nil // a cascade never brings back a deleted object
	}
	if s.dropped[p] {
		if !explicit {
			return nil
		}
		delete(s.dropped, p)
	}
	if st := s.tomb[p]; st != nil {
		if explicit {
			return fmt.Errorf("quarry: Add of a %v whose row was deleted through this Session (primary key %v): create a new object to insert the row again", m.t.GoType, keyValues(m, p))
		}
		return nil
	}
	if old, unloaded := s.takeDetached(m, p); old != nil {
		return s.reattach(m, p, old, unloaded, explicit)
	}
	st := s.newState(m, p)
	st.status = statusPending
	st.cascaded = !explicit
	s.addSeq++
	st.seq = s.addSeq
	s.pending = append(s.pending, st)
	s.pendingBy[p] = st
	s.cascadeSave(m, p)
	return nil
}

// cascadeSave brings into the Session the objects that the save-update
// cascade of obj's relationships reaches.
func (s *Session) cascadeSave(m *tableMeta, p field.Ptr) {
	for _, r := range m.t.relations {
		if !r.Cascade.Has(schema.CascadeSaveUpdate) || r.target == nil {
			continue
		}
		for _, obj := range r.members(p) {
			if obj == nil {
				continue
			}
			s.add(s.meta(r.target), obj, false) // add skips deleted objects

		}
		s.deriveBackRefs(r, p)
	}
}

// Delete marks persistent objects for deletion at the next flush; the
// delete cascades of their relationships are followed then, from the
// objects as they are at that time. A pending object is simply removed
// from the Session, and no cascade brings it back in (an Add does); the
// next flush takes it out of the collections that hold it, as it does a
// deleted row's object.
// Deleting an object already deleted is a no-op;
// deleting a detached object (see [Session.Add]) re-attaches it first;
// deleting any other object that is not in the Session is an error
// wrapping [ErrNotInSession].
func (s *Session) Delete(objs ...any) error {
	if err := s.usable(); err != nil {
		return err
	}
	for _, obj := range objs {
		m, p, err := s.objMeta(obj)
		if err != nil {
			return err
		}
		if s.del(m, p) {
			continue
		}
		// A detached object is re-attached to be deleted, as in SQLAlchemy.
		old, unloaded := s.takeDetached(m, p)
		if old == nil {
			return fmt.Errorf("%w: Delete of a %T that is not in the Session", ErrNotInSession, obj)
		}
		if err := s.reattach(m, p, old, unloaded, true); err != nil {
			return err
		}
		s.del(m, p)
	}
	return nil
}

func (s *Session) del(m *tableMeta, p field.Ptr) bool {
	st := s.stateOf(m, p)
	if st == nil || st.status == statusDetached {
		return false
	}
	switch st.status {
	case statusPending:
		s.detach(st)
		s.drop(st.obj)
	case statusPersistent:
		st.status = statusDeleted
		s.deleted = append(s.deleted, st)
	}
	return true
}

// detach forgets an object.
func (s *Session) detach(st *objState) {
	switch st.status {
	case statusPending:
		delete(s.pendingBy, st.obj)
	case statusPersistent, statusDeleted:
		if s.ids.get(st.key) == st {
			s.ids.del(st.key)
		}
	}
	if s.tomb[st.obj] == st {
		delete(s.tomb, st.obj)
	}
	s.forgetExpiredCols(st)
	st.status = statusDetached
}

// drop records that a pending object was deleted (see Session.dropped).
func (s *Session) drop(p field.Ptr) {
	if s.dropped == nil {
		s.dropped = map[field.Ptr]bool{}
	}
	s.dropped[p] = true
}

// bury records that obj's DELETE ran in this transaction.
func (s *Session) bury(st *objState) {
	st.status = statusGone
	s.gone = append(s.gone, st)
	if s.tomb == nil {
		s.tomb = map[field.Ptr]*objState{}
	}
	s.tomb[st.obj] = st
}

// Expunge removes objects from the Session without touching the
// database: their pending insert, changes or deletion are forgotten, and
// a later query returns new objects for their rows. Relationships with
// the expunge cascade (cascade=all) take the objects they refer to along.
// A persistent object expunged is detached: [Session.Add] re-attaches it.
func (s *Session) Expunge(objs ...any) {
	seen := map[field.Ptr]bool{}
	for _, obj := range objs {
		m, p, err := s.objMeta(obj)
		if err != nil {
			continue
		}
		s.expunge(m, p, seen)
	}
}

func (s *Session) expunge(m *tableMeta, p field.Ptr, seen map[field.Ptr]bool) {
	if seen[p] {
		return
	}
	seen[p] = true
	st := s.stateOf(m, p)
	if st == nil || st.status == statusDetached {
		return
	}
	if st.status == statusPersistent || st.status == statusDeleted {
		s.detachOne(st)
	}
	s.detach(st)
	for _, r := range m.t.relations {
		if r.target == nil || !r.Cascade.Has(schema.CascadeExpunge) {
			continue
		}
		for _, c := range slices.Clone(r.members(p)) {
			if c != nil {
				s.expunge(s.meta(r.target), c, seen)
			}
		}
	}
}

// ExpungeAll removes every object from the Session.
func (s *Session) ExpungeAll() {
	if s.invalid() != nil {
		return
	}
	s.expungeAll(false, false)
}

// expungeAll forgets every object, remembering the persistent ones as
// detached (see detachAll).
func (s *Session) expungeAll(rolledBack, closing bool) {
	s.detachAll(rolledBack, closing)
	for st := range s.ids.all() {
		st.status = statusDetached
	}
	for _, st := range s.pendingBy {
		st.status = statusDetached
		if closing {
			st.obj = nil // its slab may outlive it in the DB's detached set
		}
	}
	for _, st := range s.tomb {
		st.status = statusDetached
		if closing {
			st.obj = nil
		}
	}
	s.lastNew = nil
	s.ids.clear()
	clear(s.pendingBy)
	clear(s.tomb)
	clear(s.dropped)
	clear(s.expiredCols)
	s.pending, s.deleted, s.gone = nil, nil, nil
	s.slab = nil
	s.rel = nil
	s.derived = nil
}

// Contains reports whether obj is in the Session: pending, persistent, or
// marked for deletion and not yet flushed.
func (s *Session) Contains(obj any) bool {
	_, st, err := s.stateOfObj(obj)
	if err != nil {
		return false
	}
	return st != nil && st.status >= statusPending && st.status <= statusDeleted
}

// New returns the pending objects (added, not yet inserted), in the order
// they were added.
func (s *Session) New() []any {
	if s.invalid() != nil {
		return nil
	}
	var out []any
	for _, st := range s.livePending() {
		out = append(out, st.m.Object(st.obj))
	}
	return out
}

// Dirty returns the persistent objects whose columns or relationship
// fields differ from their last loaded or flushed state, in primary-key
// order per table.
func (s *Session) Dirty() []any {
	if s.invalid() != nil {
		return nil
	}
	var states []*objState
	for st := range s.ids.all() {
		if st.status == statusPersistent && (st.m.Dirty(st.obj, st.snap) || s.relModified(st)) {
			states = append(states, st)
		}
	}
	sortStates(states)
	out := make([]any, len(states))
	for i, st := range states {
		out[i] = st.m.Object(st.obj)
	}
	return out
}

// Deleted returns the objects marked for deletion and not yet flushed.
func (s *Session) Deleted() []any {
	if s.invalid() != nil {
		return nil
	}
	var out []any
	for _, st := range s.liveDeleted() {
		out = append(out, st.m.Object(st.obj))
	}
	return out
}

// IsModified reports whether obj has changes that a flush would write:
// true for a pending object, and for a persistent one whose columns or
// relationship fields differ from their last loaded or flushed state.
func (s *Session) IsModified(obj any) bool {
	m, p, err := s.objMeta(obj)
	if err != nil {
		return false
	}
	st := s.stateOf(m, p)
	if st == nil {
		return false
	}
	switch st.status {
	case statusPending, statusDeleted:
		return true
	case statusPersistent:
		return m.Dirty(p, st.snap) || s.relModified(st)
	}
	return false
}

// livePending compacts and returns the pending list.
func (s *Session) livePending() []*objState {
	s.pending = slices.DeleteFunc(s.pending, func(st *objState) bool { return st.status != statusPending })
	return s.pending
}

func (s *Session) liveDeleted() []*objState {
	s.deleted = slices.DeleteFunc(s.deleted, func(st *objState) bool { return st.status != statusDeleted })
	return s.deleted
}

func sortStates(states []*objState) {
	slices.SortFunc(states, func(a, b *objState) int {
		if a.m != b.m {
			return strings.Compare(a.m.t.Name, b.m.t.Name)
		}
		return a.key.Compare(b.key)
	})
}

// Close rolls back the Session's transaction, if any, returns its
// connection to the pool and forgets every object. A closed Session
// returns [ErrSessionClosed]; Close itself may be called again.
func (s *Session) Close(ctx context.Context) error {
	if err := s.invalid(); err != nil {
		return err
	}
	if s.closed {
		return nil
	}
	s.abortResults(ErrSessionClosed)
	var err error
	rolledBack := s.tx != nil
	if rolledBack {
		err = s.endTx(ctx, "ROLLBACK")
	}
	s.expungeAll(rolledBack, true)
	s.marks = nil
	s.closed = true
	s.unhold()
	return err
}
