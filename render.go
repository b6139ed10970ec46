package quarry

import (
	"fmt"
	"github.com/quarry-orm/quarry/dialect"
	"strconv"
	"unicode/utf8"
)

// builder renders one statement for one dialect into one buffer. The first
// error is kept and later writes are ignored, so render code never checks
// errors on every call.
type builder struct {
	d    Dialect
	caps dialect.Capabilities
	buf  []byte
	args []any
	err  error

	// names of anonymous aliases and subqueries, assigned in the order
	// they are first rendered, as SQLAlchemy's compiler does.
	anon     map[*source]string
	anonSeq  map[string]int
	anonNext int
	// enclosing holds the FROM sources of the statements this one is
	// nested in, for the auto-correlation of scalar and EXISTS subqueries.
	enclosing []map[*source]bool
	// bareColumns renders columns without their table, for the ORDER BY
	// of a UNION.
	bareColumns bool
	// params are the statement-level values of Text parameters.
	params map[string]any
	// adapt renders the columns of some sources from others (criteria
	// of a relationship rendered against an alias: loader_joined.go).
	adapt map[*source]*source
	// crit is the global criteria of the render, nil without any
	// (criteria.go).
	crit *critEnv
	// literals renders values as SQL literals instead of binding them,
	// for DDL, which cannot bind (ddl_literal.go).
	literals bool
	// trace records the origin of each bound value in origins, for the
	// shape cache (shape.go).
	trace   bool
	origins []any
}

func newBuilder(d Dialect) *builder {
	return &builder{d: d, caps: d.Capabilities(), buf: make([]byte, 0, 256)}
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *builder) failf(format string, args ...any) {
	b.fail(fmt.Errorf("quarry: "+format, args...))
}

func (b *builder) write(s string) { b.buf = append(b.buf, s...) }

func (b *builder) writeByte(c byte) { b.buf = append(b.buf, c) }

// bind appends a placeholder for v and records v as an argument. This is
// the only way a value reaches a statement.
func (b *builder) bind(v any) { b.bindFrom(nil, v) }

// bindFrom binds v, which the node origin holds (nil: none the shape
// walk knows).
func (b *builder) bindFrom(origin, v any) {
	if b.literals {
		b.literal(v)
		return
	}
	if b.trace {
		b.origins = append(b.origins, origin)
	}
	b.args = append(b.args, v)
	b.buf = b.d.AppendPlaceholder(b.buf, len(b.args))
}

// ident appends a quoted identifier after checking that the dialect can
// hold it unchanged.
func (b *builder) ident(name string) {
	if err := checkIdent(name, b.caps.MaxIdentLen); err != nil {
		b.fail(err)
		return
	}
	b.buf = b.d.AppendIdent(b.buf, name)
}

// checkIdent refuses identifiers that a database would silently alter.
func checkIdent(name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name", ErrInvalidIdentifier)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrInvalidIdentifier, name)
	case max > 0 && len(name) > max:
		return fmt.Errorf("%w: %q is %d bytes, over the limit of %d", ErrInvalidIdentifier, name, len(name), max)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return fmt.Errorf("%w: %q contains a NUL byte", ErrInvalidIdentifier, name)
		}
	}
	return nil
}

// sourceName returns the name under which a FROM source is referenced:
// its alias, a generated anonymous name, or its table name.
func (b *builder) sourceName(s *source) string {
	if s.alias != "" {
		return s.alias
	}
	if !s.anonymous {
		return s.table.name
	}
	if name, ok := b.anon[s]; ok {
		return name
	}
	if b.anon == nil {
		b.anon = map[*source]string{}
		b.anonSeq = map[string]int{}
	}
	base := "anon"
	if s.table != nil && s.sub == nil {
		base = s.table.name
	}
	b.anonSeq[base]++
	name := base + "_" + strconv.Itoa(b.anonSeq[base])
	b.anon[s] = name
	return name
}

// correlated reports whether s belongs to an enclosing statement, so that
// a nested subquery leaves it out of its own FROM list.
func (b *builder) correlated(s *source) bool {
	for _, m := range b.enclosing {
		if m[s] {
			return true
		}
	}
	return false
}

// rendered is the output of one render: the SQL text and its arguments.
type rendered struct {
	d    Dialect
	sql  string
	args []any
}

func (b *builder) result() (*rendered, error) {
	if b.err != nil {
		return nil, b.err
	}
	return &rendered{d: b.d, sql: string(b.buf), args: b.args}, nil
}
