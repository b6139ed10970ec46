package quarry

import (
	"fmt"
	"maps"
	"strings"

	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// textSQL is the parameter type of [Text]. It is unexported so that only
// an untyped constant converts to it implicitly: Text("... :name") with a
// literal compiles, Text(someString) does not, which keeps values out of
// hand-written SQL. Use [UnsafeText] for SQL that must be built at run
// time.
type textSQL string

// TextClause is a fragment or a whole statement of literal SQL with named
// parameters (:name) bound by [TextClause.Bind] or [Query.Bind] and rewritten to
// the dialect's placeholders. A :name inside a string literal, a quoted
// identifier, a comment or a ::cast is left alone.
//
// As a fragment it is a [Condition] (Where(Text("id < :max"))) and an
// [Orderable]; as a statement it runs through FromStatement, with the
// result columns linked to mapped columns by [TextClause.Columns].
type TextClause struct {
	sql    string
	parts  []sqlgen.TextPart
	params map[string]any
	cols   []node
	// err is set on the text that stands for a nil *TextClause.
	err error
}

// Text returns a [TextClause] of literal SQL:
//
//	quarry.Text("SELECT id, name FROM users WHERE name = :name").Bind("name", "ed")
//
// The argument must be an untyped string constant: a literal, or a
// constant declared without a type (const q = "..."). A string variable,
// a typed constant (const q string = "...") or a string built at run time
// does not compile, so a value cannot be pasted into the SQL by mistake;
// values go through :name parameters. (Go cannot tell a typed constant
// from a variable of its type, so typed constants are refused too.) Use
// [UnsafeText] for SQL that must be built at run time.
//
// The parameter's type is unexported on purpose: only an untyped constant
// converts to it implicitly.
func Text(sql textSQL) *TextClause { return parseText(string(sql)) }

// UnsafeText is [Text] for SQL built at run time. Only use it with
// SQL you built from trusted pieces: values must still go through :name
// parameters.
//
// Like Text, it holds one statement: a text with a second one
// (UnsafeText("...; DROP TABLE t")) fails with [ErrInvalidArgument]
// before anything is sent, on every dialect. A ';' in a string literal,
// a quoted identifier, a comment, a dollar-quoted string (PostgreSQL) or
// a CREATE TRIGGER body does not count, nor a trailing one.
func UnsafeText(sql string) *TextClause { return parseText(sql) }

func parseText(sql string) *TextClause {
	return &TextClause{sql: sql, parts: sqlgen.LexText(sql)}
}

func (t *TextClause) Bind(name string, v any) *TextClause {
	t = t.orFailed()
	cp := *t
	cp.params = maps.Clone(t.params)
	if cp.params == nil {
		cp.params = map[string]any{}
	}
	cp.params[name] = v
	return &cp
}

// Columns returns a copy of the text statement whose result columns are
// linked, by position, to the given expressions (TextClause.columns), so
// that FromStatement can load entities from it whatever the column names.
func (t *TextClause) Columns(cols ...Grouping) *TextClause {
	t = t.orFailed()
	cp := *t
	cp.cols = make([]node, len(cols))
	for i, c := range cols {
		cp.cols[i] = nodeOf(c)
	}
	return &cp
}

// Subquery makes the text statement a derived table, to map an entity
// onto with [Aliased] and [FromSubquery]. Its columns must be linked with Columns.
func (t *TextClause) Subquery() *Subquery { return newSubquery(t.orFailed(), "") }

// orFailed returns t, or for a nil t a text that fails saying so.
func (t *TextClause) orFailed() *TextClause {
	if t == nil {
		return &TextClause{err: invalidArg("nil *TextClause")}
	}
	return t
}

func (t *TextClause) exprNode() node               { return t.orFailed() }
func (*TextClause) typ(*bool)                      {}
func (t *TextClause) orderNode() node              { return t.orFailed() }
func (t *TextClause) statementNode() statementNode { return t.orFailed() }
func (*TextClause) sources(func(*source))          {}
func (t *TextClause) selectItems() []node          { return t.cols }

func (t *TextClause) render(b *builder) {
	if t.err != nil {
		b.Fail(t.err)
		return
	}
	for _, c := range t.cols {
		if e, ok := c.(errNode); ok {
			b.Fail(e.err)
			return
		}
	}
	if strings.TrimSpace(t.sql) == "" {
		// Some drivers fail on empty SQL in ways that are not errors.
		b.Fail(invalidArg("empty SQL text"))
		return
	}
	if at := sqlgen.SecondStatement(t.sql, b.Caps.DollarQuoting); at >= 0 {
		b.Fail(sqlgen.ErrMultipleStatements(t.sql, at))
		return
	}
	for _, p := range t.parts {
		b.Write(p.Lit)
		if p.Param == "" {
			continue
		}
		v, ok := t.params[p.Param]
		if !ok {
			v, ok = b.params[p.Param]
		}
		if !ok {
			b.Fail(fmt.Errorf("%w: :%s in %q", ErrMissingParam, p.Param, t.sql))
			return
		}
		b.Bind(v)
	}
}

func (t *TextClause) renderStmt(b *builder, _, _ bool) { t.render(b) }

// String returns the SQL as written.
func (t *TextClause) String() string {
	if t == nil {
		return ""
	}
	return t.sql
}
