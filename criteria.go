package quarry

import (
	"context"
	"slices"
)

// Global criteria (SQLAlchemy's with_loader_criteria): a condition on an
// entity that a DB or Session adds to every statement reading or writing
// the entity's table, computed per execution from the statement's
// context so that a tenant id or a clock can come from it.
//
// Where the condition goes:
//   - a FROM item of the table (the table itself or an alias of it, in a
//     SELECT, a subquery, an EXISTS, a relationship or eager load, Get,
//     Count): the statement's WHERE, after its own conditions;
//   - a JOIN to the table (Join, OuterJoin, a Joined load): that join's ON
//     clause, so that an outer join keeps its parent rows;
//   - UPDATE and DELETE of the table: their WHERE.
//
// The condition is written against the entity's table struct (Posts) and
// rendered against whichever alias the statement reads the table from,
// as the And criteria of a loader option are (adaptNode).
//
// Rendering: a statement is rendered with criteria only when one of the
// tables it renders has some; which tables a SELECT renders is
// remembered on the statement (selectCore.critTables), so a statement
// without criteria keeps its cached SQL and its zero-allocation path,
// and one with criteria is rendered again at every execution, with the
// values the criteria give for that context. The SQL with criteria is
// never cached: its shape, not only its values, may depend on the
// context (a nil pointer renders IS NULL, an In list has its own
// length), and re-rendering is what guarantees that no SQL is ever sent
// with another execution's values.

// criterion is one WithCriteria option: a condition on the rows of t.
type criterion struct {
	t   *table
	fn  func(context.Context) Condition
	err error
}

func criterionOf[E any](src Source[E], fn func(context.Context) Condition) criterion {
	switch {
	case src == nil || src.source() == nil || src.source().table == nil:
		return criterion{err: invalidArg("WithCriteria of a nil or zero table struct")}
	case fn == nil:
		return criterion{err: invalidArg("WithCriteria of " + src.source().table.Name + " with a nil function")}
	}
	return criterion{t: src.source().table, fn: fn}
}

// criteriaSet is the criteria of a DB or Session by table. It is never
// changed once built: adding one builds a new set, so a Session can share
// its DB's set.
type criteriaSet struct {
	by map[*table][]func(context.Context) Condition
	// err is the error of a WithCriteria given a nil argument: every
	// statement run with the set fails with it, rather than run without
	// the filter the program meant (a tenant's rows must not leak because
	// of a nil).
	err error
}

// with returns s plus c.
func (s *criteriaSet) with(c criterion) *criteriaSet {
	out := &criteriaSet{by: map[*table][]func(context.Context) Condition{}}
	if s != nil {
		for t, fns := range s.by {
			out.by[t] = slices.Clip(fns)
		}
		out.err = s.err
	}
	if c.err != nil {
		if out.err == nil {
			out.err = c.err
		}
		return out
	}
	out.by[c.t] = append(out.by[c.t], c.fn)
	return out
}

// touches reports whether the set has criteria for one of tables.
func (s *criteriaSet) touches(tables []*table) bool {
	for _, t := range tables {
		if len(s.by[t]) > 0 {
			return true
		}
	}
	return false
}

// WithCriteria adds a condition on an entity to every statement run on
// the DB, in a Session or not (SQLAlchemy's with_loader_criteria): every
// SELECT reading the entity's table or an alias of it (relationship and
// eager loads, [Get], [Query.Count], subqueries and EXISTS included)
// gets it in its WHERE, every join to the table in its ON clause, and
// every [Update] and [Delete] of the table in its WHERE.
//
// fn is called once per execution of each statement that reads the
// table, with the statement's context, so a tenant id can come from it:
//
//	quarry.WithCriteria(Posts, func(ctx context.Context) quarry.Condition {
//		return Posts.TenantID.Eq(tenantFrom(ctx))
//	})
//
// The condition is written against the table struct given (Posts) and
// is rendered against the alias a statement reads the table from. It
// should name only that table's columns; a subquery in it is rendered
// without criteria. A nil Condition adds nothing to that execution. A
// nil table struct or function makes every statement of the DB fail
// with an error wrapping [ErrInvalidArgument] rather than run unfiltered.
//
// Criteria apply to what quarry renders: not to [Text] SQL, nor to the
// unit of work's own writes (a flush updates and deletes the objects the
// Session holds by primary key). [Get] of an object the Session already
// holds returns it without SQL, as SQLAlchemy's get() does: objects reach
// the identity map through filtered loads or the program's own Add.
// [Render] and String show a statement without criteria, which belong to
// a DB or Session, not to the statement. A Session opened with
// [WithoutCriteria] ignores the DB's criteria; [WithSessionCriteria] adds
// criteria to one Session.
func WithCriteria[E any](src Source[E], fn func(ctx context.Context) Condition) OpenOption {
	c := criterionOf(src, fn)
	return func(db *DB) { db.crit = db.crit.with(c) }
}

// WithSessionCriteria is [WithCriteria] for the statements of one
// Session, added to the DB's criteria (unless the Session is opened
// [WithoutCriteria]). It is a separate function because a Session's
// options and a DB's are distinct types.
func WithSessionCriteria[E any](src Source[E], fn func(ctx context.Context) Condition) SessionOption {
	c := criterionOf(src, fn)
	return func(s *Session) { s.crit.own = append(s.crit.own, c) }
}

// WithoutCriteria opens a Session that ignores the criteria of its DB
// ([WithCriteria]): the bypass of an administrator's view, which sees the
// rows of every tenant and the soft-deleted ones. Criteria given to the
// Session itself with [WithSessionCriteria] still apply, whatever the
// order of the options.
func WithoutCriteria() SessionOption {
	return func(s *Session) { s.crit.bypass = true }
}

// sessionCriteria is what a Session's options said about criteria, and
// the set they make with the DB's.
type sessionCriteria struct {
	own    []criterion
	bypass bool
	set    *criteriaSet
}

// resolve computes the Session's set once its options are applied, so
// that their order does not matter.
func (c *sessionCriteria) resolve(db *DB) {
	var set *criteriaSet
	if db != nil && !c.bypass {
		set = db.crit
	}
	for _, x := range c.own {
		set = set.with(x)
	}
	c.set = set
}

// critEnv is the criteria of one render: the set, the context their
// functions are called with, the conditions already computed (each
// function is called once per render, however many aliases of its table
// the statement has) and the tables rendered.
type critEnv struct {
	ctx    context.Context
	set    *criteriaSet
	conds  map[*table][]node
	tables []*table
}

// saw records that the statement renders t.
func (e *critEnv) saw(t *table) {
	if !slices.Contains(e.tables, t) {
		e.tables = append(e.tables, t)
	}
}

// conditions returns the criteria of t for this render.
func (e *critEnv) conditions(t *table) []node {
	fns := e.set.by[t]
	if len(fns) == 0 {
		return nil
	}
	if n, ok := e.conds[t]; ok {
		return n
	}
	var out []node
	for _, fn := range fns {
		if c := fn(e.ctx); c != nil {
			out = append(out, nodeOf(c))
		}
	}
	if e.conds == nil {
		e.conds = map[*table][]node{}
	}
	e.conds[t] = out
	return out
}

// criteriaOf returns the criteria of the rows of src, rendered against
// src, or nil. A subquery, and an entity mapped over one, has none of
// its own: the statement inside it gets them.
func (b *builder) criteriaOf(src *source) []node {
	if b.crit == nil || src == nil || src.table == nil || src.sub != nil {
		return nil
	}
	conds := b.crit.conditions(src.table)
	if len(conds) == 0 {
		return nil
	}
	var m map[*source]*source
	if base := src.table.base; src != base {
		m = map[*source]*source{base: src}
	}
	out := make([]node, len(conds))
	for i, c := range conds {
		out[i] = &critNode{cond: c, m: m}
	}
	return out
}

// applyCriteria adds the criteria of a SELECT's FROM items: those of a
// root to the WHERE conditions, returned, and those of a join's target to
// its ON clause. elems are this render's own (buildFrom), so changing
// their steps changes nothing shared.
func (b *builder) applyCriteria(elems []*fromElement, where []node) []node {
	if b.crit == nil {
		return where
	}
	for _, e := range elems {
		if extra := b.criteriaOf(e.root); len(extra) > 0 {
			where = append(slices.Clip(where), extra...)
		}
		for i := range e.steps {
			st := &e.steps[i]
			if extra := b.criteriaOf(st.target); len(extra) > 0 {
				st.on = &boolNode{op: " AND ", items: append([]node{st.on}, extra...)}
			}
		}
	}
	return where
}

// targetCriteria returns where plus the criteria of t, the table an
// UPDATE or DELETE writes.
func (b *builder) targetCriteria(t *table, where []node) []node {
	if extra := b.criteriaOf(t.base); len(extra) > 0 {
		return append(slices.Clip(where), extra...)
	}
	return where
}

// critNode is one criteria condition in a statement: rendered against an
// alias of its table (m), in parentheses unless it is a conjunction or a
// single term, and without criteria of its own, so that a condition
// holding a subquery of its own table does not recurse.
type critNode struct {
	cond node
	m    map[*source]*source
}

func (n *critNode) render(b *builder) {
	env, prev := b.crit, b.adapt
	b.crit = nil
	if n.m != nil {
		b.adapt = mergedAdapt(prev, n.m)
	}
	or, _ := n.cond.(*boolNode)
	paren := or != nil && or.op != " AND " && len(or.items) > 1
	if paren {
		b.WriteChar('(')
	}
	n.cond.render(b)
	if paren {
		b.WriteChar(')')
	}
	b.crit, b.adapt = env, prev
}

func (n *critNode) sources(fn func(*source)) {
	n.cond.sources(func(s *source) {
		if t, ok := n.m[s]; ok {
			s = t.identity()
		}
		fn(s)
	})
}

// render renders a statement for this connection's executor: with the
// criteria of its DB or Session when it reads or writes one of their
// tables, through the statement's cache otherwise.
func (c *execConn) render(ctx context.Context, st statementNode) (*rendered, error) {
	d, set := c.db.dialect, c.crit
	if set == nil {
		return c.db.renderShaped(st)
	}
	if set.err != nil {
		return nil, statementError(st, set.err)
	}
	core, _ := st.(*selectCore)
	if core != nil {
		if ts := core.critTables.Load(); ts != nil && !set.touches(*ts) {
			return c.db.renderShaped(st)
		}
	}
	b := newBuilder(d)
	env := &critEnv{ctx: ctx, set: set}
	b.crit = env
	if core != nil {
		b.params = core.params
	}
	st.renderStmt(b, false, false)
	r, err := b.result()
	if err != nil {
		return nil, statementError(st, err)
	}
	if core != nil {
		// The tables a statement renders do not depend on the criteria
		// (their conditions are not recorded), so the next execution, in
		// any Session, knows at once whether it needs criteria.
		ts := slices.Clip(env.tables)
		core.critTables.Store(&ts)
	}
	return r, nil
}

// unfiltered runs the statements of the unit of work that must see every
// row whatever the criteria: the children of a deleted parent, loaded to
// delete or unlink them (relationship_flush.go). A child the criteria
// hide (soft-deleted, another tenant's) still holds a foreign key to the
// parent, and leaving it out would make the parent's DELETE fail on that
// key, or leave the child pointing at no row.
type unfiltered struct{ ex Executor }

func (u unfiltered) acquire(ctx context.Context, write bool) (*execConn, error) {
	c, err := acquire(ctx, u.ex, write)
	if err != nil {
		return nil, err
	}
	// A Session lends the same execConn to every statement and sets its
	// criteria again on the next one.
	c.crit = nil
	return c, nil
}

// hides reports whether the Session's criteria may hide rows of t. Get
// then keeps an expired object whose row it did not find: the row may
// exist, filtered out, and an object expunged while still in a loaded
// collection would be inserted again by the save-update cascade.
func (c *sessionCriteria) hides(t *table) bool {
	return c.set != nil && len(c.set.by[t]) > 0
}
