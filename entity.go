package quarry

import (
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/sqlgen"
)

// Entity is embedded, as the first field, in every table struct. It stands
// for the mapped struct E in statements: Select(Users) selects whole *User
// values, and a relationship's OfType accepts only a Source[E].
//
//	type UserTable struct {
//		quarry.Entity[User]
//		ID   quarry.Column[int64] `quarry:"id,pk"`
//		Name quarry.Column[string]
//	}
type Entity[E any] struct {
	src *source
}

// Source is implemented by the table struct of E (through its embedded
// [Entity]) and by every alias of it. Functions that need "some FROM item
// that yields E" take a Source[E].
type Source[E any] interface {
	source() *source
	entityOf(*E)
}

func (e Entity[E]) source() *source { return e.src }
func (Entity[E]) entityOf(*E)       {}
func (Entity[E]) selectable(**E)    {}

// TableName returns the name of the mapped table.
func (e Entity[E]) TableName() string {
	if e.src == nil {
		return ""
	}
	return e.src.table.Name
}

// AliasName returns the explicit name of an alias created with [Aliased]
// and [Name], or "" for the table itself and for anonymous aliases.
func (e Entity[E]) AliasName() string {
	if e.src == nil {
		return ""
	}
	return e.src.alias
}

// source is one FROM item: a mapped table, an alias of it, or a subquery.
type source struct {
	table     *table    // the mapped table; nil for a plain subquery
	alias     string    // explicit alias name
	anonymous bool      // an alias named by the renderer (users_1, anon_1)
	sub       *subquery // the derived table this source selects from
	// over is set on an entity alias of a subquery: several aliases of one
	// subquery are one FROM item, rendered once.
	over *source
	// err is the error of an alias made with a nil option (Aliased),
	// reported wherever the alias is rendered.
	err error
	// load is the columns an entity alias over a subquery loads, those
	// the subquery selects (column_load.go); strict makes a column the
	// subquery lacks an error instead (StrictColumns).
	load   *loadSet
	strict bool
}

func (s *source) isAlias() bool { return s.alias != "" || s.anonymous }

// identity is the FROM item the source stands for.
func (s *source) identity() *source {
	if s.over != nil {
		return s.over
	}
	return s
}

// table is the mapper of one struct E to one database table, computed
// once by [Table] with reflection and read without it afterwards: the
// table's schema (schema.Table, SQLAlchemy's Core Table) and what the
// statements, the unit of work and the loaders add to it (SQLAlchemy's
// Mapper).
type table struct {
	schema.Table
	base *source
	// srcOffsets are the offsets, inside the table struct, of every field
	// holding a *source (the Entity and each Column), so that an alias can
	// copy the table struct and re-point them without reflection.
	srcOffsets []srcSlot
	// relations are the relationship fields of the table struct.
	relations []*relationship
	// decl holds the table struct's Indexes and Constraints methods,
	// called once at configuration into indexes and constraints
	// (schema_decl.go).
	decl        schemaDecl
	indexes     []Index
	constraints []Constraint
	// insertDefaults and updateDefaults are the Go-side values of the
	// Defaults method (column_default.go).
	insertDefaults, updateDefaults []colDefault
	// md is the Metadata the table is registered in.
	md *Metadata
	// hooks are the lifecycle hooks *E implements (hooks.go).
	hooks entityHooks
	// defaultLoad is the columns a SELECT of the entity loads when some
	// are tagged deferred; nil when it loads every column (column_load.go).
	defaultLoad *loadSet
}

// is reports whether s is the schema of t; false for a nil t (the source
// of a subquery has no table).
func (t *table) is(s *schema.Table) bool { return t != nil && s == &t.Table }

type srcSlot struct {
	offset uintptr
	// rebind points the field at ptr to the source src.
	rebind func(ptr field.Ptr, src *source)
}

// rebind re-points every column, entity and relationship field of a copy
// of a table struct at src.
func rebind(m field.Ptr, t *table, src *source) {
	for _, s := range t.srcOffsets {
		s.rebind(field.At(m, s.offset), src)
	}
}

func rebindEntity(ptr field.Ptr, src *source) { (*Entity[struct{}])(ptr).src = src }

func rebindColumn(info *schema.Column) func(field.Ptr, *source) {
	return func(ptr field.Ptr, src *source) {
		// Every Column[T] is one node interface, whatever T is.
		field.Set[node](ptr, &colRef{src: src, info: info})
	}
}

// relationBinder is implemented (on a pointer) by relationship field types.
type relationBinder interface {
	// bindRelation returns the relation and, when the field refers to its
	// owner's source, the function that re-points it for an alias.
	bindRelation(owner *table, field reflect.StructField) (*relationship, func(field.Ptr, *source), error)
}

// columnBinder is implemented by *Column[T]; Table uses it to learn T and
// to attach the column's metadata without knowing T statically.
type columnBinder interface {
	valueType() reflect.Type
	bindColumn(src *source, info *schema.Column)
	ops() schema.Ops
}

// Table maps the struct E to the table name through the table struct M and
// returns a ready *M whose columns can be used in statements. It is meant
// for package-level variables:
//
//	var Users = quarry.Table[User, UserTable]("users")
//
// A Column field's `quarry:"name,options..."` tag names the column (empty
// keeps the snake_case of the field name) and takes these options:
//
//	pk            part of the primary key (a single integer key is generated
//	              by the database when left zero, unless noauto)
//	noauto        an integer primary key the program always gives
//	unique        a UNIQUE constraint
//	len=N, text   VARCHAR(N), or the unbounded text type
//	type=SQL      the DDL type, verbatim (needed by Scanner/Valuer types)
//	default=V     a DEFAULT in the DDL (a number, true/false, now, or a string)
//	omitzero      with default=: a zero field is left to the default
//	fk=table.col  a foreign key, with ondelete= and onupdate= actions
//	version       an integer version counter (optimistic locking)
//	deferred      not loaded by a SELECT of the entity until asked for
//	              (Undefer, Session.LoadColumns): for a large TEXT or JSON
//	              column; see [LoadOnly]
//	field=Name    the struct field, when it is named differently
//
// The value in the struct is what an INSERT writes: false, 0 and "" are
// values, so a default= applies only where the program cannot have set a
// value, a NULL-able field left NULL (a nil pointer, an invalid
// sql.Null), and, with omitzero, a field left zero. The INSERT then omits
// the column and reads the default back into the field through
// RETURNING.
//
// Indexes and table constraints are declared by optional methods of M,
// Indexes() []Index and Constraints() []Constraint (see [NewIndex],
// [UniqueOn] and [Check]), called once when the metadata is configured.
//
// Reflection happens here, once. A mapping mistake (a column with no
// struct field, a type mismatch, no primary key, a duplicate column)
// panics with a message naming the struct, the field and the problem, so
// it fails when the program starts; use [TryTable] to get an error instead.
//
// M must embed quarry.Entity[E] of its own E: Table[Gadget, TagTable],
// where TagTable embeds Entity[Tag], does not compile.
func Table[E, M any, PM TableStruct[E, M]](name string) *M {
	return Must(TryTable[E, M, PM](name))
}

// TableStruct is the constraint on the table struct M of entity E: a
// struct whose pointer has the methods of an embedded Entity[E]. Generic
// code that maps tables names it as [Table] does:
//
//	func mapAll[E, M any, PM quarry.TableStruct[E, M]](name string) (*M, error) {
//		return quarry.TryTable[E, M, PM](name)
//	}
type TableStruct[E, M any] interface {
	*M
	Source[E]
}

// TryTable is [Table] returning the mapping error instead of panicking.
// A table that fails to map registers nothing.
func TryTable[E, M any, PM TableStruct[E, M]](name string) (*M, error) {
	return TableIn[E, M, PM](defaultMetadata, name)
}

// bindTable builds the mapping of E to name through M, unregistered.
func bindTable[E, M any](name string) (*M, *table, error) {
	if err := sqlgen.CheckIdent(name, 0); err != nil {
		return nil, nil, mappingErrorf("table name: %v", err)
	}
	et, mt := reflect.TypeFor[E](), reflect.TypeFor[M]()
	if et.Kind() != reflect.Struct {
		return nil, nil, mappingErrorf("%v is not a struct", et)
	}
	if mt.Kind() != reflect.Struct {
		return nil, nil, mappingErrorf("table struct %v is not a struct", mt)
	}
	t := &table{
		Table: schema.Table{
			Name: name, GoType: et, StructType: mt, Alloc: field.AllocatorOf[E](),
			ByName: map[string]*schema.Column{}, ShapeID: nextShapeID(),
		},
		hooks: hooksOf[E](),
	}
	t.base = &source{table: t}
	m := new(M)
	if err := t.bind(field.Of(m), reflect.TypeFor[Entity[E]]()); err != nil {
		return nil, nil, err
	}
	t.decl = declarationsOf(m)
	return m, t, nil
}
