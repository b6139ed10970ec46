package quarry

import (
	"fmt"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/internal/schema"
)

// FromItem is anything that can stand in a FROM clause: a table struct or
// alias (through its embedded Entity) or a [Subquery].
type FromItem interface {
	fromSource() *source
}

func (e Entity[E]) fromSource() *source { return e.src }

// JoinTarget is the right side of a join: an entity, alias or subquery
// (ON given or inferred from foreign keys), or a relationship, which
// implies both sides and the ON clause.
type JoinTarget interface {
	joinSpec() *joinSpec
}

func (e Entity[E]) joinSpec() *joinSpec { return &joinSpec{target: e.src} }

// joinSpec is one Join/OuterJoin/JoinFrom call.
type joinSpec struct {
	target *source
	left   *source // explicit left side, or nil to infer it
	on     []node
	outer  bool
	rel    relJoiner // the relationship the join goes along, if any
}

// relJoiner is implemented by relationship nodes: given the parent and
// target sources, it returns the steps that join them (two for a
// many-to-many, through the association table).
type relJoiner interface {
	parentSource() *source
	targetSource() *source
	// resolve configures the mappings; an error stops the render.
	resolve() error
	joinSteps(parent, target *source) []joinStep
}

// joinStep is one "JOIN target ON cond" in a FROM element.
type joinStep struct {
	target *source
	on     node
	outer  bool
}

// fromElement is one comma-separated item of a FROM clause: a root source
// and the joins hanging from it.
type fromElement struct {
	root  *source
	steps []joinStep
}

func (e *fromElement) contains(s *source) bool {
	if e.root.identity() == s.identity() {
		return true
	}
	for _, st := range e.steps {
		if st.target.identity() == s.identity() {
			return true
		}
	}
	return false
}

// members lists the element's sources, leftmost first.
func (e *fromElement) members() []*source {
	out := []*source{e.root}
	for _, st := range e.steps {
		out = append(out, st.target)
	}
	return out
}

// Join adds an inner JOIN. The target may be a relationship
// (Users.Addresses), a relationship narrowed to an alias
// (Users.Addresses.OfType(a1)), an entity or alias with the ON clause
// inferred from foreign keys, or any FromItem with explicit conditions.
// A relationship is not a [Condition]: Join(a1, Users.Addresses) does not
// compile; say Join(Users.Addresses.OfType(a1)).
func (q *Query[T]) Join(target JoinTarget, on ...Condition) *Query[T] {
	return q.join(nil, target, on, false)
}

// OuterJoin is [Query.Join] as LEFT OUTER JOIN.
func (q *Query[T]) OuterJoin(target JoinTarget, on ...Condition) *Query[T] {
	return q.join(nil, target, on, true)
}

// JoinFrom joins target to an explicit left side, which becomes a FROM
// item if it is not one yet: JoinFrom(Users, Addresses).
func (q *Query[T]) JoinFrom(left FromItem, target JoinTarget, on ...Condition) *Query[T] {
	return q.joinFrom(left, target, on, false)
}

// OuterJoinFrom is [Query.JoinFrom] as LEFT OUTER JOIN.
func (q *Query[T]) OuterJoinFrom(left FromItem, target JoinTarget, on ...Condition) *Query[T] {
	return q.joinFrom(left, target, on, true)
}

func (q *Query[T]) joinFrom(left FromItem, target JoinTarget, on []Condition, outer bool) *Query[T] {
	var src *source
	if left != nil {
		src = left.fromSource()
	}
	if src == nil {
		// A nil left side would silently make this a plain Join.
		return q.with(func(c *selectCore) { c.fail(errZeroSource) })
	}
	return q.join(src, target, on, outer)
}

func (q *Query[T]) join(left *source, target JoinTarget, on []Condition, outer bool) *Query[T] {
	return q.with(func(c *selectCore) {
		if target == nil || target.joinSpec().target == nil && target.joinSpec().rel == nil {
			c.fail(errZeroSource)
			return
		}
		spec := *target.joinSpec()
		spec.outer = outer
		if left != nil {
			spec.left = left
		}
		spec.on = slices.Clip(spec.on)
		for _, cond := range on {
			spec.on = append(spec.on, nodeOf(cond))
		}
		c.joins = append(c.joins, &spec)
	})
}

// buildFrom computes the FROM clause: the implicit FROM items from the
// columns and conditions, the explicit SelectFrom items, and the joins,
// following SQLAlchemy's rules so that the seeds render alike.
func (c *selectCore) buildFrom(b *builder, correlate bool) []*fromElement {
	var candidates []*source
	seen := map[*source]bool{}
	add := func(s *source) {
		s = s.identity()
		if !seen[s] {
			seen[s] = true
			candidates = append(candidates, s)
		}
	}
	for _, s := range c.explicit {
		add(s)
	}
	var implicit []*source
	implicitSeen := map[*source]bool{}
	collect := func(s *source) {
		s = s.identity()
		if !implicitSeen[s] && !seen[s] {
			implicitSeen[s] = true
			implicit = append(implicit, s)
		}
	}
	for _, n := range c.items {
		n.sources(collect)
	}
	for _, list := range [][]node{c.where, c.groupBy, c.having} {
		for _, n := range list {
			n.sources(collect)
		}
	}
	if correlate && len(b.enclosing) > 0 {
		kept := implicit[:0:0]
		for _, s := range implicit {
			if !b.correlated(s) {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 || len(c.joins) > 0 || len(candidates) > 0 {
			implicit = kept
		}
	}
	for _, s := range implicit {
		add(s)
	}

	var elems []*fromElement
	find := func(s *source) *fromElement {
		for _, e := range elems {
			if e.contains(s) {
				return e
			}
		}
		return nil
	}
	for _, j := range c.joins {
		left, steps, err := c.resolveJoin(j, elems, candidates)
		if err != nil {
			b.Fail(err)
			return nil
		}
		e := find(left)
		if e == nil {
			e = &fromElement{root: left.identity()}
			elems = append(elems, e)
		}
		e.steps = append(e.steps, steps...)
	}
	// Walk the candidates in order: a source that belongs to a join
	// element brings the whole element in at its first appearance.
	var out []*fromElement
	emitted := map[*fromElement]bool{}
	for _, s := range candidates {
		if e := find(s); e != nil {
			if !emitted[e] {
				emitted[e] = true
				out = append(out, e)
			}
			continue
		}
		out = append(out, &fromElement{root: s})
	}
	for _, e := range elems {
		if !emitted[e] {
			out = append(out, e)
		}
	}
	return out
}

// resolveJoin finds the left side of a join and the steps it adds.
func (c *selectCore) resolveJoin(j *joinSpec, elems []*fromElement, candidates []*source) (*source, []joinStep, error) {
	target := j.target
	var present []*source
	for _, e := range elems {
		present = append(present, e.members()...)
	}
	present = append(present, candidates...)

	if j.rel != nil {
		if err := j.rel.resolve(); err != nil {
			return nil, nil, err
		}
		left := j.left
		if parent := j.rel.parentSource(); left != nil && parent != nil && left.table != parent.table {
			// JoinFrom(Keywords, Users.Addresses) would render an ON clause
			// over the wrong table's columns.
			return nil, nil, joinErrorf("cannot join %s along %s: the relationship starts from %s; JoinFrom's left side must be %s or an alias of it",
				describeSource(left), j.rel, describeSource(parent), describeSource(parent))
		}
		if left == nil {
			left = j.rel.parentSource()
			if len(present) > 0 && !slices.ContainsFunc(present, func(s *source) bool { return s.identity() == left.identity() }) {
				names := make([]string, len(present))
				for i, s := range present {
					names[i] = describeSource(s)
				}
				return nil, nil, joinErrorf("cannot join along %s: its parent %s is not in the FROM list (%s): join to it first, or start from it with JoinFrom or SelectFrom",
					j.rel, describeSource(left), strings.Join(names, ", "))
			}
		}
		if target == nil {
			target = j.rel.targetSource()
		}
		if target.identity() == left.identity() {
			return nil, nil, joinErrorf("cannot join %s to itself along %s: join to an alias, as in Join(rel.OfType(quarry.Aliased(t)))", describeSource(left), j.rel)
		}
		steps := j.rel.joinSteps(left, target)
		if len(j.on) > 0 {
			last := &steps[len(steps)-1]
			last.on = &boolNode{op: " AND ", items: append([]node{last.on}, j.on...)}
		}
		for i := range steps {
			steps[i].outer = j.outer
		}
		return left, steps, nil
	}
	left := j.left
	var on node
	switch {
	case len(j.on) == 1:
		on = j.on[0]
	case len(j.on) > 1:
		on = &boolNode{op: " AND ", items: j.on}
	}
	if on != nil && left == nil {
		// Join from the leftmost FROM item the ON clause refers to.
		refs := map[*source]bool{}
		on.sources(func(s *source) { refs[s.identity()] = true })
		for _, s := range present {
			if s.identity() != target.identity() && refs[s.identity()] {
				left = s
				break
			}
		}
		if left == nil && len(present) > 0 {
			left = present[0]
		}
	}
	if on == nil && isLateral(target) {
		// A LATERAL subquery is joined by its own WHERE, which reads the
		// items before it: nothing is left to say in ON.
		on = rawNode("true")
		for _, s := range present {
			if left == nil && s.identity() != target.identity() {
				left = s
			}
		}
	}
	if on == nil {
		var err error
		left, on, err = inferJoin(left, target, present)
		if err != nil {
			return nil, nil, err
		}
	}
	if left == nil {
		return nil, nil, joinErrorf("join to %s has no left side: select something or use SelectFrom/JoinFrom", describeSource(target))
	}
	return left, []joinStep{{target: target, on: on, outer: j.outer}}, nil
}

// inferJoin finds the ON clause from the foreign keys between target and
// the left side (or the first FROM item that has one).
func inferJoin(left, target *source, present []*source) (*source, node, error) {
	if target.table == nil {
		return nil, nil, joinErrorf("cannot infer the ON clause of a join to a subquery: give the condition")
	}
	if err := configureTables(target.table); err != nil {
		return nil, nil, err
	}
	tries := present
	if left != nil {
		tries = []*source{left}
	}
	for _, l := range tries {
		if l.identity() == target.identity() || l.table == nil {
			continue
		}
		links := fkLinks(l.table, target.table)
		switch len(links) {
		case 0:
			continue
		case 1:
			return l, links[0].on(l, target), nil
		default:
			names := make([]string, len(links))
			for i, k := range links {
				names[i] = k.from.String() + " -> " + k.to.String()
			}
			return nil, nil, joinErrorf("cannot infer the join between %s and %s: several foreign keys link them (%s): give the ON clause or join along a relationship", l.table, target.table, strings.Join(names, ", "))
		}
	}
	names := make([]string, 0, len(tries))
	for _, s := range tries {
		names = append(names, describeSource(s))
	}
	return nil, nil, joinErrorf("cannot infer the join to %s: no foreign key links it to %s: give the ON clause", describeSource(target), strings.Join(names, " or "))
}

// fkLink is a foreign key from column from to column to.
type fkLink struct{ from, to *schema.Column }

// on renders "referenced = referencing", SQLAlchemy's orientation.
func (k fkLink) on(a, b *source) node {
	src := func(t *schema.Table) *source {
		if a.table.is(t) {
			return a
		}
		return b
	}
	return &binaryNode{
		left:  &colRef{src: src(k.to.Table), info: k.to},
		op:    " = ",
		right: &colRef{src: src(k.from.Table), info: k.from},
	}
}

// fkLinks lists the foreign keys between two tables, in either direction.
func fkLinks(a, b *table) []fkLink {
	var out []fkLink
	for _, pair := range [][2]*table{{b, a}, {a, b}} {
		for _, c := range pair[0].Columns {
			if c.FK != nil && c.FK.Target != nil && pair[1].is(c.FK.Target.Table) {
				out = append(out, fkLink{from: c, to: c.FK.Target})
			}
		}
		if a == b {
			break
		}
	}
	return out
}

func describeSource(s *source) string {
	switch {
	case s.table != nil && s.alias != "":
		return fmt.Sprintf("%v (alias %q)", s.table.GoType, s.alias)
	case s.table != nil:
		return s.table.String()
	default:
		return "subquery"
	}
}

func (b *builder) renderFrom(elems []*fromElement) {
	var left []*source
	for i, e := range elems {
		if i > 0 {
			b.Write(", ")
		}
		b.renderSource(e.root, left)
		left = append(left, e.root)
		for _, st := range e.steps {
			if st.outer {
				b.Write(" LEFT OUTER JOIN ")
			} else {
				b.Write(" JOIN ")
			}
			b.renderSource(st.target, left)
			left = append(left, st.target)
			b.Write(" ON ")
			st.on.render(b)
		}
	}
}

// renderSource renders a FROM item: a table, "table AS alias",
// "(subquery) AS name" or "LATERAL (subquery) AS name"; left are the FROM
// items before it, which a LATERAL subquery may read.
func (b *builder) renderSource(s *source, left []*source) {
	if s.err != nil {
		b.Fail(s.err)
	}
	s = s.identity()
	if b.crit != nil && s.table != nil && s.sub == nil {
		b.crit.saw(s.table)
	}
	if s.sub != nil && s.sub.cte {
		b.Ident(b.sourceName(s))
		return
	}
	if s.sub != nil && s.sub.lateral {
		b.renderLateral(s, left)
		return
	}
	if s.sub != nil {
		b.WriteChar('(')
		s.sub.core.renderStmt(b, true, false)
		b.Write(") AS ")
		b.Ident(b.sourceName(s))
		return
	}
	b.Ident(s.table.Name)
	if s.isAlias() {
		b.Write(" AS ")
		b.Ident(b.sourceName(s))
	}
}
