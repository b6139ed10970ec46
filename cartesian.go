package quarry

import (
	"fmt"
	"strings"
)

// The cartesian-product check, SQLAlchemy's "from linter" made an error:
// a SELECT whose FROM clause holds items that no join and no condition
// links multiplies every row of one by every row of the other, which is
// almost always a forgotten join (Select(u1).Where(u2.Name.Eq("ed"))).
// The statement says AllowCartesian when it means it.

// AllowCartesian lets the statement's FROM clause hold items that no join
// or condition links to one another (a CROSS JOIN). Without it such a
// statement fails with [ErrCartesian] before any SQL is sent.
func (q *Query[T]) AllowCartesian() *Query[T] {
	return q.with(func(c *selectCore) { c.cartesian = true })
}

// checkCartesian returns an error when the FROM elements are not all
// linked. Two elements are linked by a join step's ON clause or by a
// condition of conds that names columns of both; conditions are looked
// into through AND, OR and NOT, so that "a.x = 1 OR b.y = 2" links
// nothing, as in SQLAlchemy.
func checkCartesian(elems []*fromElement, conds ...[]node) error {
	if len(elems) < 2 {
		return nil
	}
	owner := map[*source]int{}
	for i, e := range elems {
		for _, s := range e.members() {
			owner[s.identity()] = i
		}
	}
	group := make([]int, len(elems))
	for i := range group {
		group[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for group[i] != i {
			group[i] = group[group[i]]
			i = group[i]
		}
		return i
	}
	link := func(n node) {
		first := -1
		n.sources(func(s *source) {
			i, ok := owner[s.identity()]
			if !ok {
				return
			}
			if first < 0 {
				first = i
				return
			}
			group[find(i)] = find(first)
		})
	}
	for _, e := range elems {
		for _, st := range e.steps {
			eachLinkTerm(st.on, link)
		}
	}
	for _, list := range conds {
		for _, n := range list {
			eachLinkTerm(n, link)
		}
	}
	var apart []string
	for i := 1; i < len(elems); i++ {
		if find(i) != find(0) {
			apart = append(apart, describeSource(elems[i].root))
		}
	}
	if len(apart) == 0 {
		return nil
	}
	return fmt.Errorf("%w: FROM %s is not joined to %s: add a Join or a condition linking them, or call AllowCartesian", ErrCartesian, describeSource(elems[0].root), strings.Join(apart, ", "))
}

// eachLinkTerm calls fn for each term of n that is not a conjunction,
// disjunction or negation.
func eachLinkTerm(n node, fn func(node)) {
	switch x := n.(type) {
	case nil:
	case *boolNode:
		for _, it := range x.items {
			eachLinkTerm(it, fn)
		}
	case *notNode:
		eachLinkTerm(x.inner, fn)
	default:
		fn(n)
	}
}
