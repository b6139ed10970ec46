package quarry

import (
	"errors"
	"fmt"
	"strings"
)

// configure resolves the references between mapped tables (foreign keys,
// and relationships through configurers registered by relationship.go)
// once every table they name is mapped. It reports every mistake at once.
// Tables may be declared in any order; configure runs lazily, when a
// statement, a schema operation or a Session first needs the links.
func configure() error {
	registry.Lock()
	defer registry.Unlock()
	if registry.configured {
		return registry.configErr
	}
	var errs []error
	for _, t := range registry.tables {
		for _, c := range t.columns {
			if c.fk == nil || c.fk.target != nil {
				continue
			}
			tname, cname, _ := strings.Cut(c.fk.ref, ".")
			target, ok := registry.byName[tname]
			if !ok {
				errs = append(errs, mappingErrorf("%v.%s: foreign key %q names table %q, which is not mapped", t.goType, c.field, c.fk.ref, tname))
				continue
			}
			tc, ok := target.byName[cname]
			if !ok {
				errs = append(errs, mappingErrorf("%v.%s: foreign key %q: table %q has no column %q", t.goType, c.field, c.fk.ref, tname, cname))
				continue
			}
			c.fk.target = tc
		}
	}
	for _, hook := range registry.configurers {
		if err := hook(); err != nil {
			errs = append(errs, err)
		}
	}
	err := errors.Join(errs...)
	if err != nil {
		err = fmt.Errorf("quarry: configuring mappings: %w", err)
	} else {
		registry.configured = true
	}
	registry.configErr = err
	return err
}

// Configure resolves all mappings now and returns every mistake found
// (unknown foreign-key targets, unresolvable relationships). Statements
// and schema operations configure lazily; call Configure in a test or at
// start-up to fail early.
func Configure() error { return configure() }
