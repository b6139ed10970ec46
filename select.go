package quarry

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Selectable is anything that can stand in a SELECT list and be read back
// as a T: an entity's table struct or alias (T is *E), a column or
// expression (T is its Go type), a [Bundle].
type Selectable[T any] interface {
	selectNodes() []node
	newReader() rowReader[T]
	selectable(*T)
}

// Query is an immutable SELECT statement whose rows read as T. Every
// method returns a new statement and leaves the receiver unchanged, so a
// statement can be built once, shared between goroutines and run many
// times; its SQL is rendered once per dialect and cached.
type Query[T any] struct {
	core *selectCore
	read func() rowReader[T]
}

// selectCore is the untyped part of a SELECT.
type selectCore struct {
	items    []node
	explicit []*source // SelectFrom
	joins    []*joinSpec
	where    []node
	groupBy  []node
	having   []node
	orderBy  []node
	limit    *int64
	offset   *int64
	distinct bool
	// distinctOn are the expressions of DISTINCT ON (PostgreSQL).
	distinctOn []node
	// cartesian allows FROM items linked to nothing (cartesian.go).
	cartesian bool
	// unique de-duplicates the rows read (Unique); it changes no SQL.
	unique bool
	params map[string]any
	// from replaces the whole statement (FromStatement): a Text or a
	// compound SELECT whose columns are linked to items.
	from statementNode
	// opts are loader options, interpreted by the Session.
	opts []loaderOption
	err  error
	// run holds ForUpdate and PopulateExisting (statement_run.go).
	run runOptions
	// ctes is the WITH clause (cte.go).
	ctes withClause

	cache atomic.Pointer[rendered]
	first atomic.Pointer[selectCore]
	// eager caches the plan of the loader options (loader.go).
	eager atomic.Pointer[eagerPlan]
	// keys caches how Unique compares the statement's rows (unique.go).
	keys atomic.Uint32
	// nullable caches the sources on the optional side of its outer
	// joins (outerjoin.go): planned once, not per execution.
	nullable atomic.Pointer[map[*source]bool]
	// critTables lists the tables the statement renders, once it has
	// run with global criteria (criteria.go).
	critTables atomic.Pointer[[]*table]
}

func newSelect[T any](items []node, read func() rowReader[T]) *Query[T] {
	return &Query[T]{core: &selectCore{items: items}, read: read}
}

// clone copies the statement for a generative method. Slices are clipped
// so that appends on the copy never write into the original's arrays.
func (c *selectCore) clone() *selectCore {
	return &selectCore{
		items: slices.Clip(c.items), explicit: slices.Clip(c.explicit), joins: slices.Clip(c.joins),
		where: slices.Clip(c.where), groupBy: slices.Clip(c.groupBy), having: slices.Clip(c.having),
		orderBy: slices.Clip(c.orderBy), limit: c.limit, offset: c.offset, distinct: c.distinct, distinctOn: c.distinctOn, cartesian: c.cartesian,
		unique: c.unique, params: c.params, from: c.from, opts: slices.Clip(c.opts), err: c.err,
		run: c.run, ctes: slices.Clip(c.ctes),
	}
}

// fail records the first error of a statement under construction; it is
// returned when the statement is rendered or run.
func (c *selectCore) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// errZeroSource is the error of a statement that names a table struct not
// made by [Table] (a zero value).
var errZeroSource = invalidArg("use of a zero table struct or alias (was it created with quarry.Table?)")

// failedStmt is a statement that fails with err when rendered: what a
// builder keeps in place of a nil or zero statement it was given.
func failedStmt(err error) *selectCore { return &selectCore{err: err} }

// orFailed returns q, or for a nil or zero Query one whose error says so,
// so that its methods record the error instead of panicking.
func (q *Query[T]) orFailed() *Query[T] {
	if q != nil && q.core != nil && q.read != nil {
		return q
	}
	err := errNilQuery
	if q != nil {
		err = invalidArg("zero Query: build one with Select")
	}
	// The reader is never used: the statement fails before any row.
	return &Query[T]{core: failedStmt(err), read: func() rowReader[T] { return &valueReader[T]{} }}
}

func (q *Query[T]) with(f func(c *selectCore)) *Query[T] {
	q = q.orFailed()
	c := q.core.clone()
	f(c)
	return &Query[T]{core: c, read: q.read}
}

// Where adds conditions, joined with AND to each other and to the
// conditions already present.
func (q *Query[T]) Where(conds ...Condition) *Query[T] {
	return q.with(func(c *selectCore) {
		for _, cond := range conds {
			c.where = append(c.where, nodeOf(cond))
		}
	})
}

// OrderBy appends ORDER BY terms.
func (q *Query[T]) OrderBy(terms ...Orderable) *Query[T] {
	return q.with(func(c *selectCore) {
		for _, t := range terms {
			if t == nil {
				c.orderBy = append(c.orderBy, errNode{err: errNilOrder})
				continue
			}
			c.orderBy = append(c.orderBy, t.orderNode())
		}
	})
}

// GroupBy appends GROUP BY expressions.
func (q *Query[T]) GroupBy(exprs ...Grouping) *Query[T] {
	return q.with(func(c *selectCore) {
		for _, e := range exprs {
			c.groupBy = append(c.groupBy, nodeOf(e))
		}
	})
}

// Grouping is any expression, as taken by GroupBy.
type Grouping interface{ exprNode() node }

// Having adds HAVING conditions, joined with AND.
func (q *Query[T]) Having(conds ...Condition) *Query[T] {
	return q.with(func(c *selectCore) {
		for _, cond := range conds {
			c.having = append(c.having, nodeOf(cond))
		}
	})
}

// Limit sets LIMIT n; it is bound as a parameter.
func (q *Query[T]) Limit(n int64) *Query[T] {
	return q.with(func(c *selectCore) { c.limit = &n })
}

// Offset sets OFFSET n; it is bound as a parameter.
func (q *Query[T]) Offset(n int64) *Query[T] {
	return q.with(func(c *selectCore) { c.offset = &n })
}

// Distinct makes the statement SELECT DISTINCT.
func (q *Query[T]) Distinct() *Query[T] {
	return q.with(func(c *selectCore) { c.distinct = true })
}

// DistinctOn makes the statement SELECT DISTINCT ON (exprs): one row per
// distinct value of exprs, the first in the statement's ORDER BY, which
// should start with the same expressions (PostgreSQL's rule). It is
// PostgreSQL's; on other dialects the statement fails with
// [ErrUnsupported] before any SQL is sent.
//
//	// each user's latest order
//	quarry.Select(Orders).DistinctOn(Orders.UserID).OrderBy(Orders.UserID, Orders.PlacedAt.Desc())
func (q *Query[T]) DistinctOn(exprs ...Grouping) *Query[T] {
	return q.with(func(c *selectCore) {
		if len(exprs) == 0 {
			c.fail(invalidArg("DistinctOn without expressions (use Distinct)"))
			return
		}
		for i, e := range exprs {
			if e == nil {
				c.fail(invalidArg("nil expression %d given to DistinctOn", i))
				return
			}
		}
		c.distinctOn = append(slices.Clip(c.distinctOn), exprNodes(exprs)...)
	})
}

// Unique makes the statement's results de-duplicate their rows, as
// SQLAlchemy 2.0's Result.unique() and 1.x's Query did: a row equal to one
// already returned is skipped, and the first of each is kept in order.
// Entities compare by identity: in a Session the identity map makes each
// row one object; outside a Session the result keeps its own, so two rows
// of one primary key are one object too. Rows of several items (Select2
// ...) and values compare with ==, their entities by identity; rows of a
// type that cannot be compared (one holding a slice, such as [Row] or a
// []byte column) make reading fail with an error. It changes no SQL: a
// LIMIT still counts the rows the database returns, and [Query.Count]
// counts them too. Without Unique a statement returns one row per row
// of SQL, as 2.0's select() does: a join along a collection repeats its
// parent (a [Joined] collection load is the exception: it de-duplicates
// its parents by itself).
func (q *Query[T]) Unique() *Query[T] {
	return q.with(func(c *selectCore) { c.unique = true })
}

// SelectFrom sets the leftmost FROM items explicitly, for selects whose
// columns do not name a table (count(*)) and to choose where a Join
// starts. A join that names its left side explicitly (along a
// relationship, or JoinFrom) takes precedence, as in SQLAlchemy.
func (q *Query[T]) SelectFrom(froms ...FromItem) *Query[T] {
	return q.with(func(c *selectCore) {
		for _, f := range froms {
			var src *source
			if f != nil {
				src = f.fromSource()
			}
			if src == nil {
				c.fail(errZeroSource)
				continue
			}
			c.explicit = append(c.explicit, src)
		}
	})
}

// Bind sets the value of a named parameter of the [Text] fragments in the
// statement (SQLAlchemy's Query.params).
func (q *Query[T]) Bind(name string, v any) *Query[T] {
	return q.with(func(c *selectCore) {
		p := make(map[string]any, len(c.params)+1)
		for k, v := range c.params {
			p[k] = v
		}
		p[name] = v
		c.params = p
	})
}

// TypedStatement is a statement whose rows read as T: a [*Query][T] or a
// [*Compound][T]. [Query.FromStatement] takes one, so the compiler checks
// that the rows it reads are the target's: Select(Users).FromStatement of
// a SELECT of Addresses, or of a column of another type, does not compile.
type TypedStatement[T any] interface {
	Statement
	rowsOf(*T)
}

func (*Query[T]) rowsOf(*T)    {}
func (*Compound[T]) rowsOf(*T) {}

// FromStatement replaces the whole SQL of the statement with stmt, a SELECT
// or set operation whose rows read as the statement's own, keeping what the
// statement selects and its loader options:
//
//	u := quarry.Union(quarry.Select(Users).Where(...), quarry.Select(Users).Where(...))
//	users, err := quarry.Select(Users).Options(quarry.SelectIn(Users.Addresses)).FromStatement(u).All(ctx, s)
//
// The columns line up by position. For SQL text use [Query.FromText].
func (q *Query[T]) FromStatement(stmt TypedStatement[T]) *Query[T] {
	return q.with(func(c *selectCore) { c.from = stmtNodeOf(stmt) })
}

// FromText replaces the whole SQL of the statement with the text statement
// t, reading what the statement selects from its rows:
// Select(Users).FromText(quarry.Text("SELECT * FROM users WHERE name = :name")).
// Columns are linked by position when t lists its [TextClause.Columns],
// and by name otherwise. The text is not checked against the statement's
// types: a column of the wrong type is a scan error naming the column.
func (q *Query[T]) FromText(t *TextClause) *Query[T] {
	return q.with(func(c *selectCore) { c.from = stmtNodeOf(t) })
}

// Subquery turns the statement into an anonymous derived table (rendered
// "(SELECT ...) AS anon_1"). Refer to its columns with [Ref] and map an
// entity onto it with [Aliased] and [FromSubquery].
func (q *Query[T]) Subquery() *Subquery {
	return newSubquery(q.orFailed().core, "")
}

// NamedSubquery is [Query.Subquery] with an explicit alias name.
func (q *Query[T]) NamedSubquery(name string) *Subquery {
	return newSubquery(q.orFailed().core, name)
}

// ScalarSubquery uses the statement, which must select one column, as a
// value: (SELECT ...). Inside another statement it correlates with the
// enclosing FROM items.
//
// A SELECT of more or fewer than one column (an entity, a bundle) is an
// error wrapping [ErrInvalidArgument] naming its columns, raised when the
// enclosing statement is rendered, before any SQL is sent.
func (q *Query[T]) ScalarSubquery() Expr[T] {
	core := q.orFailed().core
	if items := core.selectItems(); core.err == nil && len(items) != 1 {
		names := outputNames(items)
		for i, n := range names {
			if n == "" {
				names[i] = "column_" + strconv.Itoa(i+1)
			}
		}
		return wrap[T](errNode{err: invalidArg("ScalarSubquery of a SELECT of %d columns (%s): a scalar subquery has exactly one", len(items), strings.Join(names, ", "))})
	}
	return wrap[T](&scalarSubNode{core: core})
}

// String renders the statement for the default dialect (SQLite), with ?
// placeholders, like print(stmt) in SQLAlchemy. Errors render as a
// comment; use [Render] to see them.
func (q *Query[T]) String() string { return stringOf(q.orFailed().core) }

func (q *Query[T]) statementNode() statementNode { return q.orFailed().core }

// stmtNodeOf is s's statement, or for a nil s one that fails saying so.
func stmtNodeOf(s Statement) statementNode {
	if s == nil {
		return failedStmt(errNilStmt)
	}
	return s.statementNode()
}

// Select builds a SELECT of one entity, column, expression or bundle:
// Select(Users) reads *User values, Select(Users.Name) reads strings.
func Select[T any](s Selectable[T]) *Query[T] {
	return newSelect(selectNodesOf(s), func() rowReader[T] { return readerOf(s) })
}

// selectNodesOf is s.selectNodes, with an error node for a nil s.
func selectNodesOf[T any](s Selectable[T]) []node {
	if s == nil {
		return []node{errNode{err: invalidArg("nil Selectable given to Select")}}
	}
	return s.selectNodes()
}

// readerOf is s.newReader; for a nil s, whose statement never renders, a
// reader that is never used.
func readerOf[T any](s Selectable[T]) rowReader[T] {
	if s == nil {
		return &valueReader[T]{}
	}
	return s.newReader()
}
