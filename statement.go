package quarry

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/quarry-orm/quarry/dialect"
)

// Statement is a complete SQL statement: a [Query], a [Compound] (UNION and
// friends) or a [TextClause]. FromStatement, Exists and Render take one.
type Statement interface {
	statementNode() statementNode
}

// statementNode is the render side of a Statement.
type statementNode interface {
	// renderStmt renders the whole statement. Inside another statement
	// (nested), scalar and EXISTS subqueries correlate with the enclosing
	// FROM items when correlate is set.
	renderStmt(b *builder, nested, correlate bool)
	// selectItems lists the nodes of the result columns, in order.
	selectItems() []node
}

func (c *selectCore) renderNested(b *builder, correlate bool) { c.renderStmt(b, true, correlate) }

func (s *subquery) renderNested(b *builder) { s.core.renderStmt(b, true, false) }

func (c *selectCore) selectItems() []node {
	if c.from != nil && len(c.items) == 0 {
		return c.from.selectItems()
	}
	return c.items
}

func (c *selectCore) renderStmt(b *builder, nested, correlate bool) {
	if c.err != nil {
		b.Fail(c.err)
		return
	}
	if c.from != nil {
		if len(c.where)+len(c.joins)+len(c.groupBy)+len(c.having)+len(c.orderBy) > 0 || c.limit != nil || c.offset != nil || c.run.lock {
			b.Failf("a statement built with FromStatement takes no other clauses: put them in the statement given to it")
			return
		}
		if len(c.ctes) > 0 {
			b.Failf("a statement built with FromStatement takes no With: put it in the statement given to it")
			return
		}
		c.from.renderStmt(b, nested, correlate)
		return
	}
	c.ctes.render(b)
	b.Write("SELECT ")
	switch {
	case len(c.distinctOn) > 0:
		if !b.Caps.DistinctOn {
			b.Fail(&unsupportedError{what: "DISTINCT ON", dialect: b.D.Name()})
			return
		}
		b.Write("DISTINCT ON (")
		for i, n := range c.distinctOn {
			if i > 0 {
				b.Write(", ")
			}
			n.render(b)
		}
		b.Write(") ")
	case c.distinct:
		b.Write("DISTINCT ")
	}
	elems := c.buildFrom(b, correlate)
	if b.Err != nil {
		return
	}
	if !c.cartesian {
		if err := checkCartesian(elems, c.where, c.having); err != nil {
			b.Fail(err)
			return
		}
	}
	scope := map[*source]bool{}
	for _, e := range elems {
		for _, s := range e.members() {
			scope[s.identity()] = true
		}
	}
	b.enclosing = append(b.enclosing, scope)
	defer func() { b.enclosing = b.enclosing[:len(b.enclosing)-1] }()

	c.renderItems(b, nested)
	where := b.applyCriteria(elems, c.where)
	if len(elems) > 0 {
		b.Write(" FROM ")
		b.renderFrom(elems)
	}
	if len(where) > 0 {
		b.Write(" WHERE ")
		renderConjunction(b, where)
	}
	renderList(b, " GROUP BY ", c.groupBy)
	if len(c.having) > 0 {
		b.Write(" HAVING ")
		renderConjunction(b, c.having)
	}
	renderOrderList(b, " ORDER BY ", c.orderBy)
	renderLimit(b, c.limit, c.offset)
	c.renderLock(b, nested)
}

func (c *selectCore) renderItems(b *builder, nested bool) {
	names := outputNames(c.items)
	for i, n := range c.items {
		if i > 0 {
			b.Write(", ")
		}
		natural := ""
		switch x := n.(type) {
		case *labelNode:
			if x.name == "" {
				b.Fail(fmt.Errorf("%w: empty label", ErrInvalidIdentifier))
			}
			renderOperand(b, x.inner)
		case *colRef:
			natural = x.info.Name
			if x.src.sub != nil {
				// A column of a subquery is read under its output name there
				// (anon_1.id_1), which needs no label of the same name.
				natural = x.src.sub.outputNameOf(b, x.info)
			}
			n.render(b)
		case *subColRef:
			natural = names[i]
			n.render(b)
		default:
			n.render(b)
		}
		if names[i] != "" && (nested || names[i] != natural) {
			b.Write(" AS ")
			b.Ident(names[i])
		}
	}
}

func renderConjunction(b *builder, conds []node) {
	(&boolNode{op: " AND ", items: conds}).render(b)
}

func renderList(b *builder, keyword string, list []node) {
	if len(list) == 0 {
		return
	}
	b.Write(keyword)
	for i, n := range list {
		if i > 0 {
			b.Write(", ")
		}
		n.render(b)
	}
}

func renderLimit(b *builder, limit, offset *int64) {
	if limit != nil {
		b.Write(" LIMIT ")
		b.BindFrom(limit, *limit)
	} else if offset != nil && b.Caps.LimitAll != "" {
		b.Write(" LIMIT ")
		b.Write(b.Caps.LimitAll)
	}
	if offset != nil {
		b.Write(" OFFSET ")
		b.BindFrom(offset, *offset)
	}
}

// render renders a statement for a dialect, through its cache: the SQL of
// an immutable statement is rendered once per dialect.
func render(st statementNode, d Dialect) (*rendered, error) {
	var cache *atomic.Pointer[rendered]
	switch c := st.(type) {
	case *selectCore:
		cache = &c.cache
	case *compoundNode:
		cache = &c.cache
	default:
		return renderUncached(st, d)
	}
	if r := cache.Load(); r != nil && r.d == d {
		return r, nil
	}
	r, err := renderUncached(st, d)
	if err == nil {
		cache.Store(r)
	}
	return r, err
}

func renderUncached(st statementNode, d Dialect) (*rendered, error) {
	b := newBuilder(d)
	if c, ok := st.(*selectCore); ok {
		b.params = c.params
	}
	st.renderStmt(b, false, false)
	r, err := b.result()
	if err != nil {
		return nil, statementError(st, err)
	}
	return r, nil
}

// Render returns the SQL text and arguments of a statement for a dialect.
func Render(d Dialect, s Statement) (sql string, args []any, err error) {
	if d == nil {
		return "", nil, invalidArg("nil Dialect")
	}
	r, err := render(stmtNodeOf(s), d)
	if err != nil {
		return "", nil, err
	}
	return r.sql, r.args, nil
}

func stringOf(st statementNode) string {
	r, err := renderUncached(st, defaultDialect{})
	if err != nil {
		return "/* " + strings.ReplaceAll(err.Error(), "*/", "* /") + " */"
	}
	return r.sql
}

// defaultDialect renders statements for String(): ? placeholders and
// identifiers quoted only when needed, close to what SQLAlchemy prints.
type defaultDialect struct{}

func (defaultDialect) Name() string                             { return "default" }
func (defaultDialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }
func (defaultDialect) TypeName(dialect.ColumnType) string       { return "" }
func (defaultDialect) Capabilities() dialect.Capabilities {
	return dialect.Capabilities{NativeILike: false, LimitAll: "-1", GreatestFunc: "max", LeastFunc: "min", DistinctOn: true, StoresNaN: true, TextNUL: true, Lateral: true}
}

func (defaultDialect) AppendIdent(b []byte, name string) []byte {
	if isPlainIdent(name) {
		return append(b, name...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(name, `"`, `""`)...)
	return append(b, '"')
}

// isPlainIdent reports whether name needs no quoting to be read back as
// itself: lower case letters, digits and underscores, not a keyword.
func isPlainIdent(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return !reservedWords[name]
}

// reservedWords are SQL keywords that must be quoted as identifiers in
// SQLite or PostgreSQL.
var reservedWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check collate column
		constraint create current_catalog current_date current_role current_time current_timestamp current_user
		default deferrable desc distinct do else end except false fetch for foreign from grant group having in
		initially intersect into lateral leading limit localtime localtimestamp not null offset on only or order
		placing primary references returning select session_user some symmetric table then to trailing true union
		unique user using variadic when where window with abort action add after alter attach autoincrement before
		begin between by cascade commit conflict cross database deferred delete detach drop each escape exclusive
		exists explain fail full glob if ignore immediate index indexed inner insert instead intersect is isnull
		join key left like match natural no notnull of outer plan pragma query raise recursive regexp reindex
		release rename replace restrict right rollback row savepoint set temp temporary transaction trigger
		update vacuum values view virtual`) {
		m[w] = true
	}
	return m
}()
