package quarry

import (
	"fmt"
	"strconv"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Subquery is a SELECT used as a FROM item: "(SELECT ...) AS anon_1".
// Refer to its columns with [Ref]; map an entity onto it with [Aliased]
// and [FromSubquery].
type Subquery struct {
	src *source
}

// subquery is the derived table behind a source.
type subquery struct {
	core statementNode
	// cte makes the subquery a common table expression, rendered by name
	// in FROM and defined in a WITH clause (cte.go); recursive ones make
	// the clause WITH RECURSIVE.
	cte, recursive bool
	// lateral makes the subquery LATERAL: it reads the FROM items before
	// it (lateral.go).
	lateral bool
}

func newSubquery(core statementNode, name string) *Subquery {
	s := &source{sub: &subquery{core: core}}
	if name == "" {
		s.anonymous = true
	} else {
		s.alias = name
	}
	return &Subquery{src: s}
}

func (s *Subquery) fromSource() *source {
	if s == nil {
		return nil
	}
	return s.src
}

func (s *Subquery) joinSpec() *joinSpec { return &joinSpec{target: s.fromSource()} }

// Ref returns the column of the subquery that the expression e produced,
// typed as e: Ref(sq, Addresses.UserID) renders anon_1.user_id, and
// Ref(sq, count.Label("address_count")) renders anon_1.address_count.
// Referring to an expression the subquery does not select is an error
// when the statement is rendered.
func Ref[T any](sq *Subquery, e Expression[T]) Column[T] {
	if sq.fromSource() == nil {
		return Column[T]{Expr[T]{n: errNode{err: invalidArg("Ref of a nil or zero *Subquery")}}}
	}
	n := nodeOf(e)
	if _, ok := n.(errNode); ok {
		return Column[T]{Expr[T]{n: n}}
	}
	if c, ok := n.(*colRef); ok {
		return Column[T]{Expr[T]{n: &colRef{src: sq.src, info: c.info}}}
	}
	return Column[T]{Expr[T]{n: &subColRef{src: sq.src, inner: n}}}
}

// outputNameOf returns the name under which the subquery selects the
// mapped column info.
func (s *subquery) outputNameOf(b *builder, info *schema.Column) string {
	items := s.core.selectItems()
	names := outputNames(items)
	for i, n := range items {
		if c, ok := unlabel(n).(*colRef); ok && c.info == info {
			return names[i]
		}
	}
	// Columns are matched by where they come from, never by name: a
	// subquery of another table with the same column names must not fill
	// this table's entities.
	b.Failf("the subquery does not select %s", info)
	return info.Name
}

// outputNameOfNode returns the name of the select item n.
func (s *subquery) outputNameOfNode(b *builder, n node) string {
	items := s.core.selectItems()
	names := outputNames(items)
	for i, it := range items {
		if it == n || unlabel(it) == n {
			if names[i] == "" {
				b.Failf("subquery column %d has no name: give it a Label", i+1)
			}
			return names[i]
		}
	}
	if l, ok := n.(*labelNode); ok {
		for i, it := range items {
			if il, ok := it.(*labelNode); ok && il.name == l.name {
				return names[i]
			}
		}
	}
	b.Failf("the subquery does not select that expression")
	return ""
}

func unlabel(n node) node {
	if l, ok := n.(*labelNode); ok {
		return l.inner
	}
	return n
}

// outputNames names the columns of a select list as a subquery exposes
// them: a column by its name, a label by its label, repeated names made
// unique with _1, _2 as SQLAlchemy does; "" for an unnamed expression.
func outputNames(items []node) []string {
	names := make([]string, len(items))
	used := map[string]bool{}
	for i, n := range items {
		var name string
		switch x := n.(type) {
		case *labelNode:
			name = x.name
		case *colRef:
			name = x.info.Name
		case *subColRef:
			if l, ok := x.inner.(*labelNode); ok {
				name = l.name
			}
		}
		if name == "" {
			continue
		}
		if used[name] {
			for k := 1; ; k++ {
				cand := name + "_" + strconv.Itoa(k)
				if !used[cand] {
					name = cand
					break
				}
			}
		}
		used[name] = true
		names[i] = name
	}
	return names
}

// AliasOption configures [Aliased].
type AliasOption func(*source)

// AliasName gives an alias an explicit name (aliased(User, name="u1")).
func AliasName(name string) AliasOption {
	return func(s *source) {
		if name == "" {
			// An empty name would render the alias as the table itself.
			s.err = fmt.Errorf("%w: empty alias name given to AliasName", ErrInvalidIdentifier)
			return
		}
		s.alias, s.anonymous = name, false
	}
}

// FromSubquery maps the alias onto a subquery (or UNION subquery) instead of the
// table (aliased(User, subq)): its columns read the subquery's columns of
// the same mapped columns. A SELECT of the alias loads the columns the
// subquery selects and leaves the others unloaded (see [LoadOnly]), as
// SQLAlchemy does; with [StrictColumns] a column the subquery lacks is an
// error instead.
func FromSubquery(sq *Subquery) AliasOption {
	return func(s *source) {
		if sq.fromSource() == nil {
			s.err = invalidArg("FromSubquery of a nil or zero *Subquery")
			return
		}
		s.sub = sq.src.sub
		s.over = sq.src
	}
}

// Aliased returns a copy of the table struct t whose columns refer to an
// alias of its table: anonymous (users_1) by default, named with [AliasName],
// or over a subquery with [FromSubquery]. The copy has the same type, so it works
// everywhere the table struct does, and OfType accepts it for
// relationships to its entity. No reflection runs here.
func Aliased[M any, PM interface {
	*M
	FromItem
}](t PM, opts ...AliasOption) PM {
	if t == nil {
		// A zero table struct: every use of it is an error, as for t.
		return new(M)
	}
	base := PM(t).fromSource()
	if base == nil || base.table == nil {
		return t
	}
	src := &source{table: base.table, anonymous: true}
	for _, o := range opts {
		if o == nil {
			src.err = invalidArg("nil AliasOption given to Aliased")
			continue
		}
		o(src)
	}
	if src.sub != nil {
		src.load = subqueryLoad(src.table, src.sub)
	}
	cp := new(M)
	*cp = *t
	p := PM(cp)
	rebind(field.Of(cp), base.table, src)
	return p
}

// String names the subquery for debugging; render the statement that
// uses it to see its SQL.
func (s *Subquery) String() string { return fmt.Sprintf("subquery %p", s) }
