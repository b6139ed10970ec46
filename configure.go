package quarry

import (
	"errors"

	"github.com/quarry-orm/quarry/internal/schema"
)

// resolve checks the declarations of the tables of c (indexes,
// constraints, defaults) and resolves their references to one another
// (foreign keys and relationships) not resolved yet, once every table
// they name is mapped; it reports every mistake at once. It runs under
// the Metadata's lock, on a catalog not published yet; what it resolves
// is written once and never again, so statements that read a resolved
// table need no lock.
func resolve(c *catalog) error {
	var errs []error
	for _, t := range c.tables {
		if err := t.declare(); err != nil {
			errs = append(errs, err)
		}
	}
	var fresh []*relationship
	for _, r := range c.rels {
		if !r.Resolved {
			fresh = append(fresh, r)
		}
	}
	if err := schema.Configure(c.schemaCatalog()); err != nil {
		errs = append(errs, err)
	}
	for _, r := range fresh {
		r.link(c)
	}
	if err := errors.Join(errs...); err != nil {
		return wrapErr(err, "configuring mappings")
	}
	return nil
}

// Configure is [DefaultMetadata]().Configure: it resolves the mappings of
// [Table] and [Association] now and returns every mistake found.
func Configure() error { return defaultMetadata.Configure() }
