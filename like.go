package quarry

import "strings"

// likeEscape is the escape character of the patterns quarry builds: the
// backslash, named in an explicit ESCAPE clause, since PostgreSQL escapes
// with it by default and SQLite has no default escape character.
const likeEscape = `\`

// EscapeLike returns s with the LIKE wildcards % and _ and the escape
// character \ escaped, so that a pattern built from it matches s
// literally: EscapeLike("100%") is `100\%`. Use it with [Expr.LikeEscape];
// [Expr.Contains], [Expr.StartsWith] and [Expr.EndsWith] escape their
// argument themselves.
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

// LikeEscape renders e LIKE pattern ESCAPE '\': a backslash in pattern
// escapes the next character (a literal %, _ or \), the same on every
// dialect. [Expr.Like] sends the pattern as written, where a backslash is
// an escape on PostgreSQL and an ordinary character on SQLite.
func (e Expr[T]) LikeEscape(pattern string) Expr[bool] {
	return wrap[bool](&likeNode{left: e.exprNode(), pattern: pattern})
}

// Contains renders a LIKE that matches the values holding s, with s taken
// literally: Contains("50%") matches "a 50% cut" and not "a 500 cut"
// (SQLAlchemy's contains(autoescape=True)).
func (e Expr[T]) Contains(s string) Expr[bool] { return e.LikeEscape("%" + EscapeLike(s) + "%") }

// StartsWith renders a LIKE that matches the values beginning with s,
// taken literally.
func (e Expr[T]) StartsWith(s string) Expr[bool] { return e.LikeEscape(EscapeLike(s) + "%") }

// EndsWith renders a LIKE that matches the values ending with s, taken
// literally.
func (e Expr[T]) EndsWith(s string) Expr[bool] { return e.LikeEscape("%" + EscapeLike(s)) }

// likeNode is e LIKE ? ESCAPE '\'. The pattern is bound; the escape
// character is quarry's constant, not a value.
type likeNode struct {
	left    node
	pattern string
}

func (n *likeNode) render(b *builder) {
	renderOperand(b, n.left)
	b.write(" LIKE ")
	b.bind(n.pattern)
	b.write(" ESCAPE '" + likeEscape + "'")
}

func (n *likeNode) sources(fn func(*source)) { n.left.sources(fn) }
