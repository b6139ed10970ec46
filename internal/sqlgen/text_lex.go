package sqlgen

import "strings"

// TextPart is a piece of SQL text: literal SQL, then the named parameter
// that follows it, if any.
type TextPart struct {
	Lit   string
	Param string // a parameter follows Lit when non-empty
}

// LexText splits SQL text into its literal pieces and :name parameters.
// A :name inside a string literal, a quoted identifier, a comment, a
// dollar-quoted string or a ::cast is not a parameter, and \: is a
// literal colon.
func LexText(sql string) []TextPart {
	var parts []TextPart
	var lit strings.Builder
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			j := skipQuoted(sql, i, c)
			lit.WriteString(sql[i:j])
			i = j - 1
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			lit.WriteString(sql[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			// A block comment: :name inside is not a parameter.
			j := strings.Index(sql[i+2:], "*/")
			end := len(sql)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			lit.WriteString(sql[i:end])
			i = end - 1
		case c == '$' && dollarTag(sql[i:]) != "":
			// A PostgreSQL dollar-quoted string: $$...$$ or $tag$...$tag$.
			tag := dollarTag(sql[i:])
			end := len(sql)
			if j := strings.Index(sql[i+len(tag):], tag); j >= 0 {
				end = i + len(tag) + j + len(tag)
			}
			lit.WriteString(sql[i:end])
			i = end - 1
		case c == '\\' && i+1 < len(sql) && sql[i+1] == ':':
			// \: is a literal colon, as in SQLAlchemy.
			lit.WriteByte(':')
			i++
		case c == ':' && i+1 < len(sql) && sql[i+1] == ':':
			lit.WriteString("::")
			i++
		case c == ':' && i+1 < len(sql) && IsNameStart(sql[i+1]) && (i == 0 || !IsNameChar(sql[i-1])):
			j := i + 1
			for j < len(sql) && IsNameChar(sql[j]) {
				j++
			}
			parts = append(parts, TextPart{Lit: lit.String(), Param: sql[i+1 : j]})
			lit.Reset()
			i = j - 1
		default:
			lit.WriteByte(c)
		}
	}
	parts = append(parts, TextPart{Lit: lit.String()})
	return parts
}

// dollarTag returns the opening tag of a dollar-quoted string at the start
// of s ("$$" or "$name$"), or "" when s does not start one ($1 does not).
func dollarTag(s string) string {
	if len(s) < 2 || s[0] != '$' {
		return ""
	}
	if s[1] == '$' {
		return "$$"
	}
	if !IsNameStart(s[1]) {
		return ""
	}
	for j := 2; j < len(s); j++ {
		switch {
		case s[j] == '$':
			return s[:j+1]
		case !IsNameChar(s[j]):
			return ""
		}
	}
	return ""
}

// skipQuoted returns the offset just past the quoted string or
// identifier opened by q at s[i], a doubled q standing for itself.
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// IsNameStart reports whether c may begin an unquoted name.
func IsNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// IsNameChar reports whether c may continue an unquoted name.
func IsNameChar(c byte) bool { return IsNameStart(c) || c >= '0' && c <= '9' }

// Bind returns a copy of the text with the parameter name set to v.
