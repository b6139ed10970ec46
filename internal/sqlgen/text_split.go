package sqlgen

import (
	"strings"

	"github.com/quarry-orm/quarry/internal/errs"
)

// SQL text holding more than one statement is refused on every dialect:
// PostgreSQL's extended protocol refuses it by itself only when the text
// has parameters, and SQLite's driver runs every statement of it, so
// UnsafeText("...; DROP TABLE t") would run both. The splitter below
// finds the end of the first statement the way both databases read SQL.

// ErrMultipleStatements is the error of a text with a second statement.
func ErrMultipleStatements(sql string, at int) error {
	rest := strings.TrimSpace(sql[at:])
	if len(rest) > 40 {
		rest = rest[:40] + "..."
	}
	return errs.InvalidArg("SQL text holds more than one statement (a second one begins at byte %d: %q); run each with its own Exec", at, rest)
}

// SecondStatement returns the byte offset of the start of a second
// statement in sql, or -1 when sql is one statement (a trailing ';',
// whitespace and comments allowed). A ';' inside a string literal, a
// quoted identifier, a comment, or between the BEGIN and END of a CREATE
// TRIGGER (whose body is a list of statements) ends nothing. pg reads
// SQL as PostgreSQL does ([dialect.Capabilities].DollarQuoting):
// dollar-quoted strings, E'...' strings with backslash escapes and nested
// block comments; otherwise as SQLite does, where none of them exists.
func SecondStatement(sql string, pg bool) int {
	sc := stmtScanner{sql: sql, pg: pg}
	end := -1 // the ';' that ended the first statement
	for {
		start, word, semi, ok := sc.next()
		if !ok {
			return -1
		}
		if end >= 0 {
			return start // a token after the end of the first statement
		}
		if semi {
			end = start
			continue
		}
		sc.trigger(word)
	}
}

// stmtScanner reads SQL tokens for SecondStatement: it skips literals and
// comments, and reports words and semicolons.
type stmtScanner struct {
	sql string
	pg  bool
	i   int
	// words counts the statement's words, to see CREATE [TEMP] TRIGGER
	// at its start; inTrigger is set once seen; depth counts the open
	// BEGIN and CASE blocks of the trigger's body.
	words     int
	first     string
	inTrigger bool
	depth     int
}

// next returns the next token that is not whitespace nor a comment: its
// offset, the word (upper case) when it is one, and whether it is a
// ';' that ends a statement. ok is false at the end of the text.
func (sc *stmtScanner) next() (start int, word string, semi, ok bool) {
	s := sc.sql
	for sc.i < len(s) {
		c := s[sc.i]
		start = sc.i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			sc.i++
			continue
		case c == '-' && strings.HasPrefix(s[sc.i:], "--"):
			if j := strings.IndexByte(s[sc.i:], '\n'); j >= 0 {
				sc.i += j + 1
			} else {
				sc.i = len(s)
			}
			continue
		case c == '/' && strings.HasPrefix(s[sc.i:], "/*"):
			sc.i = skipBlockComment(s, sc.i, sc.pg)
			continue
		case c == '\'' || c == '"' || c == '`':
			sc.i = skipQuoted(s, sc.i, c)
		case c == '[':
			// SQLite's [quoted identifier]; on PostgreSQL an array
			// subscript, which holds no ';' either.
			if j := strings.IndexByte(s[sc.i:], ']'); j >= 0 {
				sc.i += j + 1
			} else {
				sc.i = len(s)
			}
		case (c == 'E' || c == 'e') && sc.pg && sc.i+1 < len(s) && s[sc.i+1] == '\'' && (sc.i == 0 || !IsNameChar(s[sc.i-1])):
			sc.i = skipEscaped(s, sc.i+1)
		case c == '$' && sc.pg && dollarTag(s[sc.i:]) != "":
			tag := dollarTag(s[sc.i:])
			if j := strings.Index(s[sc.i+len(tag):], tag); j >= 0 {
				sc.i += len(tag) + j + len(tag)
			} else {
				sc.i = len(s)
			}
		case c == ';':
			sc.i++
			if sc.inTrigger && sc.depth > 0 {
				return start, "", false, true // inside the trigger's body
			}
			sc.words, sc.inTrigger, sc.depth = 0, false, 0
			return start, "", true, true
		case IsNameStart(c):
			j := sc.i + 1
			for j < len(s) && (IsNameChar(s[j]) || s[j] == '$') {
				j++
			}
			sc.i = j
			return start, strings.ToUpper(s[start:j]), false, true
		default:
			sc.i++
		}
		return start, "", false, true
	}
	return 0, "", false, false
}

// trigger follows CREATE [TEMP|TEMPORARY] TRIGGER [IF NOT EXISTS] ...
// BEGIN ... END, where CASE ... END nests inside the body.
func (sc *stmtScanner) trigger(word string) {
	if word == "" {
		sc.words++
		return
	}
	sc.words++
	switch {
	case sc.words == 1:
		sc.first = word
	case sc.first == "CREATE" && sc.words <= 3 && word == "TRIGGER":
		sc.inTrigger = true
	case !sc.inTrigger:
	case word == "BEGIN" || word == "CASE" && sc.depth > 0:
		sc.depth++
	case word == "END" && sc.depth > 0:
		sc.depth--
	}
}

// skipBlockComment returns the offset after the /* ... */ comment at i,
// nested ones included when nested (PostgreSQL's reading; SQLite's ends
// at the first */).
func skipBlockComment(s string, i int, nested bool) int {
	if !nested {
		if j := strings.Index(s[i+2:], "*/"); j >= 0 {
			return i + 2 + j + 2
		}
		return len(s)
	}
	depth := 0
	for j := i; j < len(s); {
		switch {
		case strings.HasPrefix(s[j:], "/*"):
			depth++
			j += 2
		case strings.HasPrefix(s[j:], "*/"):
			depth--
			j += 2
			if depth == 0 {
				return j
			}
		default:
			j++
		}
	}
	return len(s)
}

// skipEscaped returns the offset after PostgreSQL's E'...' string whose
// quote is at i: a backslash escapes the character after it, and a
// doubled quote is a quote too.
func skipEscaped(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(s) && s[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}
