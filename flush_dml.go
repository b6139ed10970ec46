package quarry

// The statements of a flush: UPDATEs of changed columns, multi-row
// INSERTs that read generated values back, and DELETEs, each rendered
// once per dialect and shape and cached on the table's meta.

import (
	"fmt"
	"slices"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// sqlKey identifies a rendered DML statement in a tableMeta's cache.
type sqlKey struct {
	d    Dialect
	op   byte
	mask uint64
	n    int
	// exprs is the mask of the columns an UPDATE sets from their
	// OnUpdateSQL expressions.
	exprs uint64
}

func (m *tableMeta) cachedSQL(k sqlKey, build func() (string, error)) (string, error) {
	if len(m.t.Columns) > 64 {
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

func colMask(cols []*schema.Column) uint64 {
	var mask uint64
	for _, c := range cols {
		mask |= 1 << (uint(c.Index) & 63)
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
	w.b.Buf = w.b.D.AppendPlaceholder(w.b.Buf, w.n)
}

func (w *dml) qualified(t *table, c *schema.Column) {
	w.b.Ident(t.Name)
	w.b.WriteChar('.')
	w.b.Ident(c.Name)
}

// whereKey writes "t.pk1 = ? AND t.pk2 = ?" (and the version check).
func (w *dml) whereKey(m *tableMeta, version bool) {
	w.b.Write(" WHERE ")
	for i, c := range m.t.PK {
		if i > 0 {
			w.b.Write(" AND ")
		}
		w.qualified(m.t, c)
		w.b.Write(" = ")
		w.ph()
	}
	if version {
		w.b.Write(" AND ")
		w.qualified(m.t, m.Version)
		w.b.Write(" = ")
		w.ph()
	}
}

func (w *dml) sql() (string, error) {
	if w.b.Err != nil {
		return "", w.b.Err
	}
	if len(w.b.Args) > 0 {
		// Only an expression could have bound them (OnUpdateSQL refuses
		// those), and the caller passes its own arguments.
		return "", errorf("internal: a flush statement bound %d value(s) of its own", len(w.b.Args))
	}
	return string(w.b.Buf), nil
}

// updates writes the changed columns of each persistent object of the
// table, one UPDATE per row in primary-key order.
func (u *unitOfWork) updates(w *tableWork) error {
	m := w.m
	type change struct {
		st   *objState
		cols []*schema.Column
	}
	var changes []change
	for _, st := range w.persistent {
		cols, err := u.changedCols(m, st)
		if err != nil {
			return err
		}
		if len(cols) > 0 {
			changes = append(changes, change{st, cols})
		}
	}
	slices.SortFunc(changes, func(a, b change) int { return a.st.key.Compare(b.st.key) })
	d := u.s.db.dialect
	for _, ch := range changes {
		if h := m.t.hooks.beforeUpdate; h != nil {
			if err := callHook(u.ctx, m.t, "BeforeUpdate", h, ch.st.obj); err != nil {
				return err
			}
			// What the hook changed is written too.
			cols, err := u.changedCols(m, ch.st)
			if err != nil {
				return err
			}
			if ch.cols = cols; len(cols) == 0 {
				continue
			}
		}
		var exprs []*schema.Column
		ch.cols, exprs = u.applyUpdateDefaults(m, ch.st.obj, ch.cols)
		if err := u.update(m, d, ch.st, ch.cols, exprs); err != nil {
			return err
		}
	}
	return nil
}

// changedCols returns the columns of a persistent object an UPDATE must
// write, refusing a version counter set by hand.
func (u *unitOfWork) changedCols(m *tableMeta, st *objState) ([]*schema.Column, error) {
	cols := m.Changed(nil, st.obj, st.snap)
	if m.Version != nil {
		if slices.Contains(cols, m.Version) && !u.replacing(st) {
			// The counter is the Session's: honouring a value set
			// by hand would either break the optimistic check or
			// guess what the program meant, and ignoring it would
			// leave the object saying what the row does not.
			return nil, fmt.Errorf("quarry: the version counter %s of a persistent %v %v was set by hand (from %d to %d): the Session manages it (the flush was rolled back and the counter put back; to make a change conditional on a version read earlier, compare it before changing the object)",
				m.Version.Name, m.t.GoType, keyValues(m, st.snap), m.GetVersion(m.Version.Ptr(st.snap)), m.GetVersion(m.Version.Ptr(st.obj)))
		}
		cols = slices.DeleteFunc(cols, func(c *schema.Column) bool { return c == m.Version })
	}
	// A changed primary key is written too, WHERE the row has the old
	// one (flush_key_change.go).
	return cols, nil
}

// update writes the changed columns cols of one persistent object; those
// in exprs are set from their OnUpdateSQL expressions and read back.
func (u *unitOfWork) update(m *tableMeta, d Dialect, st *objState, cols, exprs []*schema.Column) error {
	versioned := m.Version != nil
	sql, err := m.cachedSQL(sqlKey{d: d, op: 'U', mask: colMask(cols), exprs: colMask(exprs)}, func() (string, error) {
		return updateByKeySQL(d, m, cols, exprs, versioned, versioned)
	})
	if err != nil {
		return err
	}
	args := make([]any, 0, len(cols)+len(m.t.PK)+2)
	for _, c := range cols {
		if !slices.Contains(exprs, c) {
			args = append(args, c.Value(c.Ptr(st.obj)))
		}
	}
	var oldVersion int64
	if versioned {
		oldVersion = m.GetVersion(m.Version.Ptr(st.snap))
		args = append(args, oldVersion+1)
	}
	for _, c := range m.t.PK {
		args = append(args, c.Value(c.Ptr(st.snap)))
	}
	if versioned {
		args = append(args, oldVersion)
	}
	n, err := u.execUpdate(m, sql, args, st.obj, exprs)
	if err != nil {
		return err
	}
	if n != 1 {
		return staleError("UPDATE", m, st, versioned, oldVersion)
	}
	if versioned {
		m.SetVersion(m.Version.Ptr(st.obj), oldVersion+1)
	}
	u.updated = append(u.updated, st)
	if err := u.afterKeyUpdate(m, st, cols, st.snap); err != nil {
		return err
	}
	if h := m.t.hooks.afterUpdate; h != nil {
		return callHook(u.ctx, m.t, "AfterUpdate", h, st.obj)
	}
	return nil
}

// execUpdate runs an UPDATE of one object and returns the rows it
// changed; with exprs, the UPDATE returns those columns, which are read
// into obj.
func (u *unitOfWork) execUpdate(m *tableMeta, sql string, args []any, obj field.Ptr, exprs []*schema.Column) (int64, error) {
	if len(exprs) == 0 {
		return u.exec(sql, args)
	}
	if err := u.s.begin(u.ctx); err != nil {
		return 0, err
	}
	rows, err := u.s.db.query(u.ctx, u.s.tx, OpUpdate, sql, args)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	dest := make([]any, len(exprs))
	for i, c := range exprs {
		dest[i] = c.Dest(c.Ptr(obj))
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return 0, u.s.db.wrapErr(sql, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, u.s.db.wrapErr(sql, err)
	}
	return n, u.s.db.wrapErr(sql, rows.Close())
}

// updateByKeySQL renders UPDATE t SET cols = ?... [, version = ?] WHERE
// key = ? [AND version = ?] [RETURNING exprs]: the version counter set
// when bump, compared when check; the columns in exprs set from their
// OnUpdateSQL expressions and returned.
func updateByKeySQL(d Dialect, m *tableMeta, cols, exprs []*schema.Column, bump, check bool) (string, error) {
	w := newDML(d)
	w.b.Write("UPDATE ")
	w.b.Ident(m.t.Name)
	w.b.Write(" SET ")
	w.b.enclosing = append(w.b.enclosing, scopeOf(m.t, nil))
	for i, c := range cols {
		if i > 0 {
			w.b.Write(", ")
		}
		w.b.Ident(c.Name)
		w.b.Write(" = ")
		if slices.Contains(exprs, c) {
			m.t.updateExpr(c).render(w.b)
			continue
		}
		w.ph()
	}
	if bump {
		w.b.Write(", ")
		w.b.Ident(m.Version.Name)
		w.b.Write(" = ")
		w.ph()
	}
	w.whereKey(m, check)
	for i, c := range exprs {
		if i == 0 {
			w.b.Write(" RETURNING ")
		} else {
			w.b.Write(", ")
		}
		w.b.Ident(c.Name)
	}
	return w.sql()
}

func staleError(op string, m *tableMeta, st *objState, versioned bool, version int64) error {
	e := &StaleObjectError{Op: op, Table: m.t.Name, Key: keyValues(m, st.snap)}
	if versioned {
		e.Version = &version
	}
	return e
}

// insertShape is the set of columns an INSERT writes and those it reads
// back through RETURNING.
type insertShape struct {
	cols, ret []*schema.Column
	mask      uint64
	generated bool // the key is among ret: correlate rows by it
}

func (m *tableMeta) shapeOf(obj field.Ptr, cols, ret []*schema.Column) ([]*schema.Column, []*schema.Column, bool) {
	generated := false
	for _, c := range m.t.Columns {
		switch {
		case c == m.Auto && m.IsZero(c, obj):
			generated = true
			ret = append(ret, c)
		case c.ZeroDefault && m.IsZero(c, obj):
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
	// Before the shapes are taken: what the hooks set is written.
	if err := runHook(u.ctx, m.t, "BeforeInsert", m.t.hooks.beforeInsert, objs); err != nil {
		return err
	}
	for _, st := range objs {
		u.applyInsertDefaults(m, st.obj)
		if m.Version != nil && m.GetVersion(m.Version.Ptr(st.obj)) == 0 {
			m.SetVersion(m.Version.Ptr(st.obj), 1)
			st.filled = append(st.filled, m.Version)
		}
	}
	caps := u.s.db.dialect.Capabilities()
	for len(objs) > 0 {
		var sh insertShape
		sh.cols, sh.ret, sh.generated = m.shapeOf(objs[0].obj, nil, nil)
		sh.mask = colMask(sh.cols)
		limit := sqlgen.BatchRows(caps, len(sh.cols))
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
		if err := runHook(u.ctx, m.t, "AfterInsert", m.t.hooks.afterInsert, objs[:n]); err != nil {
			return err
		}
		objs = objs[n:]
	}
	return nil
}

func bySeq(a, b *objState) int { return a.seq - b.seq }

func (m *tableMeta) sameShape(obj field.Ptr, sh *insertShape) bool {
	for _, c := range sh.ret {
		if !m.IsZero(c, obj) {
			return false
		}
	}
	for _, c := range sh.cols {
		if (c == m.Auto || c.ZeroDefault) && m.IsZero(c, obj) {
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
	if rows == 1 || rows == sqlgen.BatchRows(d.Capabilities(), len(sh.cols)) {
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
			args = append(args, c.Value(c.Ptr(st.obj)))
		}
	}
	if len(sh.ret) == 0 {
		n, err := u.exec(sql, args)
		if err != nil {
			return err
		}
		if n != int64(rows) {
			return fmt.Errorf("quarry: INSERT into %s wrote %d rows, want %d", m.t.Name, n, rows)
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
	w.b.Buf = slices.Grow(w.b.Buf, rows*(len(sh.cols)*4+4))
	w.b.Write("INSERT INTO ")
	w.b.Ident(m.t.Name)
	if len(sh.cols) == 0 {
		if rows != 1 {
			return "", fmt.Errorf("quarry: internal error: multi-row INSERT of no columns")
		}
		w.b.Write(" DEFAULT VALUES")
	} else {
		w.b.Write(" (")
		identList(w.b, sh.cols)
		w.b.Write(") VALUES ")
		for r := 0; r < rows; r++ {
			if r > 0 {
				w.b.Write(", ")
			}
			w.b.WriteChar('(')
			for i := range sh.cols {
				if i > 0 {
					w.b.Write(", ")
				}
				w.ph()
			}
			w.b.WriteChar(')')
		}
	}
	if len(sh.ret) > 0 {
		w.b.Write(" RETURNING ")
		ret := sh.ret
		if !sh.generated {
			// Correlate the returned rows by their given key.
			ret = append(slices.Clone(m.t.PK), ret...)
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
	rows, err := u.s.db.query(u.ctx, u.s.tx, OpInsert, sql, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	ptrs := make([]field.Ptr, len(objs))
	for i, st := range objs {
		ptrs[i] = st.obj
	}
	return fillReturned(u.s.db, sql, rows, m, sh, ptrs)
}

// fillReturned reads the rows of an INSERT ... RETURNING of shape sh and
// copies the values into objs, the objects inserted, correlating rows as
// insertReturning describes; it closes rows. Flushes and [Insert] with
// ReturningDefaults share it.
func fillReturned(db *DB, sql string, rows dialect.Rows, m *tableMeta, sh *insertShape, objs []field.Ptr) error {
	defer rows.Close()
	fail := func(err error) error { return db.wrapErr(sql, err) }
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
			return fmt.Errorf("quarry: INSERT into %s returned %d rows, want %d", m.t.Name, len(keys), len(objs))
		}
		if !slices.IsSorted(keys) {
			slices.Sort(keys)
		}
		for i, p := range objs {
			m.SetAuto(m.Auto.Ptr(p), keys[i])
		}
		return rows.Close()
	}
	ret := sh.ret
	if !sh.generated {
		ret = append(slices.Clone(m.t.PK), ret...)
	}
	scratch := make([]field.Ptr, 0, len(objs))
	dest := make([]any, len(ret))
	for rows.Next() {
		p := m.t.Alloc.New()
		for i, c := range ret {
			dest[i] = c.Dest(c.Ptr(p))
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
		return fmt.Errorf("quarry: INSERT into %s returned %d rows, want %d", m.t.Name, len(scratch), len(objs))
	}
	if sh.generated {
		get := func(p field.Ptr) int64 { return m.GetAuto(m.Auto.Ptr(p)) }
		slices.SortStableFunc(scratch, func(a, b field.Ptr) int {
			if get(a) < get(b) {
				return -1
			}
			if get(a) > get(b) {
				return 1
			}
			return 0
		})
		for i, p := range objs {
			for _, c := range sh.ret {
				c.Clone(c.Ptr(p), c.Ptr(scratch[i]))
			}
		}
		return rows.Close()
	}
	byKey := make(map[identKey]field.Ptr, len(scratch))
	for _, p := range scratch {
		byKey[m.KeyOf(p)] = p
	}
	for _, obj := range objs {
		p := byKey[m.KeyOf(obj)]
		if p == nil {
			return fmt.Errorf("quarry: INSERT into %s returned no row for key %v", m.t.Name, keyValues(m, obj))
		}
		for _, c := range sh.ret {
			c.Clone(c.Ptr(obj), c.Ptr(p))
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
	slices.SortFunc(w.deletes, func(a, b *objState) int { return a.key.Compare(b.key) })
	if rels := u.selfRelations(m); len(rels) > 0 {
		if err := orderSelfDeletes(w, rels); err != nil {
			return err
		}
	}
	if err := runHook(u.ctx, m.t, "BeforeDelete", m.t.hooks.beforeDelete, w.deletes); err != nil {
		return err
	}
	d := u.s.db.dialect
	if len(m.t.PK) == 1 && m.Version == nil {
		pk := m.t.PK[0]
		all := w.deletes
		for len(all) > 0 {
			n := min(len(all), sqlgen.BatchRows(d.Capabilities(), 1))
			batch := all[:n]
			all = all[n:]
			q := newDML(d)
			q.b.Write("DELETE FROM ")
			q.b.Ident(m.t.Name)
			q.b.Write(" WHERE ")
			q.qualified(m.t, pk)
			if n == 1 {
				q.b.Write(" = ")
				q.ph()
			} else {
				q.b.Write(" IN (")
				for i := range batch {
					if i > 0 {
						q.b.Write(", ")
					}
					q.ph()
				}
				q.b.WriteChar(')')
			}
			sql, err := q.sql()
			if err != nil {
				return err
			}
			args := make([]any, n)
			for i, st := range batch {
				args[i] = pk.Value(pk.Ptr(st.snap))
			}
			got, err := u.exec(sql, args)
			if err != nil {
				return err
			}
			if got != int64(n) {
				if n == 1 {
					return staleError("DELETE", m, batch[0], false, 0)
				}
				return &StaleObjectError{Op: "DELETE", Table: m.t.Name, Key: args}
			}
			u.deleted = append(u.deleted, batch...)
			if err := runHook(u.ctx, m.t, "AfterDelete", m.t.hooks.afterDelete, batch); err != nil {
				return err
			}
		}
		return nil
	}
	versioned := m.Version != nil
	sql, err := m.cachedSQL(sqlKey{d: d, op: 'D'}, func() (string, error) {
		w := newDML(d)
		w.b.Write("DELETE FROM ")
		w.b.Ident(m.t.Name)
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
			version = m.GetVersion(m.Version.Ptr(st.snap))
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
		if h := m.t.hooks.afterDelete; h != nil {
			if err := callHook(u.ctx, m.t, "AfterDelete", h, st.obj); err != nil {
				return err
			}
		}
	}
	return nil
}
