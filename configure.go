package quarry

import (
	"errors"
	"reflect"
	"strings"

	"github.com/quarry-orm/quarry/internal/field"
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
			if t.goType != nil && tc.goType != nil && !keyTypeFits(c.goType, tc.goType) {
				errs = append(errs, mappingErrorf("%v.%s is %v, which cannot hold the %v of %s it references: use %v, *%v or a sql.Null of it",
					t.goType, c.field, c.goType, tc.goType, tc, tc.goType, tc.goType))
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
		err = wrapErr(err, "configuring mappings")
	} else {
		registry.configured = true
	}
	registry.configErr = err
	return err
}

// keyTypeFits reports whether a foreign-key field of type fk can hold the
// values of the referenced column's type ref: the same type, a pointer to
// it or a sql.Null of it, integers of any width, strings of any name, or a
// sql.Scanner, which converts what the database hands it.
func keyTypeFits(fk, ref reflect.Type) bool {
	fk, ref = keyBase(fk), keyBase(ref)
	switch {
	case fk == ref:
		return true
	case field.IsInt(fk.Kind()) && field.IsInt(ref.Kind()):
		return true
	case fk.Kind() == reflect.String && ref.Kind() == reflect.String:
		return true
	}
	return reflect.PointerTo(fk).Implements(scannerType)
}

// keyBase strips a pointer or sql.Null wrapper from a key's Go type.
func keyBase(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && t.NumField() == 2 && t.Field(1).Name == "Valid" {
		return t.Field(0).Type // sql.Null[T], sql.NullInt64, ...
	}
	return t
}

// Configure resolves all mappings now and returns every mistake found
// (unknown foreign-key targets, unresolvable relationships). Statements
// and schema operations configure lazily; call Configure in a test or at
// start-up to fail early.
func Configure() error { return configure() }
