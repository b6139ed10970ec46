package quarry

import (
	"strconv"

	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// builder renders one statement: the writer's buffer and arguments, and
// what naming, correlation and criteria need to know about the sources of
// the statement being written.
type builder struct {
	sqlgen.Writer

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
}

func newBuilder(d Dialect) *builder { return &builder{Writer: sqlgen.NewWriter(d)} }

// sourceName returns the name under which a FROM source is referenced:
// its alias, a generated anonymous name, or its table name.
func (b *builder) sourceName(s *source) string {
	if s.alias != "" {
		return s.alias
	}
	if !s.anonymous {
		return s.table.Name
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
		base = s.table.Name
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
	if b.Err != nil {
		return nil, b.Err
	}
	return &rendered{d: b.D, sql: string(b.Buf), args: b.Args}, nil
}
