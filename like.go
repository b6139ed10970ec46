package quarry

import (
	"database/sql"
	"strings"
)

// likeEscape is the escape character of the patterns quarry builds: the
// backslash, named in an explicit ESCAPE clause, since PostgreSQL escapes
// with it by default and SQLite has no default escape character.
const likeEscape = `\`

// EscapeLike returns s with the LIKE wildcards % and _ and the escape
// character \ escaped, so that a pattern built from it matches s
// literally: EscapeLike("100%") is `100\%`. Use it with [LikeEscape];
// [Contains], [StartsWith] and [EndsWith] escape their argument
// themselves.
func EscapeLike(s string) string {
	if !strings.ContainsAny(s, `%_\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// StringLike is the constraint of the string operators ([Like], [ILike],
// [Match], [Contains]...): string columns and expressions, nullable or
// not. They are package functions, not methods of [Expr], because a
// method cannot narrow its type parameter: as functions,
// quarry.Like(Users.ID, "1%") does not compile.
type StringLike interface {
	~string | ~*string | sql.NullString | sql.Null[string]
}

// Like renders e LIKE pattern.
func Like[T StringLike](e Expression[T], pattern string) Expr[bool] {
	return wrap[bool](&binaryNode{left: nodeOf(e), op: " LIKE ", right: &valueNode{v: pattern}})
}

// NotLike renders e NOT LIKE pattern.
func NotLike[T StringLike](e Expression[T], pattern string) Expr[bool] {
	return wrap[bool](&binaryNode{left: nodeOf(e), op: " NOT LIKE ", right: &valueNode{v: pattern}})
}

// ILike is a case-insensitive LIKE: ILIKE where the database has it,
// lower(e) LIKE lower(pattern) elsewhere.
func ILike[T StringLike](e Expression[T], pattern string) Expr[bool] {
	return wrap[bool](&ilikeNode{left: nodeOf(e), right: &valueNode{v: pattern}})
}

// NotILike is the negation of [ILike].
func NotILike[T StringLike](e Expression[T], pattern string) Expr[bool] {
	return wrap[bool](&ilikeNode{left: nodeOf(e), right: &valueNode{v: pattern}, not: true})
}

// Match is a full-text match (PostgreSQL: to_tsvector(e) @@
// plainto_tsquery(query)). Rendering it for a dialect without full-text
// search returns an error wrapping [ErrUnsupported].
func Match[T StringLike](e Expression[T], query string) Expr[bool] {
	return wrap[bool](&matchNode{left: nodeOf(e), right: &valueNode{v: query}})
}

// LikeEscape renders e LIKE pattern ESCAPE '\': a backslash in pattern
// escapes the next character (a literal %, _ or \), the same on every
// dialect. [Like] sends the pattern as written, where a backslash is an
// escape on PostgreSQL and an ordinary character on SQLite.
func LikeEscape[T StringLike](e Expression[T], pattern string) Expr[bool] {
	return wrap[bool](&likeNode{left: nodeOf(e), pattern: pattern})
}

// Contains renders a LIKE that matches the values holding s, with s taken
// literally: Contains(Users.Name, "50%") matches "a 50% cut" and not
// "a 500 cut" (SQLAlchemy's contains(autoescape=True)).
func Contains[T StringLike](e Expression[T], s string) Expr[bool] {
	return LikeEscape(e, "%"+EscapeLike(s)+"%")
}

// StartsWith renders a LIKE that matches the values beginning with s,
// taken literally.
func StartsWith[T StringLike](e Expression[T], s string) Expr[bool] {
	return LikeEscape(e, EscapeLike(s)+"%")
}

// EndsWith renders a LIKE that matches the values ending with s, taken
// literally.
func EndsWith[T StringLike](e Expression[T], s string) Expr[bool] {
	return LikeEscape(e, "%"+EscapeLike(s))
}

// likeNode is e LIKE ? ESCAPE '\'. The pattern is bound; the escape
// character is quarry's constant, not a value.
type likeNode struct {
	left    node
	pattern string
}

func (n *likeNode) render(b *builder) {
	renderOperand(b, n.left)
	b.Write(" LIKE ")
	b.BindFrom(n, n.pattern)
	b.Write(" ESCAPE '" + likeEscape + "'")
}

func (n *likeNode) sources(fn func(*source)) { n.left.sources(fn) }
