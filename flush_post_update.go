package quarry

// Rows that refer to each other (a person whose favourite ball belongs to
// the person, two new nodes that are each other's sibling) cannot all be
// written by INSERTs alone: whichever goes first names a row that does not
// exist yet. A relationship tagged post_update (SQLAlchemy's post_update)
// breaks the cycle. Its foreign key takes no part in ordering the flush;
// the rows are inserted with it as it stands (NULL for a new reference),
// and after every INSERT and UPDATE of the flush a second UPDATE per row
// sets it from the parent's key, bumping the version counter as any
// UPDATE does. Before the DELETEs, a row to delete whose post-update
// foreign key is not NULL has it set to NULL, so the DELETEs may run in
// any order. A key copied from a parent whose row already exists is
// written by the row's own INSERT or UPDATE, without the second UPDATE.
//
// Without post_update, a flush whose rows truly form a cycle fails with
// ErrCircularDependency naming the relationships, before it writes
// anything.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// preparePost finds the relationships whose foreign keys are written by
// the post-update pass: those tagged post_update and any other
// relationship over the same foreign-key columns (the other side of the
// link, back-populated or not).
func (u *unitOfWork) preparePost() {
	u.post, u.postCols = nil, nil
	cols := map[*schema.Column]*table{} // foreign key → its table
	for _, r := range u.rels {
		if r.PostUpdate && r.Dir != schema.DirManyToMany {
			for _, p := range r.Pairs {
				cols[p.FK] = r.tableOf(p.FK.Table)
			}
		}
	}
	if len(cols) == 0 {
		return
	}
	u.post = map[*relationship]bool{}
	for _, r := range u.rels {
		if r.Dir == schema.DirManyToMany || len(r.Pairs) == 0 {
			continue
		}
		all := true
		for _, p := range r.Pairs {
			all = all && cols[p.FK] != nil
		}
		if all {
			u.post[r] = true
		}
	}
	u.postCols = map[*table][]*schema.Column{}
	for c, t := range cols {
		u.postCols[t] = append(u.postCols[t], c)
	}
	for _, cs := range u.postCols {
		slices.SortFunc(cs, func(a, b *schema.Column) int { return a.Index - b.Index })
	}
}

// postTables returns the tables with post-update columns in name order.
func (u *unitOfWork) postTables() []*table {
	ts := make([]*table, 0, len(u.postCols))
	for t := range u.postCols {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b *table) int { return strings.Compare(a.Name, b.Name) })
	return ts
}

// postUpdates copies the parents' keys into the post-update foreign keys
// of the rows written by the flush, now that every row exists, and
// writes those that changed with one UPDATE per row, tables in name order
// and rows in key order.
func (u *unitOfWork) postUpdates() error {
	for _, t := range u.postTables() {
		m := u.s.meta(t)
		cols := u.postCols[t]
		type row struct {
			st     *objState
			before []any
		}
		var rows []row
		u.each(t, func(obj field.Ptr, status objStatus) {
			if !live(status) {
				return
			}
			st := u.s.stateOf(m, obj)
			if st == nil {
				return
			}
			before := make([]any, len(cols))
			for i, c := range cols {
				before[i], _ = c.Key(c.Ptr(obj))
			}
			rows = append(rows, row{st, before})
		})
		u.syncRelKeys(t, true)
		type change struct {
			st   *objState
			key  identKey
			cols []*schema.Column
		}
		var changes []change
		for _, r := range rows {
			var changed []*schema.Column
			for i, c := range cols {
				if v, _ := c.Key(c.Ptr(r.st.obj)); v != r.before[i] {
					changed = append(changed, c)
				}
			}
			if len(changed) > 0 {
				changes = append(changes, change{r.st, m.KeyOf(r.st.obj), changed})
			}
		}
		slices.SortFunc(changes, func(a, b change) int { return a.key.Compare(b.key) })
		for _, ch := range changes {
			if err := u.postUpdate(m, ch.st, ch.cols, false); err != nil {
				return err
			}
			if ch.st.status == statusPersistent && !slices.Contains(u.updated, ch.st) {
				u.updated = append(u.updated, ch.st)
			}
		}
	}
	return nil
}

// preDeleteNulls sets the post-update foreign keys of the rows to delete
// to NULL where the database holds a value, before any DELETE, so that
// rows referring to each other can be deleted in any order.
func (u *unitOfWork) preDeleteNulls() error {
	for _, t := range u.postTables() {
		m := u.s.meta(t)
		w := u.work[m]
		if w == nil || len(w.deletes) == 0 {
			continue
		}
		dels := slices.Clone(w.deletes)
		slices.SortFunc(dels, func(a, b *objState) int { return a.key.Compare(b.key) })
		for _, st := range dels {
			var set []*schema.Column
			for _, c := range u.postCols[t] {
				if _, ok := c.Key(c.Ptr(st.snap)); ok {
					set = append(set, c)
				}
			}
			if len(set) > 0 {
				if err := u.postUpdate(m, st, set, true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// postUpdate writes columns cols of one row: the object's values, or NULL
// before its DELETE. The row is named by its key as the flush left it;
// its version counter is checked, and bumped unless the row is about to
// be deleted (the DELETE checks the version the Session holds).
func (u *unitOfWork) postUpdate(m *tableMeta, st *objState, cols []*schema.Column, null bool) error {
	d := u.s.db.dialect
	versioned := m.Version != nil
	bump := versioned && !null
	op := byte('P')
	if null {
		op = 'N'
	}
	sql, err := m.cachedSQL(sqlKey{d: d, op: op, mask: colMask(cols)}, func() (string, error) {
		return updateByKeySQL(d, m, cols, nil, bump, versioned)
	})
	if err != nil {
		return err
	}
	row := st.obj // the key and version the flush wrote
	if null {
		row = st.snap
	}
	args := make([]any, 0, len(cols)+len(m.t.PK)+2)
	for _, c := range cols {
		if null {
			args = append(args, nil)
		} else {
			args = append(args, c.Value(c.Ptr(st.obj)))
		}
	}
	var version int64
	if versioned {
		version = m.GetVersion(m.Version.Ptr(row))
	}
	if bump {
		args = append(args, version+1)
	}
	args = append(args, keyValues(m, row)...)
	if versioned {
		args = append(args, version)
	}
	n, err := u.exec(sql, args)
	if err != nil {
		return err
	}
	if n != 1 {
		return staleError("UPDATE", m, st, versioned, version)
	}
	if bump {
		m.SetVersion(m.Version.Ptr(st.obj), version+1)
	}
	return nil
}

// relActive reports whether rows of this flush depend on each other
// through r: a live row referring to a new one (INSERT the parent first),
// or a row to delete referring to another row to delete (DELETE the child
// first).
func (u *unitOfWork) relActive(r *relationship) bool {
	found := false
	switch r.Dir {
	case schema.DirManyToOne:
		u.each(r.owner, func(c field.Ptr, cs objStatus) {
			if q := r.Get(c); !found && q != nil && q != c {
				qs := u.status(r.target, q)
				found = live(cs) && qs == statusPending || cs == statusDeleted && qs == statusDeleted
			}
		})
	case schema.DirOneToMany:
		u.each(r.owner, func(p field.Ptr, ps objStatus) {
			for _, c := range r.members(p) {
				if found || c == nil || c == p {
					continue
				}
				cs := u.status(r.target, c)
				found = ps == statusPending && live(cs) || ps == statusDeleted && cs == statusDeleted
			}
		})
	}
	return found
}

// circularError names the tables of a cycle of rows and the
// relationships that link them.
func (u *unitOfWork) circularError(cycle []*tableMeta) error {
	in := map[*table]bool{}
	names := make([]string, len(cycle))
	for i, m := range cycle {
		in[m.t] = true
		names[i] = fmt.Sprint(m.t.GoType)
	}
	var rels []string
	for _, r := range u.rels {
		if r.Dir != schema.DirManyToMany && !u.post[r] && in[r.owner] && in[r.target] && u.relActive(r) {
			rels = append(rels, r.String())
		}
	}
	return fmt.Errorf("%w: the %s rows of this flush refer to each other (through %s), so no order of INSERTs and DELETEs sets every foreign key: tag one of these relationships post_update (`quarry:\"post_update\"`), which writes its foreign key with a second UPDATE",
		ErrCircularDependency, strings.Join(names, " and "), strings.Join(rels, ", "))
}

// selfCircularError reports new (or deleted) rows of one table that are
// each other's parents through rels.
func selfCircularError(m *tableMeta, rels []*relationship, obj field.Ptr) error {
	names := make([]string, len(rels))
	for i, r := range rels {
		names[i] = r.String()
	}
	return fmt.Errorf("%w: %v rows of this flush are each other's parents (%v %v is in a cycle through %s), so no order of INSERTs and DELETEs sets every foreign key: tag the relationship post_update (`quarry:\"post_update\"`), which writes its foreign key with a second UPDATE",
		ErrCircularDependency, m.t.GoType, m.t.GoType, keyValues(m, obj), strings.Join(names, ", "))
}
