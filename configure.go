package quarry

import (
	"errors"

	"github.com/quarry-orm/quarry/internal/schema"
)

// resolve resolves the references between the tables of c (foreign keys
// and relationships) not resolved yet, once every table they name is
// mapped, and reports every mistake at once. It runs under the Metadata's
// lock, on a catalog not published yet; what it resolves is written once
// and never again, so statements that read a resolved table need no lock.
func resolve(c *catalog) error {
	var errs []error
	for _, t := range c.tables {
		if err := t.declare(); err != nil {
			errs = append(errs, err)
		}
		for _, col := range t.Columns {
			if col.FK == nil || col.FK.Target != nil {
				continue
			}
			if err := schema.ResolveForeignKey(&t.Table, col, c.schemaTable); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := configureRelationships(c); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return wrapErr(err, "configuring mappings")
	}
	return nil
}

// Configure is [DefaultMetadata]().Configure: it resolves the mappings of
// [Table] and [Association] now and returns every mistake found.
func Configure() error { return defaultMetadata.Configure() }
