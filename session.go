package quarry

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"
)

// Session is a unit of work over a [DB]: it holds an identity map (one
// object per row), tracks the objects added, changed and deleted through
// it, and writes them to the database in one transaction when flushed.
//
// A Session belongs to one goroutine at a time: it is not safe for
// concurrent use. Share the DB, and give each goroutine (each request,
// each job) its own Session.
//
// A Session begins its transaction lazily, on the first statement, and
// keeps it until Commit, Rollback or Close. Statements run through the
// Session (Query.All(ctx, s), Get, ...) flush pending changes first
// (autoflush) and return the Session's own objects for rows it already
// holds.
type Session struct {
	db        *DB
	autoflush bool
	expire    bool
	txOpts    TxOptions

	tx    DriverTx
	marks []*Savepoint
	spSeq int

	// ids is the identity map: persistent objects and objects marked for
	// deletion, by key.
	ids identityIndex
	// pending holds the objects added and not yet inserted, in Add order
	// (entries whose status moved on are skipped and compacted).
	pending   []*objState
	pendingBy map[unsafe.Pointer]*objState
	// deleted lists the objects marked for deletion (same compaction).
	deleted []*objState
	// gone lists the objects whose DELETE ran in this transaction, so
	// Rollback can bring them back.
	gone []*objState

	metas map[*table]*sessionMeta
	// raised lists the relationships of objects that Raise options
	// forbid loading later (loader_raise.go).
	raised map[raiseMark]struct{}
	rel    *relState // relationships' collection snapshots (relationship_flush.go)
	addSeq int
	// results counts the Results run in the Session, to stamp the
	// objects each returns (readCtx.seq); openResults counts those not
	// yet closed, and open lists them (until none is open) for Rollback
	// and Close to end.
	results     uint64
	openResults int
	open        []abortable
	flushing    bool
	closed      bool
	ec          execConn
	slab        []objState
}

type objStatus uint8

const (
	statusDetached objStatus = iota
	statusPending
	statusPersistent
	statusDeleted // persistent and marked for deletion
	statusGone    // deleted in the database in this transaction
)

type expiry uint8

const (
	expireSoft  expiry = 1 // refresh on next load unless changed
	expireForce expiry = 2 // refresh on next load (Refresh)
)

// objState is what a Session knows about one object.
type objState struct {
	m      *tableMeta
	obj    unsafe.Pointer
	key    identKey // set while persistent
	status objStatus
	// snap holds the columns as last loaded or flushed: the base of the
	// dirty check. committed holds them as of the last commit, for
	// Rollback; nil for an object inserted in this transaction.
	snap, committed unsafe.Pointer
	// inserted says the object's INSERT ran in this transaction.
	inserted bool
	expired  expiry
	// filled lists the columns an INSERT filled in from the database
	// (generated key, server defaults, version), zeroed again when the
	// INSERT is undone.
	filled []*columnInfo
	seq    int // Add order
	// result is the stamp of the last Result that returned the object
	// (readCtx.seq).
	result uint64
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
func WithTxOptions(o TxOptions) SessionOption { return func(s *Session) { s.txOpts = o } }

// Session returns a new Session over the database. It takes no connection
// until it first runs a statement.
func (db *DB) Session(opts ...SessionOption) *Session {
	s := &Session{
		db: db, autoflush: true, expire: true, txOpts: TxOptions{Write: true},
		ids: newIdentityIndex(0), pendingBy: map[unsafe.Pointer]*objState{},
		metas: map[*table]*sessionMeta{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

var _ Executor = (*Session)(nil)

// acquire implements Executor: it autoflushes, begins the transaction if
// needed and lends it to the statement.
func (s *Session) acquire(ctx context.Context) (*execConn, error) {
	return s.conn(ctx, s.autoflush)
}

func (s *Session) conn(ctx context.Context, autoflush bool) (*execConn, error) {
	if s.closed {
		return nil, ErrSessionClosed
	}
	if err := s.checkResults(); err != nil {
		return nil, err
	}
	if autoflush && !s.flushing {
		if err := s.Flush(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	// One execConn per Session: every cursor open on it shares the
	// same transaction, and releasing it counts the cursor closed.
	s.ec.db, s.ec.q, s.ec.ids = s.db, s.tx, s
	if s.ec.release == nil {
		s.ec.release = func() {
			if s.openResults--; s.openResults == 0 {
				clear(s.open)
				s.open = s.open[:0]
			}
		}
	}
	s.openResults++
	return &s.ec, nil
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

func (s *Session) meta(t *table) *tableMeta { return s.sessionMeta(t).tableMeta }

func (s *Session) sessionMeta(t *table) *sessionMeta {
	if m, ok := s.metas[t]; ok {
		return m
	}
	m := &sessionMeta{tableMeta: metaOf(t)}
	s.metas[t] = m
	return m
}

// sessionMeta is a table's meta with what one Session keeps per table:
// a block of E from which the snapshots of loaded rows are taken, so
// loading many rows costs one allocation per block rather than per row.
type sessionMeta struct {
	*tableMeta
	snaps unsafe.Pointer
	free  int
}

const snapBlock = 64

// loadSnapshot copies the columns of obj into a snapshot from the block.
func (m *sessionMeta) loadSnapshot(obj unsafe.Pointer) unsafe.Pointer {
	if m.free == 0 {
		m.snaps, m.free = m.t.newBlock(snapBlock), snapBlock
	}
	p := m.snaps
	m.free--
	if m.free > 0 {
		m.snaps = unsafe.Add(m.snaps, m.t.objSize)
	}
	m.copyColumns(p, obj)
	return p
}

// newState allocates object states in blocks: loading many rows then
// costs one allocation per block instead of one per row.
func (s *Session) newState(m *tableMeta, obj unsafe.Pointer) *objState {
	if len(s.slab) == 0 {
		s.slab = make([]objState, 64)
	}
	st := &s.slab[0]
	s.slab = s.slab[1:]
	st.m, st.obj = m, obj
	return st
}

// objMeta returns the mapping of obj's type and the object's address.
func (s *Session) objMeta(obj any) (*tableMeta, unsafe.Pointer, error) {
	if obj == nil {
		return nil, nil, errors.New("quarry: nil object")
	}
	m := metaOfType(reflect.TypeOf(obj))
	if m == nil {
		return nil, nil, fmt.Errorf("%w: %T is not a pointer to a mapped struct", ErrMapping, obj)
	}
	p := ifaceData(obj)
	if p == nil {
		return nil, nil, fmt.Errorf("quarry: nil %T", obj)
	}
	s.meta(m.t)
	return m, p, nil
}

// stateOf finds the state of an object of the Session, or nil.
func (s *Session) stateOf(m *tableMeta, p unsafe.Pointer) *objState {
	if st := s.pendingBy[p]; st != nil {
		return st
	}
	if st := s.ids.get(m.keyOf(p)); st != nil && st.obj == p {
		return st
	}
	// The program changed the primary key of a persistent object (an
	// error at flush): find it the slow way.
	for st := range s.ids.all() {
		if st.obj == p {
			return st
		}
	}
	return nil
}

// Add places objects (pointers to mapped structs) in the Session. A new
// object becomes pending and is inserted at the next flush; an object
// already in the Session is left as it is. Relationships with the
// save-update cascade bring the objects they refer to along. Adding a new
// object with the primary key of a persistent one is reported by the
// flush.
func (s *Session) Add(objs ...any) error {
	if s.closed {
		return ErrSessionClosed
	}
	for _, obj := range objs {
		m, p, err := s.objMeta(obj)
		if err != nil {
			return err
		}
		s.add(m, p)
	}
	return nil
}

// AddAll adds every object of a slice of pointers to mapped structs.
func AddAll[E any](s *Session, objs []*E) error {
	if s.closed {
		return ErrSessionClosed
	}
	if len(objs) == 0 {
		return nil
	}
	m := metaOfType(reflect.TypeFor[*E]())
	if m == nil {
		return fmt.Errorf("%w: %v is not mapped", ErrMapping, reflect.TypeFor[E]())
	}
	s.meta(m.t)
	if len(s.pendingBy) == 0 && len(objs) > 64 {
		s.pendingBy = make(map[unsafe.Pointer]*objState, len(objs))
	}
	for _, o := range objs {
		if o == nil {
			return fmt.Errorf("quarry: nil *%v in AddAll", reflect.TypeFor[E]())
		}
		s.add(m, unsafe.Pointer(o))
	}
	return nil
}

func (s *Session) add(m *tableMeta, p unsafe.Pointer) {
	if s.pendingBy[p] != nil {
		return
	}
	if st := s.ids.get(m.keyOf(p)); st != nil && st.obj == p {
		if st.status == statusDeleted {
			// Adding back an object marked for deletion keeps it.
			st.status = statusPersistent
		}
		return
	}
	st := s.newState(m, p)
	st.status = statusPending
	s.addSeq++
	st.seq = s.addSeq
	s.pending = append(s.pending, st)
	s.pendingBy[p] = st
	s.cascadeSave(m, p)
}

// cascadeSave brings into the Session the objects that the save-update
// cascade of obj's relationships reaches.
func (s *Session) cascadeSave(m *tableMeta, p unsafe.Pointer) {
	for _, r := range m.rels {
		if c, ok := r.(flushCascader); ok {
			c.cascadeSave(p, func(t *table, obj unsafe.Pointer) {
				m := s.meta(t)
				if st := s.stateOf(m, obj); st != nil && st.status == statusDeleted {
					return // an explicit Delete wins over the cascade
				}
				s.add(m, obj)
			})
		}
	}
}

func (s *Session) cascadeDelete(m *tableMeta, p unsafe.Pointer) {
	for _, r := range m.rels {
		if c, ok := r.(flushCascader); ok {
			c.cascadeDelete(p, func(t *table, obj unsafe.Pointer) { s.del(s.meta(t), obj) })
		}
	}
}

// Delete marks persistent objects for deletion at the next flush (and,
// through relationships with the delete cascade, the objects they own). A
// pending object is simply removed from the Session. Deleting an object
// that is not in the Session is an error wrapping [ErrNotInSession].
func (s *Session) Delete(objs ...any) error {
	if s.closed {
		return ErrSessionClosed
	}
	for _, obj := range objs {
		m, p, err := s.objMeta(obj)
		if err != nil {
			return err
		}
		if !s.del(m, p) {
			return fmt.Errorf("%w: Delete of a %T that is not in the Session", ErrNotInSession, obj)
		}
	}
	return nil
}

func (s *Session) del(m *tableMeta, p unsafe.Pointer) bool {
	st := s.stateOf(m, p)
	if st == nil {
		return false
	}
	switch st.status {
	case statusPending:
		s.detach(st)
	case statusPersistent:
		st.status = statusDeleted
		s.deleted = append(s.deleted, st)
		s.cascadeDelete(m, p)
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
	st.status = statusDetached
}

// Expunge removes objects from the Session without touching the
// database: their pending insert, changes or deletion are forgotten, and
// a later query returns new objects for their rows.
func (s *Session) Expunge(objs ...any) {
	for _, obj := range objs {
		m, p, err := s.objMeta(obj)
		if err != nil {
			continue
		}
		if st := s.stateOf(m, p); st != nil {
			s.detach(st)
		}
	}
}

// ExpungeAll removes every object from the Session.
func (s *Session) ExpungeAll() {
	for st := range s.ids.all() {
		st.status = statusDetached
	}
	for _, st := range s.pendingBy {
		st.status = statusDetached
	}
	s.ids.clear()
	clear(s.pendingBy)
	s.pending, s.deleted, s.gone = nil, nil, nil
	s.slab = nil
}

// Contains reports whether obj is in the Session: pending, persistent, or
// marked for deletion and not yet flushed.
func (s *Session) Contains(obj any) bool {
	m, p, err := s.objMeta(obj)
	if err != nil {
		return false
	}
	st := s.stateOf(m, p)
	return st != nil && st.status >= statusPending && st.status <= statusDeleted
}

// New returns the pending objects (added, not yet inserted), in the order
// they were added.
func (s *Session) New() []any {
	var out []any
	for _, st := range s.livePending() {
		out = append(out, st.m.object(st.obj))
	}
	return out
}

// Dirty returns the persistent objects whose columns differ from their
// last loaded or flushed state, in primary-key order per table.
func (s *Session) Dirty() []any {
	var states []*objState
	for st := range s.ids.all() {
		if st.status == statusPersistent && st.m.dirty(st.obj, st.snap) {
			states = append(states, st)
		}
	}
	sortStates(states)
	out := make([]any, len(states))
	for i, st := range states {
		out[i] = st.m.object(st.obj)
	}
	return out
}

// Deleted returns the objects marked for deletion and not yet flushed.
func (s *Session) Deleted() []any {
	var out []any
	for _, st := range s.liveDeleted() {
		out = append(out, st.m.object(st.obj))
	}
	return out
}

// IsModified reports whether obj has changes that a flush would write:
// true for a pending object, and for a persistent one whose columns differ
// from their last loaded or flushed state.
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
		return m.dirty(p, st.snap)
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
			return strings.Compare(a.m.t.name, b.m.t.name)
		}
		return a.key.compare(b.key)
	})
}

// Close rolls back the Session's transaction, if any, returns its
// connection to the pool and forgets every object. A closed Session
// returns [ErrSessionClosed]; Close itself may be called again.
func (s *Session) Close(ctx context.Context) error {
	if s.closed {
		return nil
	}
	s.abortResults(ErrSessionClosed)
	var err error
	if s.tx != nil {
		err = s.endTx(ctx, "ROLLBACK")
	}
	s.ExpungeAll()
	s.marks = nil
	s.closed = true
	return err
}
