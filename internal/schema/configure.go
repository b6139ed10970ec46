package schema

import (
	"errors"
	"reflect"
)

// Catalog is what [Configure] resolves against: the mapped tables and
// their relationships in mapping order, and the lookups of a table by its
// entity type and by its name, which return nil for what is not mapped.
type Catalog struct {
	Tables        []*Table
	Relationships []*Relationship
	ByType        func(reflect.Type) *Table
	ByName        func(string) *Table
}

// Configure resolves what the tables of c left for later, once every
// table they name is mapped: the foreign keys, the column types of the
// association tables, and the relationships (target, direction, key
// pairs, association table, order, back-populates). It reports every
// mistake at once.
//
// What an earlier pass resolved is never written again, since statements
// read it without a lock: a table mapped later, or a failed pass, must
// not change what they see. Only a pass without mistakes marks what it
// resolved as such.
func Configure(c Catalog) error {
	var errs []error
	for _, t := range c.Tables {
		for _, col := range t.Columns {
			if col.FK == nil || col.FK.Target != nil {
				continue
			}
			if err := ResolveForeignKey(t, col, c.ByName); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, t := range c.Tables {
		if t.GoType == nil && !t.Configured {
			t.inheritAssociationTypes()
		}
	}
	var fresh []*Relationship
	for _, r := range c.Relationships {
		if r.Resolved {
			continue
		}
		fresh = append(fresh, r)
		if err := r.configure(c); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range fresh {
		r.Back = nil
	}
	for _, r := range fresh {
		if r.Target == nil || r.BackName == "" {
			continue
		}
		if err := r.configureBack(c); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range fresh {
		if err := r.checkOverlap(c); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, r := range fresh {
		r.Resolved = true
	}
	for _, t := range c.Tables {
		t.Configured = true
	}
	return nil
}

// inheritAssociationTypes gives each column of an association table the
// type of the column it references, once foreign keys are resolved.
func (t *Table) inheritAssociationTypes() {
	for _, c := range t.Columns {
		ref := c.FK.Target
		if ref == nil {
			continue // Configure reported the unknown reference
		}
		c.Kind, c.Elem, c.Typer, c.Length, c.Text, c.SQLType, c.GoType = ref.Kind, ref.Elem, ref.Typer, ref.Length, ref.Text, ref.SQLType, ref.GoType
		if ref.GoType != nil && ref.GoType.Kind() == reflect.Pointer {
			c.GoType = ref.GoType.Elem()
		}
	}
}
