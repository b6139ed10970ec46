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
//     defaults back through RETURNING. An UPDATE that changes a key
//     others refer to is followed by the UPDATEs of the referring rows of
//     passive_updates=false relationships (flush_key_change.go).
//  5. Association rows of many-to-many relationships.
//  6. Deletes, tables in reverse dependency order (children first), in
//     primary-key order.
//  7. After success the Session moves inserted objects into the identity
//     map, takes new snapshots of columns and relationship fields, gives
//     the objects that referred to a changed key the new one (re-keying
//     the identity map), and drops deleted objects from the loaded
//     collections.
//
// A failed flush changes nothing: the flush's own changes to objects are
// undone (flush_undo.go), the transaction is rolled back and the Session
// rebased on its last committed state (see transaction.go).

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/uow"
)

// tableDep says that rows of parent must be inserted before, and deleted
// after, rows of child.
type tableDep struct{ parent, child *schema.Table }

// unitOfWork is one flush.
type unitOfWork struct {
	s   *Session
	ctx context.Context
	// rels are the relationships of the Session's tables, in a fixed
	// order; rf is their part of the flush.
	rels []*relationship
	rf   relFlush
	// post are the relationships whose foreign keys the post-update pass
	// writes, and postCols those columns per table
	// (flush_post_update.go).
	post     map[*relationship]bool
	postCols map[*table][]*schema.Column
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
	touched map[field.Ptr]*touched
	// assocWritten are the association tables the flush wrote rows of.
	assocWritten []*table
	// sorted caches the persistent states per table in key order, for
	// each; sortedLen is the identity map's size it was built at.
	sorted    map[*table][]*objState
	sortedLen int
	// links are the foreign keys of rels that the rows of a changed key
	// follow, keyChanges the objects whose referenced columns the flush
	// changed (flush_key_change.go).
	links      []*keyLink
	keyChanges []keyChange
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
func (u *unitOfWork) status(t *table, obj field.Ptr) objStatus {
	if st := u.s.stateOf(u.s.meta(t), obj); st != nil {
		return st.status
	}
	return statusDetached
}

// each calls fn for every object of table t in the Session (pending,
// persistent or marked for deletion): persistent ones in primary-key
// order, then pending ones in Add order, including those added while it
// runs.
func (u *unitOfWork) each(t *table, fn func(obj field.Ptr, status objStatus)) {
	s := u.s
	for _, st := range u.sortedStates()[t] {
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
	return u.s.db.exec(u.ctx, u.s.tx, opText, sql, args)
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
// again. Objects that only the failed flush's save-update cascades
// brought in leave the Session again: the next flush brings them back if
// something still refers to them.
func (s *Session) Flush(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	if s.flushing {
		return nil
	}
	s.flushing = true
	defer func() { s.flushing = false }()
	if len(s.pendingBy) == 0 && s.ids.len() == 0 {
		return nil
	}
	if err := s.configureMetadata(); err != nil {
		return err
	}
	if err := s.checkResults(); err != nil {
		return err
	}
	u := &unitOfWork{s: s, ctx: ctx}
	seq := s.addSeq
	err := u.prepare()
	if err == nil && len(u.work) > 0 {
		err = u.checkValues()
	}
	if err == nil && len(u.work) > 0 {
		err = u.run()
	}
	if err != nil {
		u.undoChanges()
		if s.tx != nil {
			s.endTx(ctx, "ROLLBACK")
		}
		s.rebase()
		s.forgetCascadedSince(seq)
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
		u.preparePost()
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
			if st.m.hasWriter() || st.m.Dirty(st.obj, st.snap) {
				get(st.m).persistent = append(get(st.m).persistent, st)
			}
		case statusDeleted:
			get(st.m).deletes = append(get(st.m).deletes, st)
		}
	}
	var pendingKeys map[identKey]*objState
	awaiting := u.keysFromNewParents()
	for _, st := range s.livePending() {
		w := get(st.m)
		if st.m.Auto != nil && st.m.IsZero(st.m.Auto, st.obj) || awaiting[st.obj] {
			w.pending = append(w.pending, st)
			continue // the database generates the key, or the parents' keys
		}
		if err := genKeys(st.m.t, st.obj); err != nil {
			return err
		}
		k := st.m.KeyOf(st.obj)
		if pendingKeys == nil {
			pendingKeys = map[identKey]*objState{}
		}
		if pendingKeys[k] != nil {
			return fmt.Errorf("%w: two new %v objects with primary key %v", ErrIdentityConflict, st.m.t.GoType, keyValues(st.m, st.obj))
		}
		pendingKeys[k] = st
		if other := s.ids.get(k); other != nil && !movingAway(other) {
			if other.status != statusDeleted {
				return fmt.Errorf("%w: new %v with primary key %v; the session already holds a persistent one (query it, or Expunge it first)", ErrIdentityConflict, st.m.t.GoType, keyValues(st.m, st.obj))
			}
			u.replace(w, other, st)
			continue
		}
		w.pending = append(w.pending, st)
	}
	if err := u.checkKeyChanges(pendingKeys); err != nil {
		return err
	}
	for m, w := range u.work {
		if len(w.persistent)+len(w.pending)+len(w.deletes) == 0 {
			delete(u.work, m)
		}
	}
	if len(u.work) > 0 {
		order, err := u.flushOrder()
		if err != nil {
			return err
		}
		u.order = order
	}
	return nil
}

// sortedStates returns the identity map's states per table in key
// order, sorted again only when the map changed size (a load during the
// flush adds rows; nothing else adds or removes states before finish).
func (u *unitOfWork) sortedStates() map[*table][]*objState {
	s := u.s
	if u.sorted == nil || u.sortedLen != s.ids.len() {
		u.sorted = map[*table][]*objState{}
		for st := range s.ids.all() {
			u.sorted[st.m.t] = append(u.sorted[st.m.t], st)
		}
		for _, states := range u.sorted {
			slices.SortFunc(states, func(a, b *objState) int { return a.key.Compare(b.key) })
		}
		u.sortedLen = s.ids.len()
	}
	return u.sorted
}

// sortedOf returns the persistent and deleted states of t in key order.
func (u *unitOfWork) sortedOf(t *table) []*objState {
	var out []*objState
	for _, st := range u.sortedStates()[t] {
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

func (m *tableMeta) hasWriter() bool { return len(m.t.relations) > 0 || fkSyncTarget(m.t) }

func (s *Session) metasSorted() []*tableMeta {
	ms := make([]*tableMeta, 0, len(s.metas))
	for _, m := range s.metas {
		ms = append(ms, m.tableMeta)
	}
	// Tables of one name in two Metadata keep their order of first use.
	slices.SortStableFunc(ms, func(a, b *tableMeta) int { return strings.Compare(a.t.Name, b.t.Name) })
	return ms
}

func keyValues(m *tableMeta, obj field.Ptr) []any {
	vs := make([]any, len(m.t.PK))
	for i, c := range m.t.PK {
		vs[i] = c.Value(c.Ptr(obj))
	}
	return vs
}

// flushOrder sorts the tables with work so that each comes after the
// tables it depends on (column foreign keys and relationships, except
// those written by the post-update pass). When the tables form a cycle,
// only the links the flush's rows use count; a cycle of those is an
// ErrCircularDependency.
func (u *unitOfWork) flushOrder() ([]*tableMeta, error) {
	ms := make([]*tableMeta, 0, len(u.work))
	for m := range u.work {
		ms = append(ms, m)
	}
	// A fixed starting order keeps flushes deterministic.
	slices.SortFunc(ms, func(a, b *tableMeta) int {
		if a.t.Name < b.t.Name {
			return -1
		}
		return 1
	})
	byTable := map[*schema.Table]*tableMeta{}
	for _, m := range ms {
		byTable[&m.t.Table] = m
	}
	type edge struct {
		parent, child *tableMeta
		rel           *relationship // nil for a column foreign key
	}
	var edges []edge
	link := func(parent, child *schema.Table, r *relationship) {
		pm, cm := byTable[parent], byTable[child]
		if pm != nil && cm != nil && pm != cm {
			edges = append(edges, edge{pm, cm, r})
		}
	}
	relCol := map[*schema.Column]bool{}
	for _, r := range u.rels {
		if r.Dir != schema.DirManyToMany {
			for _, p := range r.Pairs {
				relCol[p.FK] = true
			}
		}
	}
	for _, m := range ms {
		for _, c := range m.t.Columns {
			// The foreign keys of relationships are ordered by them.
			if c.FK != nil && c.FK.Target != nil && !relCol[c] {
				link(c.FK.Target.Table, &m.t.Table, nil)
			}
		}
	}
	for _, r := range u.rels {
		if u.post[r] {
			continue
		}
		for _, dep := range r.flushDeps() {
			link(dep.parent, dep.child, r)
		}
	}
	sortBy := func(use func(edge) bool) ([]*tableMeta, []*tableMeta) {
		parents := map[*tableMeta][]*tableMeta{}
		for _, e := range edges {
			if use(e) {
				parents[e.child] = append(parents[e.child], e.parent)
			}
		}
		return uow.Order(ms, parents)
	}
	order, cycle := sortBy(func(edge) bool { return true })
	if cycle == nil {
		return order, nil
	}
	// The tables refer to each other; the rows may not.
	active := map[*relationship]bool{}
	for _, e := range edges {
		if e.rel != nil {
			if _, ok := active[e.rel]; !ok {
				active[e.rel] = u.relActive(e.rel)
			}
		}
	}
	order, cycle = sortBy(func(e edge) bool { return e.rel == nil || active[e.rel] })
	if cycle != nil {
		return nil, u.circularError(cycle)
	}
	return order, nil
}

// run sends the statements of the flush.
func (u *unitOfWork) run() error {
	for _, m := range u.order {
		beforeWrite := func() error {
			u.syncKeys(m.t)
			return nil
		}
		w := u.work[m]
		if rels := u.selfRelations(m); len(rels) > 0 {
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
	if len(u.postCols) > 0 {
		if err := u.postUpdates(); err != nil {
			return err
		}
	}
	if len(u.rels) > 0 {
		if err := u.writeAssociations(); err != nil {
			return err
		}
	}
	if len(u.postCols) > 0 {
		if err := u.preDeleteNulls(); err != nil {
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
	u.settleTouched()
	for _, st := range u.inserted {
		delete(s.pendingBy, st.obj)
		// cascaded is kept: should the transaction be rolled back under
		// a Session that keeps its changes (a failed flush), the object
		// is pending again as it came in, an orphan when nothing refers
		// to it any more.
		st.status = statusPersistent
		st.key = st.m.KeyOf(st.obj)
		st.snap = st.m.Snapshot(st.obj)
		st.inserted = true
		s.ids.put(st.key, st)
	}
	for _, st := range u.updated {
		// A new snapshot: the old one may be the committed state.
		st.snap = st.m.Snapshot(st.obj)
	}
	var gone map[field.Ptr]bool
	if len(u.rels) > 0 && len(u.deleted)+len(u.replaced) > 0 {
		gone = map[field.Ptr]bool{}
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
		st.snap = st.m.Snapshot(st.obj)
		s.ids.put(st.key, st)
		s.bury(old)
		if gone != nil {
			gone[old.obj] = true
		}
	}
	u.finishKeyChanges()
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
		if len(s.dropped) > 0 {
			// Deleted while pending: out of collections as a deleted
			// row's object is.
			if gone == nil {
				gone = make(map[field.Ptr]bool, len(s.dropped))
			}
			maps.Copy(gone, s.dropped)
		}
		u.sorted = nil
		u.dropDeletedMembers(gone)
		u.snapshotFields()
	}
	if len(s.derived) > 0 {
		u.settleDerived()
	}
}

// savepointName renders a savepoint's name.
func savepointName(n int) string { return "sp_" + strconv.Itoa(n) }
