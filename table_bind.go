package quarry

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// Binding a table struct: each Column field finds its field in the entity
// struct by name, each relationship field is registered, and struct
// fields of the table struct that hold Columns are column groups.
//
// A column group is how shared sets of columns are written once, as GORM
// users embed a Timestamps or an Address struct:
//
//	type Timestamps struct{ CreatedAt, UpdatedAt time.Time }
//	type TimestampColumns struct {
//		CreatedAt quarry.Column[time.Time]
//		UpdatedAt quarry.Column[time.Time]
//	}
//	type User struct {
//		ID int64
//		Timestamps
//		Billing Address
//	}
//	type UserTable struct {
//		quarry.Entity[User]
//		ID quarry.Column[int64] `quarry:"id,pk"`
//		TimestampColumns                // created_at, updated_at: User's promoted fields
//		Billing AddressColumns `quarry:"prefix=billing_"` // billing_street...: User.Billing's fields
//	}
//
// An embedded group reads the fields at the level it is embedded (the
// entity's own or promoted ones); a named group reads the struct field of
// the same name, and its columns are named with a prefix (the field's
// snake_case name and "_" unless the tag gives prefix=). Groups nest.

// colGroup is where the columns of a group find their entity fields.
type colGroup struct {
	et     reflect.Type // the struct holding the fields
	offset uintptr      // of that struct within the entity
	prefix string       // of the column names
	path   string       // of the Go field names ("Billing.")
}

func (t *table) bind(m field.Ptr, entityType reflect.Type) error {
	sawEntity := false
	top := colGroup{et: t.GoType}
	if err := t.bindFields(m, t.StructType, 0, top, entityType, &sawEntity); err != nil {
		return err
	}
	if !sawEntity {
		return mappingErrorf("%v does not embed quarry.Entity[%v]", t.StructType, t.GoType)
	}
	if len(t.PK) == 0 {
		return mappingErrorf("%v (table %q) has no primary key: tag a column `quarry:\",pk\"`", t.GoType, t.Name)
	}
	if err := t.checkKeyTypes(); err != nil {
		return err
	}
	if len(t.PK) == 1 && t.PK[0].Kind >= dialect.KindInt16 && t.PK[0].Kind <= dialect.KindInt64 && !t.PK[0].NoAuto {
		t.PK[0].Autoinc = true
	}
	t.defaultLoad = newLoadSet(t, func(c *schema.Column) bool { return !c.Deferred })
	return nil
}

// bindFields binds the fields of st, a struct at base within the table
// struct m, against the entity fields of g.
func (t *table) bindFields(m field.Ptr, st reflect.Type, base uintptr, g colGroup, entityType reflect.Type, sawEntity *bool) error {
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		off := base + f.Offset
		ptr := field.At(m, off)
		if f.Type == entityType {
			if !f.Anonymous || base != 0 {
				return mappingErrorf("%v.%s: Entity must be embedded in the table struct itself", t.StructType, f.Name)
			}
			rebindEntity(ptr, t.base)
			t.srcOffsets = append(t.srcOffsets, srcSlot{offset: off, rebind: rebindEntity})
			*sawEntity = true
			continue
		}
		fv := field.PointerTo(f.Type, ptr)
		if kt, ok := fv.(keyedTable); ok && f.Type.Field(0).Type == entityType {
			if !f.Anonymous || base != 0 {
				return mappingErrorf("%v.%s: %v must be embedded in the table struct itself", t.StructType, f.Name, f.Type)
			}
			// The Entity is the first field of the Keyed embedding.
			rebindEntity(ptr, t.base)
			t.srcOffsets = append(t.srcOffsets, srcSlot{offset: off, rebind: rebindEntity})
			*sawEntity = true
			t.KeyTypes = kt.keyGoTypes()
			continue
		}
		switch b := fv.(type) {
		case columnBinder:
			c, err := t.bindColumnField(f, g, b)
			if err != nil {
				return err
			}
			b.bindColumn(t.base, c)
			t.srcOffsets = append(t.srcOffsets, srcSlot{offset: off, rebind: rebindColumn(c)})
		case relationBinder:
			if base != 0 {
				return mappingErrorf("%v.%s: a relationship cannot be in a column group: declare it in the table struct", t.StructType, g.path+f.Name)
			}
			r, rb, err := b.bindRelation(t, f)
			if err != nil {
				return err
			}
			t.relations = append(t.relations, r)
			if rb != nil {
				t.srcOffsets = append(t.srcOffsets, srcSlot{offset: off, rebind: rb})
			}
		default:
			if isColumnGroup(f.Type, entityType) {
				sub, err := t.groupOf(f, g)
				if err != nil {
					return err
				}
				if err := t.bindFields(m, f.Type, off, sub, entityType, sawEntity); err != nil {
					return err
				}
				continue
			}
			if f.IsExported() {
				return mappingErrorf("%v.%s: field of type %v is neither a Column, a relationship nor a group of Columns", t.StructType, g.path+f.Name, f.Type)
			}
		}
	}
	return nil
}

// isColumnGroup reports whether a field of type ft of a table struct is a
// column group: a struct with at least one Column, directly or in a
// nested group.
func isColumnGroup(ft reflect.Type, entityType reflect.Type) bool {
	if ft.Kind() != reflect.Struct || ft == entityType {
		return false
	}
	binder := reflect.TypeFor[columnBinder]()
	for i := 0; i < ft.NumField(); i++ {
		f := ft.Field(i)
		if reflect.PointerTo(f.Type).Implements(binder) || isColumnGroup(f.Type, entityType) {
			return true
		}
	}
	return false
}

// groupOf returns where the columns of the group field f find their
// entity fields.
func (t *table) groupOf(f reflect.StructField, g colGroup) (colGroup, error) {
	prefix, hasPrefix, err := parseGroupTag(f.Tag.Get("quarry"))
	if err != nil {
		return g, mappingErrorf("%v.%s: %v", t.StructType, g.path+f.Name, err)
	}
	if f.Anonymous {
		g.prefix += prefix
		return g, nil
	}
	sf, ok := g.et.FieldByName(f.Name)
	if !ok {
		return g, mappingErrorf("%v.%s: struct %v has no field %s for the column group", t.StructType, g.path+f.Name, g.et, f.Name)
	}
	if sf.Type.Kind() != reflect.Struct {
		return g, mappingErrorf("%v.%s: %v.%s is %v; a column group needs a struct field (not a pointer)", t.StructType, g.path+f.Name, g.et, f.Name, sf.Type)
	}
	off, err := fieldOffset(g.et, sf)
	if err != nil {
		return g, mappingErrorf("%v.%s: %v", t.StructType, g.path+f.Name, err)
	}
	if !hasPrefix {
		prefix = schema.SnakeCase(f.Name) + "_"
	}
	return colGroup{et: sf.Type, offset: g.offset + off, prefix: g.prefix + prefix, path: g.path + f.Name + "."}, nil
}

// parseGroupTag reads the tag of a column group: prefix= only.
func parseGroupTag(s string) (prefix string, ok bool, err error) {
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		key, val, _ := strings.Cut(p, "=")
		if strings.TrimSpace(key) != "prefix" {
			return "", false, fmt.Errorf("unknown column group tag option %q (want prefix=)", key)
		}
		prefix, ok = strings.TrimSpace(val), true
	}
	return prefix, ok, nil
}

// fieldOffset returns the offset of sf within st, following the embedded
// structs a promoted field comes through. A field promoted through an
// embedded pointer has no fixed place in the object and is refused.
func fieldOffset(st reflect.Type, sf reflect.StructField) (uintptr, error) {
	var off uintptr
	cur := st
	for i, idx := range sf.Index {
		f := cur.Field(idx)
		off += f.Offset
		if i == len(sf.Index)-1 {
			break
		}
		if f.Type.Kind() != reflect.Struct {
			return 0, fmt.Errorf("%v.%s is promoted through the embedded pointer %s, which quarry cannot map: embed the struct by value", st, sf.Name, f.Name)
		}
		cur = f.Type
	}
	return off, nil
}

func (t *table) bindColumnField(f reflect.StructField, g colGroup, b columnBinder) (*schema.Column, error) {
	tag, err := schema.ParseTag(f.Tag.Get("quarry"))
	if err != nil {
		return nil, mappingErrorf("%v.%s: %v", t.StructType, g.path+f.Name, err)
	}
	fieldName := f.Name
	if tag.Field != "" {
		fieldName = tag.Field
	}
	sf, ok := g.et.FieldByName(fieldName)
	if !ok || len(sf.Index) != 1 && !sf.IsExported() {
		return nil, mappingErrorf("%v.%s: struct %v has no field %s", t.StructType, g.path+f.Name, g.et, fieldName)
	}
	vt := b.valueType()
	if sf.Type != vt {
		return nil, mappingErrorf("%v.%s is Column[%v] but %v.%s is %v", t.StructType, g.path+f.Name, vt, g.et, fieldName, sf.Type)
	}
	off, err := fieldOffset(g.et, sf)
	if err != nil {
		return nil, mappingErrorf("%v.%s: %v", t.StructType, g.path+f.Name, err)
	}
	name := tag.Name
	if name == "" {
		name = schema.SnakeCase(f.Name)
	}
	name = g.prefix + name
	if err := sqlgen.CheckIdent(name, 0); err != nil {
		return nil, mappingErrorf("%v.%s: column name: %v", t.StructType, g.path+f.Name, err)
	}
	if _, dup := t.ByName[name]; dup {
		return nil, mappingErrorf("%v.%s: duplicate column %q in table %q", t.StructType, g.path+f.Name, name, t.Name)
	}
	gk, err := schema.KindOf(vt, tag.SQLType != "")
	kind, nullable := gk.Kind, gk.Nullable
	if err != nil {
		return nil, mappingErrorf("%v.%s: %v", g.et, fieldName, err)
	}
	c := &schema.Column{
		Table: &t.Table, Name: name, Field: g.path + fieldName, Offset: g.offset + off, GoType: vt,
		Kind: kind, Elem: gk.Elem, Typer: gk.Typer, Nullable: nullable && !tag.PK, PK: tag.PK, Unique: tag.Unique,
		Length: tag.Length, Text: tag.Text, SQLType: tag.SQLType, Def: tag.Def, HasDef: tag.HasDef,
		NoAuto: tag.NoAuto, Deferred: tag.Deferred, Index: len(t.Columns), Ops: b.ops(),
	}
	if c.Enum, err = enumValues(vt); err != nil {
		return nil, mappingErrorf("%v.%s: %v", t.StructType, g.path+f.Name, err)
	}
	if tag.Deferred && (tag.PK || tag.Version) {
		return nil, mappingErrorf("%v.%s: deferred applies to neither a primary key nor a version column (the Session needs them to write the row)", t.StructType, g.path+f.Name)
	}
	if tag.OmitZero && (!tag.HasDef || tag.PK || tag.Version) {
		return nil, mappingErrorf("%v.%s: omitzero needs a default= and applies to neither a primary key nor a version column", t.StructType, g.path+f.Name)
	}
	c.ZeroDefault = tag.HasDef && !tag.PK && !tag.Version && (tag.OmitZero || nullable && schema.NullField(vt))
	if tag.FK != "" {
		c.FK = &schema.ForeignKey{Ref: tag.FK, OnDelete: tag.OnDelete, OnUpdate: tag.OnUpdate}
	}
	if tag.Version {
		if kind < dialect.KindInt16 || kind > dialect.KindInt64 || nullable {
			return nil, mappingErrorf("%v.%s: a version column must be a non-null integer", g.et, fieldName)
		}
		t.Version = c
	}
	t.Columns = append(t.Columns, c)
	t.ByName[name] = c
	if c.PK {
		t.PK = append(t.PK, c)
	}
	return c, nil
}
