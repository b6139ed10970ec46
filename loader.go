package quarry

// Loader options (eager loading). An option names a relationship and a
// strategy, and may carry options for the related entity: the path
// SelectIn(Users.Addresses, Joined(Addresses.User)) is typed so that each
// step starts at the entity where the previous one ended, and a misaligned
// path does not compile.
//
// When a statement runs, its options (and the default strategies of the
// relationships, lazy=selectin|joined in the tag) are planned once per
// statement (eagerPlan, cached on the statement):
//
//   - statement loaders (Joined, ContainsEager) change the statement: they
//     add the related columns to the SELECT list (and, for Joined, a LEFT
//     OUTER JOIN to an anonymous alias), and a reader wrapping the
//     statement's reader attaches the related objects row by row
//     (loader_joined.go, for both);
//   - runtime loaders (SelectIn, SubqueryLoad, Raise, NoLoad) run after the
//     rows are read, by All, One, OneOrNone and First (loader_selectin.go,
//     loader_subquery.go, loader_raise.go).
//
// Options apply to statements that select one entity (Select(Users) or an
// alias of it); reading a Result with Next or Seq does not run the runtime
// loaders.

import (
	"context"
	"fmt"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/uow"
)

// loaderOption is a loader option after its types have been checked; the
// plan interprets it when the statement first runs.
type loaderOption interface {
	loaderKind() string
}

// Option is a loader option for statements whose rows read as T, such as
// SelectIn(Users.Addresses) for a statement of *User.
type Option[T any] interface {
	loader() loaderOption
	optionFor(*T)
}

// Options adds loader options to the statement: eager loading of
// relationships ([SelectIn], [Joined], ...) and the columns loaded
// ([LoadOnly], [Defer], [Undefer]), which change the SELECT list at once.
func (q *Query[T]) Options(opts ...Option[T]) *Query[T] {
	q = q.orFailed()
	c := q.core.clone()
	var cols []*colOption
	for _, o := range opts {
		if o == nil {
			c.fail(invalidArg("nil loader option"))
			continue
		}
		if co, ok := o.loader().(*colOption); ok {
			cols = append(cols, co)
			continue
		}
		c.opts = append(c.opts, o.loader())
	}
	read := q.read
	if len(cols) > 0 && c.err == nil {
		ls, err := applyColumnOptions(c, cols)
		if err != nil {
			c.fail(err)
		} else {
			inner := read
			read = func() rowReader[T] {
				r := inner()
				if pr, ok := r.(partialReader); ok {
					pr.setLoad(ls)
				}
				return r
			}
		}
	}
	return &Query[T]{core: c, read: read}
}

// loadKind is the strategy of one loader option.
type loadKind uint8

const (
	kindSelectIn loadKind = iota + 1
	kindJoined
	kindSubquery
	kindContains
	kindRaise
	kindLazy
	kindNoLoad
)

func (k loadKind) String() string {
	return [...]string{"", "SelectIn", "Joined", "SubqueryLoad", "ContainsEager", "Raise", "Lazy", "NoLoad"}[k]
}

// loadNode is one step of a loader path.
type loadNode struct {
	kind  loadKind
	ref   *relRef
	alias *source // ContainsEagerAlias: where the related columns are
	sub   []*loadNode
	// dflt marks a node added for a relationship's default strategy.
	dflt bool
	// cols are the column options of the related entity (LoadOnly,
	// Defer, Undefer under the loader); load is the columns they and
	// the deferred tags leave, computed by checkNodes.
	cols []*colOption
	load *loadSet
}

// targetLoad returns the columns of the related entity n loads.
func (n *loadNode) targetLoad() (*loadSet, error) {
	if n.load != nil || len(n.cols) > 0 {
		return n.load, nil
	}
	return n.ref.rel.targetLoad(nil)
}

func (n *loadNode) loaderKind() string { return n.kind.String() }

// eagerOpt is the Option[*P] of every loader function.
type eagerOpt[P any] struct{ n *loadNode }

func (o eagerOpt[P]) loader() loaderOption { return o.n }
func (eagerOpt[P]) optionFor(**P)          {}

func newOpt[P, C any](kind loadKind, rel Rel[P, C], alias *source, sub []Option[*C]) Option[*P] {
	n := &loadNode{kind: kind, alias: alias}
	if rel != nil {
		n.ref = rel.relRef()
	}
	for _, s := range sub {
		if s == nil {
			continue
		}
		switch sn := s.loader().(type) {
		case *loadNode:
			n.sub = append(n.sub, sn)
		case *colOption:
			n.cols = append(n.cols, sn)
		}
	}
	return eagerOpt[P]{n: n}
}

// SelectIn loads the relationship of the rows a statement returns with
// one more SELECT ... WHERE fk IN (...) (more only when the keys exceed the
// database's parameter limit), then applies the options sub to the related
// rows: SQLAlchemy's selectinload.
//
//	users, err := quarry.Select(Users).Options(
//		quarry.SelectIn(Users.Addresses, quarry.SelectIn(Addresses.User)),
//	).All(ctx, db)
//
// Criteria given with And (SelectIn(Users.Addresses.And(cond))) limit the
// related rows loaded.
func SelectIn[P, C any](rel Rel[P, C], sub ...Option[*C]) Option[*P] {
	return newOpt(kindSelectIn, rel, nil, sub)
}

// Joined loads the relationship in the statement itself, through a LEFT
// OUTER JOIN to an anonymous alias of the related table whose columns are
// added to the SELECT list: SQLAlchemy's joinedload. The join does not
// change the statement's results: a collection's join repeats its parent
// once per child, so the Result returns each parent once, the first time
// it is read, in a Session or not (SQLAlchemy 2.0 requires unique() for
// this; quarry does it by itself, and the rows the statement's own joins
// repeat are collapsed with them). A LIMIT applies to the parents (the
// statement is wrapped in a subquery), and the relationship's order comes
// after the statement's ORDER BY. Options in
// sub that are not Joined run after the rows are read, as SelectIn; so
// does Joined itself where the statement cannot be joined
// (FromStatement).
func Joined[P, C any](rel Rel[P, C], sub ...Option[*C]) Option[*P] {
	return newOpt(kindJoined, rel, nil, sub)
}

// SubqueryLoad loads the relationship with one more SELECT that re-runs
// the statement as a subquery and joins the related table to it:
// SQLAlchemy's subqueryload. Options in sub run as SelectIn.
func SubqueryLoad[P, C any](rel Rel[P, C], sub ...Option[*C]) Option[*P] {
	return newOpt(kindSubquery, rel, nil, sub)
}

// ContainsEager fills the relationship from a join the statement already
// has (Join(Addresses.User)): the related table's columns are added to the
// SELECT list and read into the field. Use rel.OfType(alias), or
// [ContainsEagerAlias], when the join is to an alias.
func ContainsEager[P, C any](rel Rel[P, C], sub ...Option[*C]) Option[*P] {
	return newOpt(kindContains, rel, nil, sub)
}

// ContainsEagerAlias is [ContainsEager] for a join to alias (an
// Aliased table struct, or an entity over a subquery).
func ContainsEagerAlias[P, C any](rel Rel[P, C], alias Source[C], sub ...Option[*C]) Option[*P] {
	var src *source
	if alias != nil {
		src = alias.source()
	}
	if src == nil {
		src = &source{}
	}
	return newOpt(kindContains, rel, src, sub)
}

// Raise makes a later Load of the relationship, through the Session that
// ran the statement, fail with [ErrRaiseLoad] for the objects the
// statement returned (unless the field is loaded): SQLAlchemy's
// raiseload, to catch N+1 query patterns in tests.
func Raise[P, C any](rel Rel[P, C]) Option[*P] {
	return newOpt[P, C](kindRaise, rel, nil, nil)
}

// Lazy turns off the default eager strategy (lazy=selectin or
// lazy=joined) of the relationship for this statement: it is loaded only
// by an explicit Load.
func Lazy[P, C any](rel Rel[P, C]) Option[*P] {
	return newOpt[P, C](kindLazy, rel, nil, nil)
}

// NoLoad turns off the default eager strategy of the relationship for
// this statement and leaves the field empty: nil for a scalar field, an
// empty slice for a collection.
func NoLoad[P, C any](rel Rel[P, C]) Option[*P] {
	return newOpt[P, C](kindNoLoad, rel, nil, nil)
}

// eagerRoot is implemented by the reader of a whole entity, the only
// statement shape loader options apply to.
type eagerRoot interface {
	eagerTable() *table
	// eagerWidth is the number of columns the reader reads.
	eagerWidth() int
}

func (r *entityReader[E]) eagerTable() *table { return r.t }
func (r *entityReader[E]) eagerWidth() int    { return len(r.ls.columnsOf(r.t)) }

// eagerPlan is what a statement's loaders do, computed once per statement.
type eagerPlan struct {
	err  error
	orig *selectCore
	// core is the statement to run: orig, or orig changed by the
	// statement loaders.
	core *selectCore
	root *table
	// reads are the statement loaders, parents before children.
	reads []*stmtLoad
	// nPre counts the columns read before the root entity's
	// (ContainsEager's, as SQLAlchemy places them).
	nPre int
	// runtime are the loaders of the root objects run after the read.
	runtime []*loadNode
	// unique is set when a joined collection repeats parent rows: the
	// roots are uniqued by identity even outside a Session.
	unique bool
}

// stmtLoad is one relationship read from the statement's rows.
type stmtLoad struct {
	rel    *relationship
	src    *source // where its columns are
	parent int     // index in reads of its parent, -1 for the root
	pre    bool    // its columns come before the root's
	sub    []*loadNode
	path   []*relationship
}

// noPlan is the cached plan of a statement without loaders.
var noPlan = &eagerPlan{}

// planFor returns the cached plan of c, or nil when there is nothing to
// do.
func planFor(c *selectCore, root *table) *eagerPlan {
	if p := c.eager.Load(); p != nil {
		if p == noPlan {
			return nil
		}
		return p
	}
	p := buildPlan(c, root)
	if p == nil {
		c.eager.Store(noPlan)
		return nil
	}
	c.eager.Store(p)
	return p
}

func buildPlan(c *selectCore, root *table) *eagerPlan {
	nodes := make([]*loadNode, 0, len(c.opts))
	for _, o := range c.opts {
		if n, ok := o.(*loadNode); ok {
			nodes = append(nodes, n)
		}
	}
	if root == nil {
		if len(nodes) > 0 {
			return &eagerPlan{err: fmt.Errorf("quarry: loader options apply to statements that select one entity")}
		}
		return nil
	}
	if err := configureTables(root); err != nil {
		if len(nodes) > 0 {
			return &eagerPlan{err: err}
		}
		return nil
	}
	nodes = withDefaults(root, nodes, nil)
	if len(nodes) == 0 {
		return nil
	}
	p := &eagerPlan{orig: c, core: c, root: root}
	if err := checkNodes(root, nodes); err != nil {
		p.err = err
		return p
	}
	var rootSrc *source
	if len(c.items) > 0 {
		if cr, ok := c.items[0].(*colRef); ok && cr.src.table == root {
			rootSrc = cr.src
		}
	}
	var stmtNodes []*loadNode
	for _, n := range nodes {
		switch n.kind {
		case kindJoined, kindContains:
			stmtNodes = append(stmtNodes, n)
		default:
			p.runtime = append(p.runtime, n)
		}
	}
	if len(stmtNodes) > 0 && (rootSrc == nil || c.from != nil) {
		// The statement cannot be joined (FromStatement runs the program's
		// SQL as written): a Joined load, given or a relationship's
		// lazy=joined default, runs after the rows are read, as SelectIn.
		// ContainsEager has no columns to read.
		for _, n := range stmtNodes {
			if n.kind == kindContains {
				p.err = fmt.Errorf("quarry: ContainsEager(%s) needs a SELECT of the entity with its join (not FromStatement)", n.ref.rel)
				return p
			}
		}
		p.runtime = append(p.runtime, stmtNodes...)
		stmtNodes = nil
	}
	if err := c.checkContainsJoined(stmtNodes); err != nil {
		p.err = err
		return p
	}
	if len(stmtNodes) > 0 {
		p.transform(rootSrc, stmtNodes)
	}
	return p
}

// checkContainsJoined checks that every ContainsEager among nodes reads a
// source the statement has in its FROM clause. Without the join the
// related columns would come from a cross join and fill every parent
// with the same rows.
func (c *selectCore) checkContainsJoined(nodes []*loadNode) error {
	for _, n := range nodes {
		if n.kind != kindContains {
			continue
		}
		target := n.alias
		if target == nil {
			target = n.ref.targetSource()
		}
		if target != nil && !c.fromHas(target) {
			return fmt.Errorf("%w: ContainsEager(%s) reads %s, which the statement does not join: add Join(%s) (or the join to the alias) before the option", ErrJoin, n.ref.rel, describeSource(target), n.ref.rel)
		}
		if err := c.checkContainsJoined(n.sub); err != nil {
			return err
		}
	}
	return nil
}

// fromHas reports whether s is joined, selected from or named by a
// condition of the statement, that is, part of its FROM clause.
func (c *selectCore) fromHas(s *source) bool {
	s = s.identity()
	for _, j := range c.joins {
		t := j.target
		if t == nil && j.rel != nil {
			t = j.rel.targetSource()
		}
		if t != nil && t.identity() == s {
			return true
		}
	}
	for _, e := range c.explicit {
		if e.identity() == s {
			return true
		}
	}
	found := false
	for _, list := range [][]node{c.items, c.where} {
		for _, n := range list {
			n.sources(func(x *source) { found = found || x.identity() == s })
		}
	}
	return found
}

// checkNodes checks that every step of every path starts at the entity
// where the previous one ended (the types ensure it for paths built with
// the loader functions) and that its relationship is configured.
func checkNodes(parent *table, nodes []*loadNode) error {
	for _, n := range nodes {
		if n.ref == nil {
			return invalidArg("%s of a zero relationship (was the table struct created with quarry.Table?)", n.kind)
		}
		if err := n.ref.resolve(); err != nil {
			return err
		}
		if n.ref.rel.owner != parent {
			return fmt.Errorf("quarry: loader option %s(%s) does not start at %v", n.kind, n.ref.rel, parent)
		}
		if n.alias != nil && n.alias.table == nil && n.alias.sub == nil {
			return errZeroSource
		}
		if len(n.cols) > 0 {
			if n.kind == kindJoined || n.kind == kindContains {
				return fmt.Errorf("%w: column options (%s) under %s(%s): a statement loader reads every column; use them under SelectIn or SubqueryLoad", ErrInvalidArgument, n.cols[0].kind, n.kind, n.ref.rel)
			}
			ls, err := n.ref.rel.targetLoad(n.cols)
			if err != nil {
				return err
			}
			n.load = ls
		}
		if err := checkNodes(n.ref.rel.target, n.sub); err != nil {
			return err
		}
	}
	return nil
}

// withDefaults adds, for each relationship of t whose default strategy is
// eager and which no node names, a node of that strategy. path lists the
// relationships already followed, so that a default never loops (a
// relationship is not followed twice on one path, nor back along the one
// just followed).
func withDefaults(t *table, nodes []*loadNode, path []*relationship) []*loadNode {
	for _, rel := range t.relations {
		if rel.Lazy != schema.LoadSelectIn && rel.Lazy != schema.LoadJoined {
			continue
		}
		if slices.ContainsFunc(nodes, func(n *loadNode) bool { return n.ref != nil && n.ref.rel == rel }) {
			continue
		}
		if slices.Contains(path, rel) || len(path) > 0 && path[len(path)-1].back == rel {
			continue
		}
		kind := kindSelectIn
		if rel.Lazy == schema.LoadJoined {
			kind = kindJoined
		}
		nodes = append(nodes, &loadNode{kind: kind, ref: rel.base, dflt: true})
	}
	return nodes
}

// subNodes returns the options of the related entity of n, with the
// default strategies of its relationships.
func subNodes(n *loadNode, path []*relationship) []*loadNode {
	rel := n.ref.rel
	return withDefaults(rel.target, n.sub, append(slices.Clip(path), rel))
}

// eagerRun is one execution of a plan: the reader's state and the
// objects it read, for the runtime loaders.
type eagerRun struct {
	plan *eagerPlan
	rd   *eagerReads
	// local uniques objects by identity outside a Session.
	local *localIDs
	// populate is set for a statement with PopulateExisting run in a
	// Session: the loaders overwrite fields and related objects.
	populate bool
}

// applyEager plans the loaders of a statement and returns the statement
// and reader to run.
func applyEager[T any](st statementNode, reader rowReader[T]) (statementNode, rowReader[T], *eagerRun, error) {
	c, ok := st.(*selectCore)
	if !ok {
		return st, reader, nil, nil
	}
	var root *table
	if er, ok := reader.(eagerRoot); ok && len(c.items) == er.eagerWidth() {
		root = er.eagerTable()
	}
	if root == nil && len(c.opts) == 0 {
		return st, reader, nil, nil
	}
	p := planFor(c, root)
	if p == nil {
		return st, reader, nil, nil
	}
	if p.err != nil {
		return nil, nil, nil, p.err
	}
	run := &eagerRun{plan: p}
	if len(p.reads) == 0 {
		return st, reader, run, nil
	}
	run.local = newLocalIDs()
	rd := newEagerReads(p, run.local)
	run.rd = rd
	return p.core, &eagerReader[T]{inner: reader, rd: rd}, run, nil
}

// loadCtx runs the runtime loaders of one result.
type loadCtx struct {
	ctx  context.Context
	held heldConn
	ids  identityMap
	sess *Session
	// orig is the statement whose objects the root loaders load, for
	// SubqueryLoad; nil below the root.
	orig *selectCore
	// Outside a Session: the load's identity map, once needed, and the
	// objects read before it was.
	local   *localIDs
	pending []loaded
	// force fills fields even when they hold unflushed changes
	// (Refresh).
	force bool
	// lazy renders a one-key load as SQLAlchemy's lazy loader does
	// ("? = col"), for an explicit Load, rather than selectinload's IN.
	lazy bool
}

// loaded is a batch of objects of one table.
type loaded struct {
	t    *table
	objs []field.Ptr
}

// conn returns the connection for a load along rel, and records what it
// reads for the identity map of a load outside a Session.
func (lc *loadCtx) conn(rel *relationship) heldConn {
	if lc.sess != nil {
		return lc.held
	}
	if rel.Dir == schema.DirOneToMany && lc.local == nil {
		return lc.held
	}
	if lc.local == nil {
		lc.local = newLocalIDs()
	}
	for _, b := range lc.pending {
		for _, o := range b.objs {
			lc.local.merge(b.t, o, 0)
		}
	}
	lc.pending = nil
	cp := *lc.held.c
	cp.ids = lc.local
	return heldConn{c: &cp}
}

// filled records, in a Session, the collections of rel just filled for
// parents as their snapshots, which the next flush compares them with.
func (lc *loadCtx) filled(rel *relationship, parents []field.Ptr) {
	if lc.sess != nil {
		rel.loadedIn(lc.sess, parents)
	}
}

// noLoad runs NoLoad over parents: a collection not loaded is set empty
// and, in a Session, recorded as loaded empty, so that the flush takes
// what the program adds to it as additions and nothing as removed. A
// field already loaded is left alone, as SQLAlchemy never overwrites a
// loaded attribute: emptying a loaded collection would read, at the next
// flush, as the removal of every member. A scalar field is nil when not
// loaded already.
func (lc *loadCtx) noLoad(rel *relationship, parents []field.Ptr) {
	if rel.Scalar {
		return
	}
	var fill []field.Ptr
	for _, p := range parents {
		if !rel.loaded(p) {
			rel.SetItems(p, []field.Ptr{})
			fill = append(fill, p)
		}
	}
	lc.filled(rel, fill)
}

// read notes the objects a load read without the identity map.
func (lc *loadCtx) read(rel *relationship, objs []field.Ptr) {
	if lc.sess == nil && lc.local == nil {
		lc.pending = append(lc.pending, loaded{rel.target, objs})
	}
}

// run runs the runtime loaders over the objects the statement returned.
func (e *eagerRun) run(ctx context.Context, conn *execConn, results []any) error {
	p := e.plan
	if len(results) == 0 {
		return nil
	}
	parents := make([]field.Ptr, 0, len(results))
	for _, v := range results {
		if ptr := ifaceData(v); ptr != nil {
			parents = append(parents, ptr)
		}
	}
	cp := *conn
	cp.release = nil
	lc := &loadCtx{ctx: ctx}
	if s, ok := conn.ids.(*Session); ok {
		lc.sess = s
	}
	if cp.ids == nil {
		// Outside a Session, objects met again in the loads are the ones
		// already read, so that a graph loaded in one call is consistent.
		// The identity map is built only when a load can meet an object
		// twice (many-to-one, many-to-many): a one-to-many load reads
		// each child once.
		lc.local = e.local
		lc.pending = append(lc.pending, loaded{p.root, parents})
		if e.rd != nil {
			for i, sl := range p.reads {
				lc.pending = append(lc.pending, loaded{sl.rel.target, e.rd.children(i)})
			}
		}
	}
	lc.ids = cp.ids
	if e.populate && lc.sess != nil {
		lc.force = true
		cp.ids = &runIDs{s: lc.sess, o: runOptions{populate: true}}
	}
	lc.held = heldConn{c: &cp}
	lc.orig = p.orig
	err := lc.runAll(p.runtime, parents, nil)
	lc.orig = nil
	if err != nil {
		return err
	}
	if e.rd != nil {
		for i, sl := range p.reads {
			lc.filled(sl.rel, e.rd.filledParents(i))
			if len(sl.sub) == 0 {
				continue
			}
			if err := lc.runAll(sl.sub, e.rd.children(i), sl.path); err != nil {
				return err
			}
		}
	}
	return nil
}

// runAll runs nodes over parents (objects of the nodes' owner), then their
// sub-options over the related objects.
func (lc *loadCtx) runAll(nodes []*loadNode, parents []field.Ptr, path []*relationship) error {
	if len(parents) == 0 {
		return nil
	}
	for _, n := range nodes {
		rel := n.ref.rel
		var err error
		switch n.kind {
		case kindSelectIn, kindJoined:
			// A Joined below a runtime loader cannot join into the
			// statement: it loads as SelectIn.
			err = lc.selectIn(n, parents)
		case kindSubquery:
			err = lc.subqueryLoad(n, parents)
		case kindContains:
			err = fmt.Errorf("quarry: ContainsEager(%s) must follow ContainsEager or Joined from the statement's entity", rel)
		case kindRaise:
			lc.markRaise(rel, parents)
			continue
		case kindNoLoad:
			lc.noLoad(rel, parents)
			continue
		case kindLazy:
			continue
		}
		if err != nil {
			return err
		}
		sub := subNodes(n, path)
		if len(sub) == 0 {
			continue
		}
		orig := lc.orig
		lc.orig = nil
		err = lc.runAll(sub, relatedOf(rel, parents), append(slices.Clip(path), rel))
		lc.orig = orig
		if err != nil {
			return err
		}
	}
	return nil
}

// relatedOf lists the distinct objects the field of parents refer to.
func relatedOf(rel *relationship, parents []field.Ptr) []field.Ptr {
	var out []field.Ptr
	seen := map[field.Ptr]struct{}{}
	for _, p := range parents {
		for _, c := range rel.related(p) {
			if _, dup := seen[c]; !dup {
				seen[c] = struct{}{}
				out = append(out, c)
			}
		}
	}
	return out
}

// keepLoaded reports whether an eager load must leave the field of obj
// alone: in a Session, every field of a pending object, a field that
// holds an unflushed change (see [Session.fieldChanged]), and a loaded
// field of an object with unflushed column changes, are the program's,
// not the database's. Outside a Session every field is filled.
func keepLoaded(ids identityMap, rel *relationship, obj field.Ptr) bool {
	s, overwrite := runSession(ids)
	if s == nil || overwrite {
		return false // PopulateExisting overwrites
	}
	if s.isPending(obj) {
		return true
	}
	st := s.heldState(rel, obj)
	if st == nil {
		return false
	}
	if s.fieldChanged(rel, obj) {
		return true
	}
	return rel.loaded(obj) && st.m.Dirty(obj, st.snap)
}

// keepChanged is the rule of an explicit Load: in a Session, a field
// holding an unflushed change is left as the program set it.
func keepChanged(s *Session, rel *relationship, obj field.Ptr) bool {
	if s == nil {
		return false
	}
	return s.isPending(obj) || s.heldState(rel, obj) != nil && s.fieldChanged(rel, obj)
}

// isPending reports whether obj is pending in the Session: it has no row
// to load its relationships from, and every field of it is the
// program's, so loads leave it alone (a nested load reaches it through a
// collection that holds it).
func (s *Session) isPending(obj field.Ptr) bool {
	return len(s.pendingBy) > 0 && s.pendingBy[obj] != nil
}

// heldState returns the state of obj, an object of rel's owner, when the
// Session holds it in its identity map; nil otherwise (nothing of it is
// unflushed).
func (s *Session) heldState(rel *relationship, obj field.Ptr) *objState {
	st := s.ids.get(s.meta(rel.owner).KeyOf(obj))
	if st == nil || st.obj != obj {
		return nil
	}
	return st
}

// setBack sets the back-populating scalar field of child, just loaded
// under parent, to parent, unless in a Session that field holds an
// unflushed change (the child was moved by its own many-to-one field, or
// unlinked from parent): the change stands, and the flush moves the child
// out of parent's collection. s is nil outside a Session.
func setBack(s *Session, back *relationship, child, parent field.Ptr) {
	if back.Get(child) == parent {
		return
	}
	if s != nil && s.fieldChanged(back, child) {
		return
	}
	back.Set(child, parent)
}

// localIDs is the identity map of one eager load outside a Session: an
// object read twice is the same object, never refreshed.
type localIDs struct{ byKey uow.Map[field.Ptr] }

func newLocalIDs() *localIDs { return &localIDs{} }

func (l *localIDs) merge(t *table, obj field.Ptr, _ uint64) (field.Ptr, bool) {
	k := metaOf(t).KeyOf(obj)
	if o, ok := l.byKey.Get(k); ok {
		return o, false
	}
	l.byKey.Put(k, obj)
	return obj, false
}
