package quarry

// The unit of work: what a flush writes, and in which order.
//
// A flush runs these steps, in one transaction (begun lazily, at the
// first statement; a flush with nothing to write sends nothing):
//
//  1. Cascades and relationships (relationship_flush.go): save-update
//     cascades bring objects into the Session; changed many-to-one fields
//     and collections are compared with their snapshots, orphans and the
//     children of deleted objects are deleted or unlinked, delete cascades
//     run, all decided from the objects as they are now.
//  2. Checks: two new objects with one key, a new object with the key of
//     a persistent one.
//  3. Ordering. Tables are sorted so that a table comes after every
//     table it depends on: the targets of its column foreign keys and of
//     its relationships. Self-references are ordered row by row
//     (flush_self.go).
//  4. Saves, tables in dependency order (parents first). For each table:
//     foreign keys are copied from the parents whose relationship to the
//     row changed (FK sync, now that parents' generated keys are known);
//     then the UPDATEs of its changed persistent rows, in primary-key
//     order, each setting only the changed columns; then the INSERTs of
//     its pending objects in Add order, in multi-row batches of
//     consecutive rows of one shape that fill generated keys and server
//     defaults back through RETURNING.
//  5. Association rows of many-to-many relationships.
//  6. Deletes, tables in reverse dependency order (children first), in
//     primary-key order.
//  7. After success the Session moves inserted objects into the identity
//     map, takes new snapshots of columns and relationship fields, and
//     drops deleted objects from the loaded collections.
//
// A failed flush changes nothing: the flush's own changes to objects are
// undone (flush_undo.go), the transaction is rolled back and the Session
// rebased on its last committed state (see transaction.go).

import (
	"context"
	"fmt"
	"github.com/quarry-orm/quarry/dialect"
	"slices"
	"strconv"
	"unsafe"
)

// tableDep says that rows of parent must be inserted before, and deleted
// after, rows of child.
type tableDep struct{ parent, child *table }

// unitOfWork is one flush.
type unitOfWork struct {
	s   *Session
	ctx context.Context
	// rels are the relationships of the Session's tables, in a fixed
	// order; rf is their part of the flush.
	rels []*relationship
	rf   relFlush
	// per-table work, by table.
	work  map[*tableMeta]*tableWork
	order []*tableMeta
	// bookkeeping applied when the flush succeeds.
	inserted, updated, deleted []*objState
	// replaced pairs an object marked for deletion with the new object
	// of the same primary key that takes its row (see replace).
	replaced [][2]*objState
	// undo takes back the flush's changes to objects when it fails.
	undo    []func()
	touched map[unsafe.Pointer]touched
	// assocWritten are the association tables the flush wrote rows of.
	assocWritten []*table
	// sorted caches the persistent states per table in key order, for
	// each; sortedLen is the identity map's size it was built at.
	sorted    map[*table][]*objState
	sortedLen int
}

type tableWork struct {
	m *tableMeta
	// candidates for UPDATE: the persistent objects, or only the dirty
	// ones when no relation can change them during the flush.
	persistent []*objState
	pending    []*objState
	deletes    []*objState
}

// status reports the state of obj in the Session.
func (u *unitOfWork) status(t *table, obj unsafe.Pointer) objStatus {
	if st := u.s.stateOf(u.s.meta(t), obj); st != nil {
		return st.status
	}
	return statusDetached
}

// each calls fn for every object of table t in the Session (pending,
// persistent or marked for deletion): persistent ones in primary-key
// order, then pending ones in Add order, including those added while it
// runs.
func (u *unitOfWork) each(t *table, fn func(obj unsafe.Pointer, status objStatus)) {
	s := u.s
	if u.sorted == nil || u.sortedLen != s.ids.len() {
		u.sorted = map[*table][]*objState{}
		for st := range s.ids.all() {
			u.sorted[st.m.t] = append(u.sorted[st.m.t], st)
		}
		for _, states := range u.sorted {
			slices.SortFunc(states, func(a, b *objState) int { return a.key.compare(b.key) })
		}
		u.sortedLen = s.ids.len()
	}
	for _, st := range u.sorted[t] {
		if st.status == statusPersistent || st.status == statusDeleted {
			fn(st.obj, st.status)
		}
	}
	for i := 0; i < len(s.pending); i++ {
		if st := s.pending[i]; st.m.t == t && st.status == statusPending {
			fn(st.obj, st.status)
		}
	}
}

// exec runs a statement in the flush's transaction.
func (u *unitOfWork) exec(sql string, args []any) (int64, error) {
	if err := u.s.begin(u.ctx); err != nil {
		return 0, err
	}
	return u.s.db.exec(u.ctx, u.s.tx, sql, args)
}

// dialect is the database's dialect, for relations that render SQL.
func (u *unitOfWork) dialect() Dialect { return u.s.db.dialect }

// Flush writes the Session's pending changes (inserts, updates of changed
// columns, deletes) in its transaction, beginning one if needed. Queries
// run through the Session flush first on their own (autoflush), and
// Commit flushes before committing.
//
// When a flush fails (a constraint violation, a lost connection, a
// cancelled context, a [*StaleObjectError], or one of its own checks such
// as [ErrIdentityConflict]), it returns the error and rolls the
// transaction back, and the Session is rebased on its last committed
// state: every change made since the last commit, flushed or not, is
// pending again (new objects are pending with their generated keys unset,
// deleted objects are marked for deletion again, objects as the program
// left them), so the program can correct the cause and flush or commit
// again.
func (s *Session) Flush(ctx context.Context) error {
	if s.closed {
		return ErrSessionClosed
	}
	if s.flushing {
		return nil
	}
	s.flushing = true
	defer func() { s.flushing = false }()
	if len(s.pendingBy) == 0 && s.ids.len() == 0 {
		return nil
	}
	if err := configure(); err != nil {
		return err
	}
	if err := s.checkResults(); err != nil {
		return err
	}
	u := &unitOfWork{s: s, ctx: ctx}
	err := u.prepare()
	if err == nil && len(u.work) > 0 {
		err = u.run()
	}
	if err != nil {
		u.undoChanges()
		if s.tx != nil {
			s.endTx(ctx, "ROLLBACK")
		}
		s.rebase()
		return err
	}
	if len(u.work) > 0 {
		u.finish()
	}
	return nil
}

// prepare runs cascades and the relationship passes, then collects and
// checks the work per table.
func (u *unitOfWork) prepare() error {
	s := u.s
	u.rels = sessionRels(s)
	if len(u.rels) > 0 {
		for _, m := range s.metasSorted() {
			for _, st := range u.sortedOf(m.t) {
				if st.status == statusPersistent {
					s.cascadeSave(st.m, st.obj)
				}
			}
		}
		for i := 0; i < len(s.pending); i++ { // cascades may append
			if st := s.pending[i]; st.status == statusPending {
				s.cascadeSave(st.m, st.obj)
			}
		}
		// The cascades may have brought in objects of tables the Session
		// held none of: their relationships take part too (back-population,
		// association rows seen from their side, new snapshots).
		u.rels = sessionRels(s)
		if err := u.prepareRelations(); err != nil {
			return err
		}
		// Copy the keys already known now, so that a new row whose
		// primary key is its foreign key (a one-to-one child) is seen
		// taking the row of a deleted one below (a row switch).
		for _, m := range s.metasSorted() {
			u.syncKeys(m.t)
		}
	}
	u.work = map[*tableMeta]*tableWork{}
	get := func(m *tableMeta) *tableWork {
		w := u.work[m]
		if w == nil {
			w = &tableWork{m: m}
			u.work[m] = w
		}
		return w
	}
	for st := range s.ids.all() {
		switch st.status {
		case statusPersistent:
			// FK sync may change a clean object during the flush, so
			// the tables it writes are checked when written; others are
			// checked now.
			if st.m.hasWriter() || st.m.dirty(st.obj, st.snap) {
				get(st.m).persistent = append(get(st.m).persistent, st)
			}
		case statusDeleted:
			get(st.m).deletes = append(get(st.m).deletes, st)
		}
	}
	var pendingKeys map[identKey]*objState
	for _, st := range s.livePending() {
		w := get(st.m)
		if st.m.auto != nil && st.m.isZero(st.m.auto, st.obj) {
			w.pending = append(w.pending, st)
			continue // the database generates the key
		}
		k := st.m.keyOf(st.obj)
		if pendingKeys == nil {
			pendingKeys = map[identKey]*objState{}
		}
		if pendingKeys[k] != nil {
			return fmt.Errorf("%w: two new %v objects with primary key %v", ErrIdentityConflict, st.m.t.goType, keyValues(st.m, st.obj))
		}
		pendingKeys[k] = st
		if other := s.ids.get(k); other != nil {
			if other.status != statusDeleted {
				return fmt.Errorf("%w: new %v with primary key %v; the session already holds a persistent one (query it, or Expunge it first)", ErrIdentityConflict, st.m.t.goType, keyValues(st.m, st.obj))
			}
			u.replace(w, other, st)
			continue
		}
		w.pending = append(w.pending, st)
	}
	for m, w := range u.work {
		if len(w.persistent)+len(w.pending)+len(w.deletes) == 0 {
			delete(u.work, m)
		}
	}
	if len(u.work) > 0 {
		u.order = flushOrder(u.work, u.rels)
	}
	return nil
}

// sortedOf returns the persistent and deleted states of t in key order.
func (u *unitOfWork) sortedOf(t *table) []*objState {
	var out []*objState
	u.each(t, func(unsafe.Pointer, objStatus) {})
	for _, st := range u.sorted[t] {
		if st.status == statusPersistent || st.status == statusDeleted {
			out = append(out, st)
		}
	}
	return out
}

// replace turns the DELETE of old and the INSERT of st, a new object with
// old's primary key, into one UPDATE of the row to st's values, as
// SQLAlchemy does: the row keeps its identity, so rows that refer to it
// need no reordering. For the Session it is still an insert and a delete:
// Rollback expunges st and brings old back.
func (u *unitOfWork) replace(w *tableWork, old, st *objState) {
	w.deletes = slices.DeleteFunc(w.deletes, func(d *objState) bool { return d == old })
	w.persistent = append(w.persistent, &objState{m: st.m, obj: st.obj, key: old.key, status: statusPersistent, snap: old.snap})
	u.replaced = append(u.replaced, [2]*objState{old, st})
}

// replacing reports whether st is the UPDATE that a new object takes
// over a deleted one's row with (see replace): its version counter is the
// new object's, not a change.
func (u *unitOfWork) replacing(st *objState) bool {
	for _, r := range u.replaced {
		if r[1].obj == st.obj {
			return true
		}
	}
	return false
}

func (m *tableMeta) hasWriter() bool { return len(m.relships) > 0 || fkSyncTarget(m.t) }

func (s *Session) metasSorted() []*tableMeta {
	ms := make([]*tableMeta, 0, len(s.metas))
	for _, m := range s.metas {
		ms = append(ms, m.tableMeta)
	}
	slices.SortFunc(ms, func(a, b *tableMeta) int {
		if a.t.name < b.t.name {
			return -1
		}
		return 1
	})
	return ms
}

func keyValues(m *tableMeta, obj unsafe.Pointer) []any {
	vs := make([]any, len(m.t.pk))
	for i, c := range m.t.pk {
		vs[i] = c.value(c.ptr(obj))
	}
	return vs
}

// flushOrder sorts the tables with work so that each comes after the
// tables it depends on (column foreign keys and relationships).
func flushOrder(work map[*tableMeta]*tableWork, rels []*relationship) []*tableMeta {
	ms := make([]*tableMeta, 0, len(work))
	for m := range work {
		ms = append(ms, m)
	}
	// A fixed starting order keeps flushes deterministic.
	slices.SortFunc(ms, func(a, b *tableMeta) int {
		if a.t.name < b.t.name {
			return -1
		}
		return 1
	})
	byTable := map[*table]*tableMeta{}
	for _, m := range ms {
		byTable[m.t] = m
	}
	parents := map[*tableMeta][]*tableMeta{}
	link := func(parent, child *table) {
		pm, cm := byTable[parent], byTable[child]
		if pm != nil && cm != nil && pm != cm {
			parents[cm] = append(parents[cm], pm)
		}
	}
	for _, m := range ms {
		for _, c := range m.t.columns {
			if c.fk != nil && c.fk.target != nil {
				link(c.fk.target.table, m.t)
			}
		}
	}
	for _, r := range rels {
		for _, dep := range r.flushDeps() {
			link(dep.parent, dep.child)
		}
	}
	state := map[*tableMeta]uint8{}
	order := make([]*tableMeta, 0, len(ms))
	var visit func(m *tableMeta)
	visit = func(m *tableMeta) {
		if state[m] != 0 {
			return // done, or a cycle: keep first-seen order
		}
		state[m] = 1
		for _, p := range parents[m] {
			visit(p)
		}
		state[m] = 2
		order = append(order, m)
	}
	for _, m := range ms {
		visit(m)
	}
	return order
}

// run sends the statements of the flush.
func (u *unitOfWork) run() error {
	for _, m := range u.order {
		beforeWrite := func() error {
			u.syncKeys(m.t)
			return nil
		}
		w := u.work[m]
		if rels := selfRelations(m); len(rels) > 0 {
			if err := u.writeSelfReferential(w, rels, beforeWrite); err != nil {
				return err
			}
			continue
		}
		u.syncKeys(m.t)
		if err := u.updates(w); err != nil {
			return err
		}
		if err := u.inserts(w); err != nil {
			return err
		}
	}
	if len(u.rels) > 0 {
		if err := u.writeAssociations(); err != nil {
			return err
		}
	}
	for i := len(u.order) - 1; i >= 0; i-- {
		if err := u.deletes(u.work[u.order[i]]); err != nil {
			return err
		}
	}
	return u.ctx.Err()
}

// finish records the flush in the Session after it succeeded.
func (u *unitOfWork) finish() {
	s := u.s
	if s.ids.len() == 0 && len(u.inserted) > 64 {
		s.ids = newIdentityIndex(len(u.inserted)) // skip the growth steps
	}
	for _, st := range u.inserted {
		delete(s.pendingBy, st.obj)
		// cascaded is kept: should the transaction be rolled back under
		// a Session that keeps its changes (a failed flush), the object
		// is pending again as it came in, an orphan when nothing refers
		// to it any more.
		st.status = statusPersistent
		st.key = st.m.keyOf(st.obj)
		st.snap = st.m.snapshot(st.obj)
		st.inserted = true
		s.ids.put(st.key, st)
	}
	for _, st := range u.updated {
		// A new snapshot: the old one may be the committed state.
		st.snap = st.m.snapshot(st.obj)
	}
	var gone map[unsafe.Pointer]bool
	if len(u.rels) > 0 && len(u.deleted)+len(u.replaced) > 0 {
		gone = map[unsafe.Pointer]bool{}
	}
	for _, st := range u.deleted {
		s.ids.del(st.key)
		s.bury(st)
		if gone != nil {
			gone[st.obj] = true
		}
	}
	for _, r := range u.replaced {
		old, st := r[0], r[1]
		delete(s.pendingBy, st.obj)
		st.status, st.key, st.inserted = statusPersistent, old.key, true
		st.snap = st.m.snapshot(st.obj)
		s.ids.put(st.key, st)
		s.bury(old)
		if gone != nil {
			gone[old.obj] = true
		}
	}
	s.livePending()
	s.liveDeleted()
	// The tables written, whose rows relationship loads of this
	// transaction no longer show as committed (see loadedIn).
	rs := s.relState()
	for _, sts := range [][]*objState{u.inserted, u.updated, u.deleted} {
		for _, st := range sts {
			rs.wrote(st.m.t)
		}
	}
	for _, r := range u.replaced {
		rs.wrote(r[1].m.t)
	}
	for _, t := range u.assocWritten {
		rs.wrote(t)
	}
	if len(u.rels) > 0 {
		u.sorted = nil
		u.dropDeletedMembers(gone)
		u.snapshotFields()
	}
}

// sqlKey identifies a rendered DML statement in a tableMeta's cache.
type sqlKey struct {
	d    Dialect
	op   byte
	mask uint64
	n    int
}

func (m *tableMeta) cachedSQL(k sqlKey, build func() (string, error)) (string, error) {
	if len(m.t.columns) > 64 {
		return build() // the mask cannot name the columns
	}
	if v, ok := m.sql.Load(k); ok {
		return v.(string), nil
	}
	sql, err := build()
	if err == nil {
		m.sql.Store(k, sql)
	}
	return sql, err
}

func colMask(cols []*columnInfo) uint64 {
	var mask uint64
	for _, c := range cols {
		mask |= 1 << (uint(c.index) & 63)
	}
	return mask
}

// dml renders DML text with numbered placeholders; values are passed
// separately, never written into the text.
type dml struct {
	b *builder
	n int
}

func newDML(d Dialect) *dml { return &dml{b: newBuilder(d)} }

func (w *dml) ph() {
	w.n++
	w.b.buf = w.b.d.AppendPlaceholder(w.b.buf, w.n)
}

func (w *dml) qualified(t *table, c *columnInfo) {
	w.b.ident(t.name)
	w.b.writeByte('.')
	w.b.ident(c.name)
}

// whereKey writes "t.pk1 = ? AND t.pk2 = ?" (and the version check).
func (w *dml) whereKey(m *tableMeta, version bool) {
	w.b.write(" WHERE ")
	for i, c := range m.t.pk {
		if i > 0 {
			w.b.write(" AND ")
		}
		w.qualified(m.t, c)
		w.b.write(" = ")
		w.ph()
	}
	if version {
		w.b.write(" AND ")
		w.qualified(m.t, m.version)
		w.b.write(" = ")
		w.ph()
	}
}

func (w *dml) sql() (string, error) {
	if w.b.err != nil {
		return "", w.b.err
	}
	return string(w.b.buf), nil
}

// updates writes the changed columns of each persistent object of the
// table, one UPDATE per row in primary-key order.
func (u *unitOfWork) updates(w *tableWork) error {
	m := w.m
	type change struct {
		st   *objState
		cols []*columnInfo
	}
	var changes []change
	for _, st := range w.persistent {
		cols := m.changed(nil, st.obj, st.snap)
		if m.version != nil {
			if slices.Contains(cols, m.version) && !u.replacing(st) {
				// The counter is the Session's: honouring a value set
				// by hand would either break the optimistic check or
				// guess what the program meant, and ignoring it would
				// leave the object saying what the row does not.
				return fmt.Errorf("quarry: the version counter %s of a persistent %v %v was set by hand (from %d to %d): the Session manages it (the flush was rolled back and the counter put back; to make a change conditional on a version read earlier, compare it before changing the object)",
					m.version.name, m.t.goType, keyValues(m, st.snap), m.getVersion(m.version.ptr(st.snap)), m.getVersion(m.version.ptr(st.obj)))
			}
			cols = slices.DeleteFunc(cols, func(c *columnInfo) bool { return c == m.version })
		}
		if len(cols) == 0 {
			continue
		}
		for _, c := range cols {
			if c.pk {
				return fmt.Errorf("quarry: the primary key of a persistent %v changed (%s, from %v to %v): delete the object and add a new one instead", m.t.goType, c.name, c.value(c.ptr(st.snap)), c.value(c.ptr(st.obj)))
			}
		}
		changes = append(changes, change{st, cols})
	}
	slices.SortFunc(changes, func(a, b change) int { return a.st.key.compare(b.st.key) })
	d := u.s.db.dialect
	for _, ch := range changes {
		st := ch.st
		if m.zeroKey(st.snap) {
			return fmt.Errorf("quarry: refusing to UPDATE %v with a zero primary key", m.t.goType)
		}
		versioned := m.version != nil
		sql, err := m.cachedSQL(sqlKey{d: d, op: 'U', mask: colMask(ch.cols)}, func() (string, error) {
			w := newDML(d)
			w.b.write("UPDATE ")
			w.b.ident(m.t.name)
			w.b.write(" SET ")
			for i, c := range ch.cols {
				if i > 0 {
					w.b.write(", ")
				}
				w.b.ident(c.name)
				w.b.write(" = ")
				w.ph()
			}
			if versioned {
				w.b.write(", ")
				w.b.ident(m.version.name)
				w.b.write(" = ")
				w.ph()
			}
			w.whereKey(m, versioned)
			return w.sql()
		})
		if err != nil {
			return err
		}
		args := make([]any, 0, len(ch.cols)+len(m.t.pk)+2)
		for _, c := range ch.cols {
			args = append(args, c.value(c.ptr(st.obj)))
		}
		var oldVersion int64
		if versioned {
			oldVersion = m.getVersion(m.version.ptr(st.snap))
			args = append(args, oldVersion+1)
		}
		for _, c := range m.t.pk {
			args = append(args, c.value(c.ptr(st.snap)))
		}
		if versioned {
			args = append(args, oldVersion)
		}
		n, err := u.exec(sql, args)
		if err != nil {
			return err
		}
		if n != 1 {
			return staleError("UPDATE", m, st, versioned, oldVersion)
		}
		if versioned {
			m.setVersion(m.version.ptr(st.obj), oldVersion+1)
		}
		u.updated = append(u.updated, st)
	}
	return nil
}

func staleError(op string, m *tableMeta, st *objState, versioned bool, version int64) error {
	e := &StaleObjectError{Op: op, Table: m.t.name, Key: keyValues(m, st.snap)}
	if versioned {
		e.Version = &version
	}
	return e
}

// maxBatchRows bounds the rows of one multi-row INSERT or DELETE, on top
// of the dialect's parameter limit, to keep statement text reasonable.
const maxBatchRows = 1000

func batchRows(caps dialect.Capabilities, perRow int) int {
	maxParams := caps.MaxParams
	if maxParams <= 0 {
		maxParams = 999 // SQLite's historical default, a safe floor
	}
	n := maxParams / max(perRow, 1)
	return max(1, min(n, maxBatchRows))
}

// insertShape is the set of columns an INSERT writes and those it reads
// back through RETURNING.
type insertShape struct {
	cols, ret []*columnInfo
	mask      uint64
	generated bool // the key is among ret: correlate rows by it
}

func (m *tableMeta) shapeOf(obj unsafe.Pointer, cols, ret []*columnInfo) ([]*columnInfo, []*columnInfo, bool) {
	generated := false
	for _, c := range m.t.columns {
		switch {
		case c == m.auto && m.isZero(c, obj):
			generated = true
			ret = append(ret, c)
		case c.zeroDefault && m.isZero(c, obj):
			// A nil pointer (or an omitzero field left zero) of a
			// column with a server default leaves the default to the
			// database and reads it back. Other fields are written as
			// they are: false, 0 and "" are values.
			ret = append(ret, c)
		default:
			cols = append(cols, c)
		}
	}
	return cols, ret, generated
}

// inserts writes the pending objects of the table in Add order, whether
// their keys are given or generated; consecutive rows of one shape go in
// one multi-row INSERT.
func (u *unitOfWork) inserts(w *tableWork) error {
	m := w.m
	if len(w.pending) == 0 {
		return nil
	}
	// Add order, whether keys are given or generated (as SQLAlchemy's
	// insert order): a program that adds rows in an order it cares
	// about (triggers, sequences, audit rows) gets it.
	objs := w.pending
	if !slices.IsSortedFunc(objs, bySeq) {
		slices.SortStableFunc(objs, bySeq)
	}
	for _, st := range objs {
		if m.version != nil && m.getVersion(m.version.ptr(st.obj)) == 0 {
			m.setVersion(m.version.ptr(st.obj), 1)
			st.filled = append(st.filled, m.version)
		}
	}
	caps := u.s.db.dialect.Capabilities()
	for len(objs) > 0 {
		var sh insertShape
		sh.cols, sh.ret, sh.generated = m.shapeOf(objs[0].obj, nil, nil)
		sh.mask = colMask(sh.cols)
		limit := batchRows(caps, len(sh.cols))
		n := 1
		for n < len(objs) && n < limit {
			// Consecutive rows of the same shape share the statement.
			if !m.sameShape(objs[n].obj, &sh) {
				break
			}
			n++
		}
		if err := u.insertBatch(m, &sh, objs[:n]); err != nil {
			return err
		}
		objs = objs[n:]
	}
	return nil
}

func bySeq(a, b *objState) int { return a.seq - b.seq }

func (m *tableMeta) sameShape(obj unsafe.Pointer, sh *insertShape) bool {
	for _, c := range sh.ret {
		if !m.isZero(c, obj) {
			return false
		}
	}
	for _, c := range sh.cols {
		if (c == m.auto || c.zeroDefault) && m.isZero(c, obj) {
			return false
		}
	}
	return true
}

func (u *unitOfWork) insertBatch(m *tableMeta, sh *insertShape, objs []*objState) error {
	d := u.s.db.dialect
	rows := len(objs)
	k := sqlKey{d: d, op: 'I', mask: sh.mask, n: rows}
	build := func() (string, error) { return insertSQL(d, m, sh, rows) }
	var (
		sql string
		err error
	)
	if rows == 1 || rows == batchRows(d.Capabilities(), len(sh.cols)) {
		sql, err = m.cachedSQL(k, build)
	} else {
		sql, err = build()
	}
	if err != nil {
		return err
	}
	args := make([]any, 0, rows*len(sh.cols))
	for _, st := range objs {
		for _, c := range sh.cols {
			args = append(args, c.value(c.ptr(st.obj)))
		}
	}
	if len(sh.ret) == 0 {
		n, err := u.exec(sql, args)
		if err != nil {
			return err
		}
		if n != int64(rows) {
			return fmt.Errorf("quarry: INSERT into %s wrote %d rows, want %d", m.t.name, n, rows)
		}
	} else if err := u.insertReturning(m, sh, objs, sql, args); err != nil {
		return err
	}
	for _, st := range objs {
		if len(sh.ret) > 0 {
			st.filled = append(st.filled, sh.ret...)
		}
		u.inserted = append(u.inserted, st)
	}
	return nil
}

func insertSQL(d Dialect, m *tableMeta, sh *insertShape, rows int) (string, error) {
	w := newDML(d)
	w.b.buf = slices.Grow(w.b.buf, rows*(len(sh.cols)*4+4))
	w.b.write("INSERT INTO ")
	w.b.ident(m.t.name)
	if len(sh.cols) == 0 {
		if rows != 1 {
			return "", fmt.Errorf("quarry: internal error: multi-row INSERT of no columns")
		}
		w.b.write(" DEFAULT VALUES")
	} else {
		w.b.write(" (")
		identList(w.b, sh.cols)
		w.b.write(") VALUES ")
		for r := 0; r < rows; r++ {
			if r > 0 {
				w.b.write(", ")
			}
			w.b.writeByte('(')
			for i := range sh.cols {
				if i > 0 {
					w.b.write(", ")
				}
				w.ph()
			}
			w.b.writeByte(')')
		}
	}
	if len(sh.ret) > 0 {
		w.b.write(" RETURNING ")
		ret := sh.ret
		if !sh.generated {
			// Correlate the returned rows by their given key.
			ret = append(slices.Clone(m.t.pk), ret...)
		}
		identList(w.b, ret)
	}
	return w.sql()
}

// insertReturning runs a multi-row INSERT ... RETURNING and copies the
// generated values into the objects.
//
// Neither SQLite nor PostgreSQL documents the order of RETURNING rows, so
// rows are correlated, not assumed in order: when the key is given, by
// the key each row returns; when the database generates an integer key,
// by sorting the returned keys, since both hand out increasing values to
// the rows of one INSERT ... VALUES in list order (SQLite's rowid is
// max+1 per row, PostgreSQL calls nextval per row as it reads the VALUES
// list; this is the strategy SQLAlchemy 2.0 uses for "insertmanyvalues").
// The row count is checked either way.
func (u *unitOfWork) insertReturning(m *tableMeta, sh *insertShape, objs []*objState, sql string, args []any) error {
	if err := u.s.begin(u.ctx); err != nil {
		return err
	}
	rows, err := u.s.db.query(u.ctx, u.s.tx, sql, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	fail := func(err error) error { return u.s.db.wrapErr(sql, err) }
	if sh.generated && len(sh.ret) == 1 {
		// Only the key comes back: read it without scratch objects.
		keys := make([]int64, 0, len(objs))
		var k int64
		for rows.Next() {
			if err := rows.Scan(&k); err != nil {
				return fail(err)
			}
			keys = append(keys, k)
		}
		if err := rows.Err(); err != nil {
			return fail(err)
		}
		if len(keys) != len(objs) {
			return fmt.Errorf("quarry: INSERT into %s returned %d rows, want %d", m.t.name, len(keys), len(objs))
		}
		if !slices.IsSorted(keys) {
			slices.Sort(keys)
		}
		for i, st := range objs {
			m.setAuto(m.auto.ptr(st.obj), keys[i])
		}
		return rows.Close()
	}
	ret := sh.ret
	if !sh.generated {
		ret = append(slices.Clone(m.t.pk), ret...)
	}
	scratch := make([]unsafe.Pointer, 0, len(objs))
	dest := make([]any, len(ret))
	for rows.Next() {
		p := m.t.newObj()
		for i, c := range ret {
			dest[i] = c.dest(c.ptr(p))
		}
		if err := rows.Scan(dest...); err != nil {
			return fail(err)
		}
		scratch = append(scratch, p)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if len(scratch) != len(objs) {
		return fmt.Errorf("quarry: INSERT into %s returned %d rows, want %d", m.t.name, len(scratch), len(objs))
	}
	if sh.generated {
		get := func(p unsafe.Pointer) int64 { return m.getInt(m.auto.ptr(p)) }
		slices.SortStableFunc(scratch, func(a, b unsafe.Pointer) int {
			if get(a) < get(b) {
				return -1
			}
			if get(a) > get(b) {
				return 1
			}
			return 0
		})
		for i, st := range objs {
			for _, c := range sh.ret {
				c.clone(c.ptr(st.obj), c.ptr(scratch[i]))
			}
		}
		return rows.Close()
	}
	byKey := make(map[identKey]unsafe.Pointer, len(scratch))
	for _, p := range scratch {
		byKey[m.keyOf(p)] = p
	}
	for _, st := range objs {
		p := byKey[m.keyOf(st.obj)]
		if p == nil {
			return fmt.Errorf("quarry: INSERT into %s returned no row for key %v", m.t.name, keyValues(m, st.obj))
		}
		for _, c := range sh.ret {
			c.clone(c.ptr(st.obj), c.ptr(p))
		}
	}
	return rows.Close()
}

// deletes removes the rows of the objects marked for deletion, in
// primary-key order: many at a time with a single-column key and no
// version column, one by one otherwise (each checked against its
// version).
func (u *unitOfWork) deletes(w *tableWork) error {
	m := w.m
	if len(w.deletes) == 0 {
		return nil
	}
	slices.SortFunc(w.deletes, func(a, b *objState) int { return a.key.compare(b.key) })
	if rels := selfRelations(m); len(rels) > 0 {
		orderSelfDeletes(w, rels)
	}
	for _, st := range w.deletes {
		if m.zeroKey(st.snap) {
			return fmt.Errorf("quarry: refusing to DELETE %v with a zero primary key", m.t.goType)
		}
	}
	d := u.s.db.dialect
	if len(m.t.pk) == 1 && m.version == nil {
		pk := m.t.pk[0]
		all := w.deletes
		for len(all) > 0 {
			n := min(len(all), batchRows(d.Capabilities(), 1))
			batch := all[:n]
			all = all[n:]
			q := newDML(d)
			q.b.write("DELETE FROM ")
			q.b.ident(m.t.name)
			q.b.write(" WHERE ")
			q.qualified(m.t, pk)
			if n == 1 {
				q.b.write(" = ")
				q.ph()
			} else {
				q.b.write(" IN (")
				for i := range batch {
					if i > 0 {
						q.b.write(", ")
					}
					q.ph()
				}
				q.b.writeByte(')')
			}
			sql, err := q.sql()
			if err != nil {
				return err
			}
			args := make([]any, n)
			for i, st := range batch {
				args[i] = pk.value(pk.ptr(st.snap))
			}
			got, err := u.exec(sql, args)
			if err != nil {
				return err
			}
			if got != int64(n) {
				if n == 1 {
					return staleError("DELETE", m, batch[0], false, 0)
				}
				return &StaleObjectError{Op: "DELETE", Table: m.t.name, Key: args}
			}
			u.deleted = append(u.deleted, batch...)
		}
		return nil
	}
	versioned := m.version != nil
	sql, err := m.cachedSQL(sqlKey{d: d, op: 'D'}, func() (string, error) {
		w := newDML(d)
		w.b.write("DELETE FROM ")
		w.b.ident(m.t.name)
		w.whereKey(m, versioned)
		return w.sql()
	})
	if err != nil {
		return err
	}
	for _, st := range w.deletes {
		args := keyValues(m, st.snap)
		var version int64
		if versioned {
			version = m.getVersion(m.version.ptr(st.snap))
			args = append(args, version)
		}
		n, err := u.exec(sql, args)
		if err != nil {
			return err
		}
		if n != 1 {
			return staleError("DELETE", m, st, versioned, version)
		}
		u.deleted = append(u.deleted, st)
	}
	return nil
}

// savepointName renders a savepoint's name.
func savepointName(n int) string { return "sp_" + strconv.Itoa(n) }
