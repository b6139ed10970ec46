package quarry

// Association rows of many-to-many relationships, written by writeAssociations:
// after every INSERT (so both sides have their keys) and before any
// DELETE (so no row still refers to a deleted object).

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// assocRow is one row of an association table: the owner's and the
// target's referenced key values, in the order of secOwner and secTarget.
type assocRow struct {
	owner, target []any
}

// writeAssociations writes the association rows of every many-to-many
// relationship of the Session.
func (u *unitOfWork) writeAssociations() error {
	st := &u.rf
	st.rows = map[string]bool{}
	rels := u.rels
	// Rows of deleted objects first: a pair removed from a collection
	// whose owner is deleted is covered by them.
	for _, rel := range rels {
		if rel.Dir != schema.DirManyToMany {
			continue
		}
		if err := rel.deleteRowsOf(u, false); err != nil {
			return err
		}
		if rel.back == nil {
			// Nobody else removes the rows of deleted targets.
			if err := rel.deleteRowsOf(u, true); err != nil {
				return err
			}
		}
	}
	for _, rel := range rels {
		if rel.Dir != schema.DirManyToMany {
			continue
		}
		if err := rel.writeDiff(u, st); err != nil {
			return err
		}
	}
	return nil
}

// deleteRowsOf deletes the association rows of the deleted owners (or,
// with target, of the deleted targets).
func (r *relationship) deleteRowsOf(u *unitOfWork, target bool) error {
	t, pairs := r.owner, r.SecOwner
	if target {
		t, pairs = r.target, r.SecTarget
	}
	m := u.s.meta(t)
	var objs []field.Ptr
	u.each(t, func(obj field.Ptr, status objStatus) {
		if status == statusDeleted {
			objs = append(objs, obj)
		}
	})
	slices.SortFunc(objs, func(a, b field.Ptr) int { return m.KeyOf(a).Compare(m.KeyOf(b)) })
	if len(objs) == 0 {
		return nil
	}
	w := newDML(u.dialect())
	w.b.Write("DELETE FROM ")
	w.b.Ident(r.secondary.Name)
	w.b.Write(" WHERE ")
	for i, p := range pairs {
		if i > 0 {
			w.b.Write(" AND ")
		}
		w.qualified(r.secondary, p.FK)
		w.b.Write(" = ")
		w.ph()
	}
	sql, err := w.sql()
	if err != nil {
		return err
	}
	u.assocWritten = append(u.assocWritten, r.secondary)
	for _, obj := range objs {
		args := make([]any, len(pairs))
		for i, p := range pairs {
			args[i] = p.Ref.Value(p.Ref.Ptr(obj))
		}
		if _, err := u.exec(sql, args); err != nil {
			return err
		}
	}
	return nil
}

// eachLoadedOwner calls fn with each live owner of r whose collection is
// loaded, in the Session's order.
func (r *relationship) eachLoadedOwner(u *unitOfWork, fn func(p field.Ptr)) {
	u.each(r.owner, func(p field.Ptr, status objStatus) {
		if live(status) && r.loaded(p) {
			fn(p)
		}
	})
}

// backPopulateM2M mirrors many-to-many changes into the loaded back
// collections (pass 6).
func (r *relationship) backPopulateM2M(u *unitOfWork) {
	back := r.back
	if back == nil || back.Scalar {
		return
	}
	r.eachLoadedOwner(u, func(p field.Ptr) {
		items := r.Items(p)
		snap, ok := u.s.collSnapshot(r, p)
		for _, k := range items {
			if k != nil && (!ok || !slices.Contains(snap, k)) && back.loaded(k) && !slices.Contains(back.Items(k), p) {
				u.addMember(back, k, p)
			}
		}
		for _, k := range snap {
			if !slices.Contains(items, k) && back.loaded(k) {
				u.removeMember(back, k, p)
			}
		}
	})
}

// writeDiff deletes and inserts the rows of the pairs removed from and
// added to the collections of live owners since their snapshots.
func (r *relationship) writeDiff(u *unitOfWork, st *relFlush) error {
	m := u.s.meta(r.owner)
	var owners []field.Ptr
	r.eachLoadedOwner(u, func(p field.Ptr) { owners = append(owners, p) })
	slices.SortFunc(owners, func(a, b field.Ptr) int { return m.KeyOf(a).Compare(m.KeyOf(b)) })
	var adds, removes []assocRow
	for _, p := range owners {
		items := r.Items(p)
		snap, ok := u.s.collSnapshot(r, p)
		if u.status(r.owner, p) == statusPending {
			snap, ok = nil, false // a new row: every member is a new pair
		}
		var inDB map[any]bool
		if !ok && u.status(r.owner, p) == statusPersistent && len(items) > 0 {
			// Never loaded nor flushed by this Session: additions only,
			// skipping the rows the database already has.
			var err error
			if inDB, err = r.existingRows(u, p); err != nil {
				return err
			}
		}
		for _, k := range items {
			if k == nil || (ok && slices.Contains(snap, k)) || !live(u.status(r.target, k)) {
				continue
			}
			if inDB != nil {
				if key, kok := rowKey(r.targetCols(), k); kok && inDB[key] {
					continue
				}
			}
			adds = append(adds, r.row(p, k))
		}
		for _, k := range snap {
			if !slices.Contains(items, k) && u.status(r.target, k) != statusDeleted {
				removes = append(removes, r.row(p, k))
			}
		}
	}
	if err := r.deleteRows(u, st, removes); err != nil {
		return err
	}
	return r.insertRows(u, st, adds)
}

// row reads the association row linking owner p and target k.
func (r *relationship) row(p, k field.Ptr) assocRow {
	var row assocRow
	for _, pr := range r.SecOwner {
		row.owner = append(row.owner, pr.Ref.Value(pr.Ref.Ptr(p)))
	}
	for _, pr := range r.SecTarget {
		row.target = append(row.target, pr.Ref.Value(pr.Ref.Ptr(k)))
	}
	return row
}

// rowID names an association row independently of the side it was seen
// from, for writing it once per flush.
func (r *relationship) rowID(op byte, row assocRow) string {
	vals := make([]any, len(r.secondary.Columns))
	for i, pr := range r.SecOwner {
		vals[pr.FK.Index] = row.owner[i]
	}
	for i, pr := range r.SecTarget {
		vals[pr.FK.Index] = row.target[i]
	}
	b := append([]byte(r.secondary.Name), 0, op)
	for _, v := range vals {
		b = schema.AppendKeyPart(b, v)
	}
	return string(b)
}

// fresh drops the rows already written by this flush.
func (r *relationship) fresh(st *relFlush, op byte, rows []assocRow) []assocRow {
	return slices.DeleteFunc(rows, func(row assocRow) bool {
		id := r.rowID(op, row)
		if st.rows[id] {
			return true
		}
		st.rows[id] = true
		return false
	})
}

// deleteRows deletes association rows one statement per row, as
// SQLAlchemy's executemany does.
func (r *relationship) deleteRows(u *unitOfWork, st *relFlush, rows []assocRow) error {
	rows = r.fresh(st, 'D', rows)
	if len(rows) == 0 {
		return nil
	}
	cols := r.SecondaryColumns()
	w := newDML(u.dialect())
	w.b.Write("DELETE FROM ")
	w.b.Ident(r.secondary.Name)
	w.b.Write(" WHERE ")
	for i, c := range cols {
		if i > 0 {
			w.b.Write(" AND ")
		}
		w.qualified(r.secondary, c)
		w.b.Write(" = ")
		w.ph()
	}
	sql, err := w.sql()
	if err != nil {
		return err
	}
	u.assocWritten = append(u.assocWritten, r.secondary)
	for _, row := range rows {
		if _, err := u.exec(sql, append(slices.Clone(row.owner), row.target...)); err != nil {
			return err
		}
	}
	return nil
}

// insertRows inserts association rows in multi-row INSERTs.
func (r *relationship) insertRows(u *unitOfWork, st *relFlush, rows []assocRow) error {
	rows = r.fresh(st, 'I', rows)
	if len(rows) > 0 {
		u.assocWritten = append(u.assocWritten, r.secondary)
	}
	cols := r.SecondaryColumns()
	limit := sqlgen.BatchRows(u.dialect().Capabilities(), len(cols))
	for len(rows) > 0 {
		n := min(len(rows), limit)
		w := newDML(u.dialect())
		w.b.Write("INSERT INTO ")
		w.b.Ident(r.secondary.Name)
		w.b.Write(" (")
		identList(w.b, cols)
		w.b.Write(") VALUES ")
		args := make([]any, 0, n*len(cols))
		for i, row := range rows[:n] {
			if i > 0 {
				w.b.Write(", ")
			}
			w.b.WriteChar('(')
			for j := range cols {
				if j > 0 {
					w.b.Write(", ")
				}
				w.ph()
			}
			w.b.WriteChar(')')
			args = append(append(args, row.owner...), row.target...)
		}
		sql, err := w.sql()
		if err != nil {
			return err
		}
		if _, err := u.exec(sql, args); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// existingRows reads the target keys of p's association rows.
func (r *relationship) existingRows(u *unitOfWork, p field.Ptr) (map[any]bool, error) {
	w := newDML(u.dialect())
	w.b.Write("SELECT ")
	for i, pr := range r.SecTarget {
		if i > 0 {
			w.b.Write(", ")
		}
		w.qualified(r.secondary, pr.FK)
	}
	w.b.Write(" FROM ")
	w.b.Ident(r.secondary.Name)
	w.b.Write(" WHERE ")
	args := make([]any, len(r.SecOwner))
	for i, pr := range r.SecOwner {
		if i > 0 {
			w.b.Write(" AND ")
		}
		w.qualified(r.secondary, pr.FK)
		w.b.Write(" = ")
		w.ph()
		args[i] = pr.Ref.Value(pr.Ref.Ptr(p))
	}
	sql, err := w.sql()
	if err != nil {
		return nil, err
	}
	if err := u.s.begin(u.ctx); err != nil {
		return nil, err
	}
	rows, err := u.s.db.query(u.ctx, u.s.tx, opText, sql, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[any]bool{}
	vals := make([]any, len(r.SecTarget))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, u.s.db.wrapErr(sql, err)
		}
		if k, ok := extraKey(vals); ok {
			out[k] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, u.s.db.wrapErr(sql, err)
	}
	return out, rows.Close()
}
