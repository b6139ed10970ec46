package quarry

import (
	"context"

	"github.com/quarry-orm/quarry/internal/field"
)

// Writes through statements in a Session, and what they do to its
// identity map (SQLAlchemy's synchronize_session): an UPDATE, or an upsert
// that may update, expires the Session's objects of the table before it
// runs, so that the next load of each (a query, Get, or the statement's
// own RETURNING rows) refreshes it from its row; a DELETE removes the
// objects whose rows it deletes, found by selecting the keys of the rows
// it matches first (the "fetch" strategy), as if the Session had deleted
// them. Criteria are not evaluated in memory.

// ExecStatement is a statement run for its effect by [Session.Exec]: an
// INSERT, UPDATE or DELETE ([Insert], [Update], [Delete]) or a
// [TextClause].
type ExecStatement interface {
	Statement
	execIn(ctx context.Context, ex Executor) (int64, error)
}

func (s *InsertStatement[E]) execIn(ctx context.Context, ex Executor) (int64, error) {
	return s.Exec(ctx, ex)
}

func (u *UpdateStatement[E]) execIn(ctx context.Context, ex Executor) (int64, error) {
	return u.Exec(ctx, ex)
}

func (d *DeleteStatement[E]) execIn(ctx context.Context, ex Executor) (int64, error) {
	return d.Exec(ctx, ex)
}

// execIn runs literal SQL on ex. The identity map is not synchronized: the
// Session cannot know what the text wrote (use Refresh, or Commit, which
// expires everything).
func (t *TextClause) execIn(ctx context.Context, ex Executor) (int64, error) {
	conn, err := acquire(ctx, ex, true)
	if err != nil {
		return 0, err
	}
	conn.done()
	r, err := renderUncached(t, conn.db.dialect)
	if err != nil {
		return 0, err
	}
	return conn.db.exec(ctx, conn.q, opText, r.sql, r.args)
}

// Exec runs an INSERT, UPDATE, DELETE or text statement in the Session's
// transaction, after flushing pending changes (unless autoflush is off),
// and returns the number of rows it affected. An UPDATE or DELETE keeps
// the identity map true as described at [UpdateStatement.Exec] and
// [DeleteStatement.Exec]; text leaves it alone.
func (s *Session) Exec(ctx context.Context, stmt ExecStatement) (int64, error) {
	if stmt == nil {
		return 0, errorf("Session.Exec of a nil statement")
	}
	return stmt.execIn(ctx, s)
}

// writeSync is what a statement's write does to a Session once it has
// run: the objects whose rows it deleted.
type writeSync struct {
	s    *Session
	t    *table
	gone []*objState
}

// beforeWrite prepares a Session (nil: none) for statement st: it expires
// the objects an UPDATE may change and finds those a DELETE removes.
func (s *Session) beforeWrite(ctx context.Context, st dmlNode) (writeSync, error) {
	if s == nil {
		return writeSync{}, nil
	}
	w := writeSync{s: s, t: st.target()}
	switch n := st.(type) {
	case *updateNode:
		s.expireTable(w.t)
	case *insertNode:
		if n.conflict != nil && !n.conflict.nothing {
			s.expireTable(w.t)
		}
	case *deleteNode:
		gone, err := s.deletedBy(ctx, n)
		if err != nil {
			return w, err
		}
		w.gone = gone
	}
	return w, nil
}

// after applies a successful write to the Session.
func (w writeSync) after() {
	if w.s == nil {
		return
	}
	w.s.relState().wrote(w.t)
	for _, st := range w.gone {
		if w.s.ids.get(st.key) == st {
			w.s.ids.del(st.key)
			w.s.bury(st)
		}
	}
}

// tableStates returns the Session's persistent objects of t and those
// marked for deletion.
func (s *Session) tableStates(t *table) []*objState {
	var out []*objState
	for st := range s.ids.all() {
		if st.m.t == t {
			out = append(out, st)
		}
	}
	return out
}

// expireTable expires the Session's objects of t: the next load of each
// refreshes it, unless it has unflushed changes (autoflush off), which
// win as they do after Commit.
func (s *Session) expireTable(t *table) {
	for _, st := range s.tableStates(t) {
		if st.committed != nil && st.committed == st.snap {
			// The row the next load reads is this transaction's, not the
			// committed state that Rollback restores: keep that apart.
			st.committed = st.m.Snapshot(st.snap)
		}
		if st.loaded() {
			st.expired = expireSoft
		}
	}
}

// deletedBy returns the Session's objects of n's table whose rows n
// deletes, selecting the keys of the rows it matches when the Session
// holds any object of the table.
func (s *Session) deletedBy(ctx context.Context, n *deleteNode) ([]*objState, error) {
	states := s.tableStates(n.t)
	if len(states) == 0 || len(n.where) == 0 {
		return states, nil // no object to find, or every row goes
	}
	m := s.meta(n.t)
	items := make([]node, len(n.t.PK))
	for i, c := range n.t.PK {
		items[i] = &colRef{src: n.t.base, info: c}
	}
	q := &selectCore{items: items, where: n.where}
	keys, err := runAll(execute(ctx, noFlush{s}, q, func() rowReader[identKey] { return &keyReader{m: m} }))
	if err != nil {
		return nil, err
	}
	found := make(map[identKey]bool, len(keys))
	for _, k := range keys {
		found[k] = true
	}
	var gone []*objState
	for _, st := range states {
		if found[st.key] {
			gone = append(gone, st)
		}
	}
	return gone, nil
}

// keyReader reads the primary key columns of a row as an identity key.
type keyReader struct {
	m   *tableMeta
	obj field.Ptr
}

func (r *keyReader) prepare(dst []any) []any {
	r.obj = r.m.t.Alloc.New()
	for _, c := range r.m.t.PK {
		dst = append(dst, c.Dest(c.Ptr(r.obj)))
	}
	return dst
}

func (r *keyReader) finish(*readCtx) (identKey, error) { return r.m.KeyOf(r.obj), nil }
