package quarry

import (
	"fmt"
	"strings"

	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// AssociationTable is a plain table that links two entities for a
// [ManyToMany] relationship (SQLAlchemy's secondary Table). It maps no Go
// type: its rows are written by the Session when collections change. Its
// primary key is made of all its columns. Pass it to CreateAll like a
// table struct.
type AssociationTable struct {
	t *table
}

// AssociationColumn is one column of an [AssociationTable], made by
// [AssocColumn].
type AssociationColumn struct {
	name, ref, onDelete, onUpdate string
}

// AssocColumn declares a column of an association table that references
// the column ref ("table.column"). Its type is that of the referenced
// column.
func AssocColumn(name, ref string) AssociationColumn {
	return AssociationColumn{name: name, ref: ref}
}

// OnDelete returns the column with an ON DELETE action (cascade, set null,
// restrict, no action, set default) on its foreign key.
func (c AssociationColumn) OnDelete(action string) AssociationColumn {
	c.onDelete = action
	return c
}

// OnUpdate returns the column with an ON UPDATE action on its foreign
// key: OnUpdate("cascade") lets the database follow a changed key of the
// row it refers to, what passive updates (the default) rely on.
func (c AssociationColumn) OnUpdate(action string) AssociationColumn {
	c.onUpdate = action
	return c
}

// Association declares the association table name with its columns, for
// package-level variables:
//
//	var PostKeywords = quarry.Association("post_keywords",
//		quarry.AssocColumn("post_id", "posts.id"),
//		quarry.AssocColumn("keyword_id", "keywords.id"))
//
// The tables the columns reference may be mapped before or after. A
// mistake panics with a message naming the table; use [TryAssociation] to
// get an error instead.
func Association(name string, cols ...AssociationColumn) *AssociationTable {
	return Must(TryAssociation(name, cols...))
}

// TryAssociation is [Association] returning the mapping error instead of
// panicking.
func TryAssociation(name string, cols ...AssociationColumn) (*AssociationTable, error) {
	return AssociationIn(defaultMetadata, name, cols...)
}

// bindAssociation builds the association table name, unregistered.
func bindAssociation(name string, cols []AssociationColumn) (*table, error) {
	if err := sqlgen.CheckIdent(name, 0); err != nil {
		return nil, mappingErrorf("association table name: %v", err)
	}
	if len(cols) < 2 {
		return nil, mappingErrorf("association table %q needs at least two columns", name)
	}
	t := &table{Table: schema.Table{Name: name, ByName: map[string]*schema.Column{}, ShapeID: nextShapeID()}}
	t.base = &source{table: t}
	for _, ac := range cols {
		if err := sqlgen.CheckIdent(ac.name, 0); err != nil {
			return nil, mappingErrorf("association table %q: column name: %v", name, err)
		}
		if _, dup := t.ByName[ac.name]; dup {
			return nil, mappingErrorf("association table %q: duplicate column %q", name, ac.name)
		}
		if !strings.Contains(ac.ref, ".") {
			return nil, mappingErrorf("association table %q: column %q references %q: want table.column", name, ac.name, ac.ref)
		}
		fk := &schema.ForeignKey{Ref: ac.ref}
		if ac.onDelete != "" {
			action, ok := schema.ReferentialActions[strings.ToLower(ac.onDelete)]
			if !ok {
				return nil, mappingErrorf("association table %q: column %q: OnDelete(%q): want cascade, set null, restrict, no action or set default", name, ac.name, ac.onDelete)
			}
			fk.OnDelete = action
		}
		if ac.onUpdate != "" {
			action, ok := schema.ReferentialActions[strings.ToLower(ac.onUpdate)]
			if !ok {
				return nil, mappingErrorf("association table %q: column %q: OnUpdate(%q): want cascade, set null, restrict, no action or set default", name, ac.name, ac.onUpdate)
			}
			fk.OnUpdate = action
		}
		c := &schema.Column{Table: &t.Table, Name: ac.name, Field: ac.name, PK: true, NoAuto: true, FK: fk, Index: len(t.Columns)}
		t.Columns = append(t.Columns, c)
		t.PK = append(t.PK, c)
		t.ByName[c.Name] = c
	}
	return t, nil
}

func (a *AssociationTable) schemaTable() *table {
	if a == nil {
		return nil
	}
	return a.t
}

// Name returns the name of the association table ("" for a nil or zero
// one).
func (a *AssociationTable) Name() string {
	if a.schemaTable() == nil {
		return ""
	}
	return a.t.Name
}

// String describes the association table.
func (a *AssociationTable) String() string { return fmt.Sprintf("association table %q", a.Name()) }
