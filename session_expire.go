package quarry

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Expiry and refresh controls: Expire, ExpireAll and GetWith, with the
// merge rules they add to the identity map (identity_merge.go).
//
// quarry cannot intercept field access, so an expired column is not
// "unloaded" as in SQLAlchemy: it keeps a value, reset by Expire to the
// one last loaded or flushed, and the next statement that reads the row
// overwrites it. A column the program sets again after Expire holds a new
// unflushed change, which that load leaves alone, as SQLAlchemy leaves an
// attribute set after its expiry.

const (
	// expireAll: every column was expired by Expire or ExpireAll; the
	// next load refreshes each one the program has not set since.
	expireAll expiry = 3
	// expireCols: the columns in Session.expiredCols were expired by
	// Expire; the next load refreshes each one not set since.
	expireCols expiry = 4
)

// Expire marks column fields of a persistent object as expired, as
// SQLAlchemy's Session.expire: the next statement run through the
// Session that reads the object's row (a query, an eager load, Get)
// overwrites them with the row's values, and [Session.Refresh] reloads
// them at once. fields are Go field names of the entity struct ("Name",
// as the program writes u.Name, like SQLAlchemy's attribute names), not
// column names; none expires every column.
//
// An unflushed change of an expired field is discarded at once, as in
// SQLAlchemy: the field gets back the value last loaded or flushed, and
// the next flush does not write it. A field the program sets after
// Expire holds a new change, which the next load keeps. Relationship
// fields are not expired (naming one is an error): their unflushed
// changes stay, an eager load fills them as usual, and Refresh reloads
// them.
//
// Expire returns an error wrapping [ErrNotInSession] for an object that
// is not persistent in the Session, a pending one included (it has no
// row to reload until it is flushed; SQLAlchemy's InvalidRequestError),
// and an error naming a field that is not a column of the entity; the
// object is then left unchanged.
func (s *Session) Expire(obj any, fields ...string) error {
	if err := s.usable(); err != nil {
		return err
	}
	m, st, err := s.stateOfObj(obj)
	if err != nil {
		return err
	}
	switch {
	case st != nil && st.status == statusPending:
		return fmt.Errorf("%w: Expire of the pending %v at %p: it has no row to reload until it is flushed", ErrNotInSession, m.PtrType, obj)
	case st == nil || (st.status != statusPersistent && st.status != statusDeleted):
		return fmt.Errorf("%w: Expire of the %v at %p, which is not persistent in the Session", ErrNotInSession, m.PtrType, obj)
	}
	cols, err := expireColumns(m, "Expire", fields)
	if err != nil {
		return err
	}
	if cols == nil {
		s.expireObject(st)
		return nil
	}
	for _, c := range cols {
		c.Clone(c.Ptr(st.obj), c.Ptr(st.snap))
	}
	switch st.expired {
	case expireAll, expireForce:
		return nil // every column is expired already
	case 0, expireDeferred:
		st.expired = expireCols
	}
	// A soft expiry (after Commit or Rollback) stays: the next load
	// still refreshes every column when nothing else changed.
	if s.expiredCols == nil {
		s.expiredCols = map[*objState][]*schema.Column{}
	}
	have := s.expiredCols[st]
	for _, c := range cols {
		if !slices.Contains(have, c) {
			have = append(have, c)
		}
	}
	s.expiredCols[st] = have
	return nil
}

// ExpireAll expires every column of every persistent object of the
// Session (those marked for deletion included), as SQLAlchemy's
// Session.expire_all: see [Session.Expire]. Unflushed column changes are
// discarded; pending objects are left alone.
func (s *Session) ExpireAll() {
	if s.invalid() != nil {
		return
	}
	for st := range s.ids.all() {
		// Each object is expired on its own: the order of the visit
		// decides nothing.
		if st.status == statusPersistent || st.status == statusDeleted {
			s.expireObject(st)
		}
	}
	clear(s.expiredCols)
}

// expireObject expires every column of st, discarding their unflushed
// changes.
func (s *Session) expireObject(st *objState) {
	st.m.CopyColumns(st.obj, st.snap)
	if st.expired != expireForce {
		st.expired = expireAll
	}
	s.forgetExpiredCols(st)
}

// expireColumns resolves Go field names to columns, in the table's
// column order; nil for every column.
func expireColumns(m *tableMeta, op string, fields []string) ([]*schema.Column, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	var cols []*schema.Column
	for _, f := range fields {
		i := slices.IndexFunc(m.t.Columns, func(c *schema.Column) bool { return c.Field == f })
		if i < 0 {
			if slices.ContainsFunc(m.t.relations, func(r *relationship) bool { return r.Field == f }) {
				return nil, fmt.Errorf("quarry: %s of %v.%s: a relationship field; %s takes column fields (Refresh reloads relationships)", op, m.t.GoType, f, op)
			}
			return nil, fmt.Errorf("quarry: %s of %v.%s: no such column field (%s takes Go field names)", op, m.t.GoType, f, op)
		}
		if c := m.t.Columns[i]; !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	slices.SortFunc(cols, func(a, b *schema.Column) int { return a.Index - b.Index })
	return cols, nil
}

// refreshExpiredCols refreshes, from the row just read, the columns of
// st that Expire or ExpireAll expired and the program has not set since;
// its other columns keep their values and their snapshot, so their
// unflushed changes stand. row becomes the snapshot.
func (s *Session) refreshExpiredCols(st *objState, row field.Ptr) {
	m := st.m
	var cols []*schema.Column
	if st.expired == expireAll {
		cols = m.t.Columns
	} else {
		cols = s.expiredCols[st]
	}
	if len(cols) == 0 {
		return // soft expiry of a changed object: kept whole
	}
	old := st.snap
	for _, c := range m.t.Columns {
		if slices.Contains(cols, c) && c.Equal(c.Ptr(st.obj), c.Ptr(old)) {
			c.Clone(c.Ptr(st.obj), c.Ptr(row))
		} else {
			c.Clone(c.Ptr(row), c.Ptr(old))
		}
	}
	if st.committed == old {
		st.committed = row
	}
	st.snap = row
	if st.expired != expireSoft {
		st.expired = 0
	}
	s.forgetExpiredCols(st)
}

// forgetExpiredCols drops the expired-column list of st.
func (s *Session) forgetExpiredCols(st *objState) {
	if len(s.expiredCols) > 0 {
		delete(s.expiredCols, st)
	}
}

// checkVersion is the version check of a row read FOR UPDATE: an object
// held at another version than the row's is stale, unless its version
// column is expired (Expire, ExpireAll, Refresh), which asks for the
// row as it is now.
func (s *Session) checkVersion(st *objState, row field.Ptr) error {
	m := st.m
	if m.Version == nil || st.expired == expireForce || st.expired == expireAll {
		return nil
	}
	if st.expired == expireCols || st.expired == expireSoft {
		if slices.Contains(s.expiredCols[st], m.Version) {
			return nil
		}
	}
	held, got := m.GetVersion(m.Version.Ptr(st.snap)), m.GetVersion(m.Version.Ptr(row))
	if held == got {
		return nil
	}
	return &StaleObjectError{Op: "SELECT", Table: m.t.Name, Key: keyValues(m, st.snap), Version: &held, Found: &got}
}

// GetWith is [Get] with the options of a statement: q selects the entity
// (quarry.Select(Users), or an alias of it) and may carry loader Options,
// [Query.ForUpdate] and [Query.PopulateExisting], as SQLAlchemy's
// Session.get takes options=, with_for_update= and populate_existing=.
// The primary key is given as to Get.
//
//	u, err := quarry.GetWith(ctx, s,
//		quarry.Select(Users).Options(quarry.SelectIn(Users.Addresses)).ForUpdate(), id)
//
// Without ForUpdate and PopulateExisting, an object already in the
// identity map and not expired is returned without SQL, its loader
// options not run (as in SQLAlchemy); otherwise GetWith autoflushes and
// runs q with WHERE on the primary key. With ForUpdate the row is always
// selected and locked, and an object the Session holds at another
// version than the row's is reported with a [*StaleObjectError] (see
// [Query.ForUpdate]); the object is left as it was and the Session stays
// usable. q must have no other clause (Where, Join, OrderBy, Limit, ...):
// that is an error, since the identity map could not honour it.
//
// For a table struct that embeds [Keyed], the table's GetWith method
// takes the key typed; given here, its values must be of the declared key
// types.
func GetWith[E any](ctx context.Context, s *Session, q *Query[*E], pk ...any) (*E, error) {
	return getWith(ctx, s, q, pk)
}

func getWith[E any](ctx context.Context, s *Session, q *Query[*E], pk []any) (*E, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if q == nil {
		return nil, invalidArg("GetWith with a nil statement")
	}
	c := q.core
	if c.err != nil {
		return nil, c.err
	}
	src, err := getSource(c)
	if err != nil {
		return nil, err
	}
	if err := src.table.checkKeyArgs(pk); err != nil {
		return nil, err
	}
	st, err := s.heldByKey(s.meta(src.table), pk)
	if err != nil {
		return nil, err
	}
	if st != nil && st.loaded() && !c.run.any() {
		return field.As[E](st.obj), nil
	}
	byKey := q.with(func(c *selectCore) {
		for i, col := range src.table.PK {
			c.where = append(c.where, &binaryNode{left: &colRef{src: src, info: col}, op: " = ", right: &valueNode{v: copyArg(pk[i])}})
		}
	})
	obj, err := byKey.One(ctx, s)
	if st != nil && errors.Is(err, ErrNoResult) && !s.crit.hides(src.table) {
		s.forgetVanished(st)
	}
	return obj, err
}

// getSource returns the source of the entity a GetWith statement
// selects, refusing statements with clauses of their own.
func getSource(c *selectCore) (*source, error) {
	if len(c.where)+len(c.joins)+len(c.explicit)+len(c.groupBy)+len(c.having)+len(c.orderBy) > 0 ||
		c.limit != nil || c.offset != nil || c.distinct || c.from != nil || len(c.params) > 0 {
		return nil, errors.New("quarry: GetWith takes a statement of the entity with options only (loader Options, ForUpdate, PopulateExisting), not Where, Join, OrderBy, Limit or other clauses")
	}
	var src *source
	if len(c.items) > 0 {
		if cr, ok := c.items[0].(*colRef); ok {
			src = cr.src
		}
	}
	if src == nil || src.table == nil || src.sub != nil || len(c.items) > len(src.table.Columns) {
		return nil, errors.New("quarry: GetWith takes a statement that selects one entity (quarry.Select(Users))")
	}
	// The entity's columns, all or those its options load, in table order.
	last := -1
	for _, n := range c.items {
		cr, ok := n.(*colRef)
		if ok && cr.src == src && cr.info.Index > last {
			last = cr.info.Index
			continue
		}
		return nil, errors.New("quarry: GetWith takes a statement that selects one entity (quarry.Select(Users))")
	}
	return src, nil
}
