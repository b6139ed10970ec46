package quarry

import (
	"reflect"

	"github.com/quarry-orm/quarry/internal/schema"
)

// schemaCatalog is c as [schema.Configure] resolves it.
func (c *catalog) schemaCatalog() schema.Catalog {
	sc := schema.Catalog{
		Tables:        make([]*schema.Table, len(c.tables)),
		Relationships: make([]*schema.Relationship, len(c.rels)),
		ByType: func(t reflect.Type) *schema.Table {
			if m := c.byType[t]; m != nil {
				return &m.Table
			}
			return nil
		},
		ByName: c.schemaTable,
	}
	for i, t := range c.tables {
		sc.Tables[i] = &t.Table
	}
	for i, r := range c.rels {
		sc.Relationships[i] = &r.Relationship
	}
	return sc
}

// link points the mapper links of r at the mappers of the tables and the
// back-reference its schema half was resolved to.
func (r *relationship) link(c *catalog) {
	r.target, r.secondary, r.back = c.mapper(r.Target), c.mapper(r.Secondary), nil
	if r.target == nil || r.Back == nil {
		return
	}
	for _, p := range r.target.relations {
		if &p.Relationship == r.Back {
			r.back = p
		}
	}
}

// mapper is the mapper of t, nil for nil.
func (c *catalog) mapper(t *schema.Table) *table {
	if t == nil {
		return nil
	}
	return c.byName[t.Name]
}
