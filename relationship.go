package quarry

// Relationships: the typed fields Many, One and ManyToMany of a table
// struct, bound once by Table (reflection here only) and resolved against
// the other mappings by Metadata.Configure (relationship_config.go), so that tables
// may be declared in any order.
//
// # Internal metadata (for the Session: cascades, flush, loaders)
//
// Every relationship field is one *relationship, listed in table.relations
// of its owner (as the relation interface; type-assert to *relationship)
// and in its Metadata's catalog (all of them, in mapping order). After the
// Metadata's Configure has succeeded:
//
//	r.name         field name in the table struct ("Addresses")
//	r.owner        *table of P, the struct that holds the field
//	r.target       *table of C, the related entity
//	r.dir          oneToMany | manyToOne | manyToMany (resolved from the FKs)
//	r.scalar       true for One (field *C), false for Many/ManyToMany ([]*C)
//	r.pairs        []fkPair{ref, fk} for oneToMany/manyToOne: fk references ref.
//	               oneToMany: ref on owner (users.id), fk on target (addresses.user_id)
//	               manyToOne: fk on owner (addresses.user_id), ref on target (users.id)
//	               r.ownerCols()/r.targetCols() give the two sides in pair order.
//	r.secondary    *table of the association table (manyToMany only; goType == nil
//	               for an Association, a mapped table's *table otherwise)
//	r.secOwner     []fkPair: ref on owner (posts.id), fk on secondary (post_keywords.post_id)
//	r.secTarget    []fkPair: ref on target (keywords.id), fk on secondary (post_keywords.keyword_id)
//	r.orderBy      []orderCol{col (of target, or of secondary when secondary), desc}
//	r.back         the back-populating *relationship on the target, or nil
//	r.cascade      cascadeFlags: has(cascadeSaveUpdate|cascadeMerge|cascadeDelete|
//	               cascadeDeleteOrphan|cascadeExpunge|cascadeRefresh); default save-update, merge
//	r.lazy         loadStrategy: loadLazy (default) | loadRaise | loadSelectIn | loadJoined |
//	               loadDynamic | loadNoLoad
//
// Accessors read and write the field of an object (a field.Ptr to a C
// or P value) without reflection:
//
//	r.get(obj) field.Ptr          scalar: the *C, or nil
//	r.set(obj, val field.Ptr)     scalar: assign (nil clears)
//	r.items(obj) []field.Ptr      collection: a view of the []*C (do not modify)
//	r.setItems(obj, []field.Ptr)  collection: replace with a new []*C
//	r.add(obj, val)                    collection: append
//	r.remove(obj, val) bool            collection: remove the first occurrence
//	r.related(obj) []field.Ptr    either kind: the related objects (fresh slice)
//	r.loaded(obj) bool                 collection: the field is non-nil (Load sets [] when empty)
//
// Values of key columns are read with schema.Column.key (normalised,
// comparable, false for NULL) and written with schema.Column.set.

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Rel is a relationship from the entity P to the entity C: a [Many], [One]
// or [ManyToMany] field of P's table struct, or an alias's copy of one.
// Functions that take any relationship, such as [WithParent] and the
// loader options, take a Rel[P, C], so a relationship is only ever used
// with its own types.
type Rel[P, C any] interface {
	relRef() *relRef
	relTypes(*P, *C)
}

// Many is a one-to-many relationship field of P's table struct: the C rows
// whose foreign key refers to P. It binds to the field of the same name in
// P, which must be []*C.
//
//	type UserTable struct {
//		quarry.Entity[User]
//		ID        quarry.Column[int64] `quarry:"id,pk"`
//		Addresses quarry.Many[User, Address] `quarry:"order=id,back=User,cascade=all,delete-orphan"`
//	}
//
// Tag options (all optional): fk=column (the foreign-key column(s) on C,
// separated by |, when more than one could link the tables),
// order=col [desc]|col (order of the collection; col may be qualified,
// table.col, and on a [ManyToMany] name a column of the association
// table), back=Field (the relationship on C's table struct that mirrors
// this one), cascade=save-update,merge,delete,
// delete-orphan,expunge,refresh-expire,all,none, lazy=select|raise|selectin|
// joined|dynamic|noload (the default loading strategy), field=Name (the
// struct field, when it differs), passive_updates=false, and the flags
// post_update, single_parent and viewonly.
//
// passive_updates=false: when the key the foreign key refers to changes,
// the flush itself updates the referring rows, after the parent's UPDATE,
// instead of relying on the schema's ON UPDATE CASCADE; the default,
// passive_updates=true, sends nothing for them and only updates the
// referring objects the Session holds (see the README's "Changing a
// primary key").
//
// post_update writes the foreign key with a second UPDATE after the rows'
// INSERTs, and sets it to NULL before their DELETEs, so rows that refer
// to each other can be flushed; the column must be NULL-able.
//
// viewonly makes the relationship read-only, as SQLAlchemy's
// viewonly=True: it loads, joins and filters, but the flush never writes
// through it and it cascades nothing.
//
// The foreign key may reference a UNIQUE column instead of the primary
// key (fk=users.name); a column that is neither is a mapping error.
//
// single_parent says a C belongs to at most one P at a time through this
// relationship, as SQLAlchemy's single_parent=True: a flush that finds
// one C held by two P objects of the Session fails naming both, and
// writes nothing. Only with it may a many-to-one [One] or a [ManyToMany]
// take delete-orphan (Configure reports an [ErrMapping] otherwise):
//
//	Pref quarry.One[User, Pref] `quarry:"cascade=all,delete-orphan,single_parent"`
//
// A C that loses its one parent (the field set to nil or to another C,
// removed from the collection, or its parent deleted) is then deleted at
// the flush, its association rows first.
type Many[P, C any] struct{ relField }

// One is a scalar relationship field of P's table struct: many-to-one when
// the foreign key is on P (Address.User), one-to-one when it is on C. It
// binds to the field of the same name in P, which must be *C. It takes the
// tag options of [Many]; passive_updates=false on a many-to-one updates
// the referring rows (P's) when C's referenced key changes.
type One[P, C any] struct{ relField }

// ManyToMany is a many-to-many relationship field of P's table struct,
// through an association table named by the secondary tag option (see
// [Association]). It binds to the field of the same name in P, which must
// be []*C.
//
//	Keywords quarry.ManyToMany[BlogPost, Keyword] `quarry:"secondary=post_keywords,back=Posts"`
//
// For a self-referential many-to-many, fk=column names the association
// column that refers to P. The other options are those of [Many];
// order=table.col may name a column of the association table.
//
// The association table may be a mapped entity with columns of its own
// (SQLAlchemy's association object, reached through a [Many] and a
// [One]); the ManyToMany over it must then be viewonly, or configuration
// fails, since both would write its rows.
//
// passive_updates=false updates the association rows when the key of P or
// C changes (otherwise give the association columns OnUpdate("cascade")).
type ManyToMany[P, C any] struct{ relField }

// relField is the one-pointer layout shared by the relationship field
// types, so an alias can re-point any of them without knowing P and C.
type relField struct{ ref *relRef }

func (f relField) relRef() *relRef { return f.ref }

func (f relField) joinSpec() *joinSpec {
	if f.ref == nil {
		return &joinSpec{}
	}
	return &joinSpec{rel: f.ref, target: f.ref.target}
}

func (Many[P, C]) relTypes(*P, *C)       {}
func (One[P, C]) relTypes(*P, *C)        {}
func (ManyToMany[P, C]) relTypes(*P, *C) {}

// secondaryBase is the association table of a many-to-many as a plain
// FROM item, nil for the other directions.
func (r *relationship) secondaryBase() *source {
	if r.secondary == nil {
		return nil
	}
	return r.secondary.base
}

// relationship is the mapping of one relationship field; see the top of
// this file for what the Session may rely on.
type relationship struct {
	schema.Relationship
	// owner, target, secondary and back are the mappers of Owner,
	// Target, Secondary and Back, linked when configure resolves them.
	owner     *table
	target    *table
	secondary *table
	back      *relationship

	// base is the node of the field on the table struct itself.
	base *relRef
}

// tableOf is the table, among r's owner, target and association table,
// whose schema is t.
func (r *relationship) tableOf(t *schema.Table) *table {
	for _, m := range [...]*table{r.owner, r.target, r.secondary} {
		if m.is(t) {
			return m
		}
	}
	return nil
}

// remove takes the first occurrence of val out of a collection.
func (r *relationship) remove(obj, val field.Ptr) bool {
	cur := r.Items(obj)
	i := slices.Index(cur, val)
	if i < 0 {
		return false
	}
	r.SetItems(obj, slices.Delete(slices.Clone(cur), i, i+1))
	return true
}

// related returns the objects the field of obj refers to, whatever its
// kind.
func (r *relationship) related(obj field.Ptr) []field.Ptr {
	if r.Scalar {
		if p := r.Get(obj); p != nil {
			return []field.Ptr{p}
		}
		return nil
	}
	return slices.Clone(r.Items(obj))
}

// loaded reports whether the collection field of obj holds a (possibly
// empty) loaded list rather than nil.
func (r *relationship) loaded(obj field.Ptr) bool {
	if r.Scalar {
		return r.Get(obj) != nil
	}
	return !r.IsNil(obj)
}

// ownerCols and targetCols return the key columns of each side, in pair
// order (for many-to-many: the referenced columns of each side).
func (r *relationship) ownerCols() []*schema.Column {
	switch r.Dir {
	case schema.DirOneToMany:
		return pairCols(r.Pairs, false)
	case schema.DirManyToOne:
		return pairCols(r.Pairs, true)
	case schema.DirManyToMany:
		return pairCols(r.SecOwner, false)
	}
	return nil
}

func (r *relationship) targetCols() []*schema.Column {
	switch r.Dir {
	case schema.DirOneToMany:
		return pairCols(r.Pairs, true)
	case schema.DirManyToOne:
		return pairCols(r.Pairs, false)
	case schema.DirManyToMany:
		return pairCols(r.SecTarget, false)
	}
	return nil
}

// pairCols lists the foreign-key (fk) or referenced columns of pairs.
func pairCols(pairs []schema.KeyPair, fk bool) []*schema.Column {
	out := make([]*schema.Column, len(pairs))
	for i, p := range pairs {
		out[i] = p.Ref
		if fk {
			out[i] = p.FK
		}
	}
	return out
}

// relRef is a relationship as used in a statement: from a parent source
// (the table or an alias of it), optionally to a given target (OfType) and
// with extra ON criteria (And).
type relRef struct {
	rel    *relationship
	parent *source
	target *source
	extra  []node
	// sec, when set, is the alias a many-to-many joins its association
	// table as (a joined eager load orders by its columns); a fresh
	// anonymous alias otherwise.
	sec *source
}

func (r *relRef) with(f func(*relRef)) *relRef {
	cp := *r
	cp.extra = slices.Clip(cp.extra)
	f(&cp)
	return &cp
}

// render is never reached from the typed API (a relationship is not a
// Condition); it fails loudly should an internal path ever render one.
func (r *relRef) render(b *builder) {
	b.Failf("relationship %s used as a condition: give it to Join, or use Any, Has, Eq or Contains", r.rel)
}

func (r *relRef) sources(func(*source)) {}

func (r *relRef) parentSource() *source { return r.parent }

func (r *relRef) targetSource() *source {
	if r.target != nil {
		return r.target
	}
	if r.rel.target == nil {
		return nil
	}
	return r.rel.target.base
}

// resolve configures the mappings so that the relationship's target and
// columns are known.
func (r *relRef) resolve() error {
	if err := configureTables(r.rel.owner); err != nil {
		return err
	}
	if r.rel.target == nil {
		return fmt.Errorf("quarry: relationship %s is not configured", r.rel)
	}
	if r.target != nil && r.target.table == nil && r.target.sub == nil {
		return errZeroSource
	}
	return nil
}

// joinSteps returns the JOIN steps from parent to target: one for a
// one-to-many or many-to-one relationship, two through an anonymous alias
// of the association table for a many-to-many one. The ON clauses read
// "referenced = referencing", as SQLAlchemy renders them; And criteria go
// on the last step.
func (r *relRef) joinSteps(parent, target *source) []joinStep {
	rel := r.rel
	var steps []joinStep
	if rel.Dir == schema.DirManyToMany {
		sec := r.sec
		if sec == nil {
			sec = &source{table: rel.secondary, anonymous: true}
		}
		steps = []joinStep{
			{target: sec, on: pairsOn(rel.SecOwner, parent, sec)},
			{target: target, on: pairsOn(rel.SecTarget, target, sec)},
		}
	} else {
		refSrc, fkSrc := parent, target
		if rel.Dir == schema.DirManyToOne {
			refSrc, fkSrc = target, parent
		}
		steps = []joinStep{{target: target, on: pairsOn(rel.Pairs, refSrc, fkSrc)}}
	}
	if len(r.extra) > 0 {
		last := &steps[len(steps)-1]
		last.on = &boolNode{op: " AND ", items: append([]node{last.on}, r.extra...)}
	}
	return steps
}

// pairsOn renders ref = fk for each pair, joined with AND.
func pairsOn(pairs []schema.KeyPair, refSrc, fkSrc *source) node {
	items := pairConds(pairs, refSrc, fkSrc)
	if len(items) == 1 {
		return items[0]
	}
	return &boolNode{op: " AND ", items: items}
}

// newRelationship binds one relationship field of the table struct of
// owner: it checks the types and the entity field and parses the tag.
// What depends on other tables waits for configure.
func newRelationship[P, C any](owner *table, f reflect.StructField, kind schema.RelKind) (*relationship, error) {
	pt, ct := reflect.TypeFor[P](), reflect.TypeFor[C]()
	where := fmt.Sprintf("%v.%s", owner.StructType, f.Name)
	decl := fmt.Sprintf("%s[%v, %v]", kind, pt, ct)
	if pt != owner.GoType {
		return nil, mappingErrorf("%s is %s but the table struct maps %v: declare it as %s[%v, %v]", where, decl, owner.GoType, kind, owner.GoType, ct)
	}
	if ct.Kind() != reflect.Struct {
		return nil, mappingErrorf("%s: %v is not a struct", where, ct)
	}
	r := &relationship{owner: owner, Relationship: schema.Relationship{
		Owner: &owner.Table, Name: f.Name, Field: f.Name, Kind: kind, Scalar: kind == schema.KindOne, TargetType: ct,
		Cascade: schema.CascadeSaveUpdate | schema.CascadeMerge,
	}}
	if err := schema.ParseRelTag(&r.Relationship, f.Tag.Get("quarry")); err != nil {
		return nil, mappingErrorf("%s: %v", where, err)
	}
	want := reflect.TypeFor[[]*C]()
	if r.Scalar {
		want = reflect.TypeFor[*C]()
	}
	sf, ok := owner.GoType.FieldByName(r.Field)
	if !ok || len(sf.Index) != 1 {
		return nil, mappingErrorf("%s: struct %v has no field %s: add `%s %v` (or name the field with field=)", where, owner.GoType, r.Field, r.Field, want)
	}
	if sf.Type != want {
		return nil, mappingErrorf("%s is %s, so %v.%s must be %v, not %v", where, decl, owner.GoType, r.Field, want, sf.Type)
	}
	if kind == schema.KindManyToMany && r.SecondaryName == "" {
		return nil, mappingErrorf("%s: a ManyToMany needs secondary=<association table>", where)
	}
	if kind != schema.KindManyToMany && r.SecondaryName != "" {
		return nil, mappingErrorf("%s: secondary= is only for ManyToMany", where)
	}
	r.Offset = sf.Offset
	if r.Scalar {
		ref := field.RefAt[C](sf.Offset)
		r.Get, r.Set = ref.Get, ref.Set
	} else {
		l := field.ListAt[C](sf.Offset)
		r.Items, r.SetItems, r.IsNil, r.SetNil, r.Add = l.Items, l.SetItems, l.IsNil, l.SetNil, l.Add
	}
	r.base = &relRef{rel: r, parent: owner.base}
	return r, nil // registered by TryTable once the whole table is bound
}

// rebindRel returns the function that re-points a relationship field of
// a copied table struct at an alias.
func rebindRel(r *relationship) func(field.Ptr, *source) {
	return func(ptr field.Ptr, src *source) {
		field.As[relField](ptr).ref = &relRef{rel: r, parent: src}
	}
}

func (m *Many[P, C]) bindRelation(owner *table, f reflect.StructField) (*relationship, func(field.Ptr, *source), error) {
	r, err := newRelationship[P, C](owner, f, schema.KindMany)
	if err != nil {
		return nil, nil, err
	}
	m.ref = r.base
	return r, rebindRel(r), nil
}

func (m *One[P, C]) bindRelation(owner *table, f reflect.StructField) (*relationship, func(field.Ptr, *source), error) {
	r, err := newRelationship[P, C](owner, f, schema.KindOne)
	if err != nil {
		return nil, nil, err
	}
	m.ref = r.base
	return r, rebindRel(r), nil
}

func (m *ManyToMany[P, C]) bindRelation(owner *table, f reflect.StructField) (*relationship, func(field.Ptr, *source), error) {
	r, err := newRelationship[P, C](owner, f, schema.KindManyToMany)
	if err != nil {
		return nil, nil, err
	}
	m.ref = r.base
	return r, rebindRel(r), nil
}

// OfType returns the relationship with its target replaced by an alias
// of C (or C over a subquery), for joins: Join(Users.Addresses.OfType(a1)).
// Only a Source[C] is accepted, so an alias of another entity does not
// compile.
func (m Many[P, C]) OfType(target Source[C]) Many[P, C] {
	return Many[P, C]{relField{ofType(m.ref, target)}}
}

// OfType is [Many.OfType] for a scalar relationship.
func (m One[P, C]) OfType(target Source[C]) One[P, C] {
	return One[P, C]{relField{ofType(m.ref, target)}}
}

// OfType is [Many.OfType] for a many-to-many relationship.
func (m ManyToMany[P, C]) OfType(target Source[C]) ManyToMany[P, C] {
	return ManyToMany[P, C]{relField{ofType(m.ref, target)}}
}

func ofType[C any](r *relRef, target Source[C]) *relRef {
	if r == nil {
		return nil
	}
	var src *source
	if target != nil {
		src = target.source()
	}
	if src == nil {
		// A zero table struct: resolve reports it when the join renders.
		src = &source{}
	}
	return r.with(func(c *relRef) { c.target = src })
}

// And returns the relationship with extra conditions added to the ON
// clause of joins along it: Join(Users.Addresses.And(Addresses.EmailAddress.Eq(x))).
func (m Many[P, C]) And(conds ...Condition) Many[P, C] {
	return Many[P, C]{relField{andRel(m.ref, conds)}}
}

// And is [Many.And] for a scalar relationship.
func (m One[P, C]) And(conds ...Condition) One[P, C] {
	return One[P, C]{relField{andRel(m.ref, conds)}}
}

// And is [Many.And] for a many-to-many relationship.
func (m ManyToMany[P, C]) And(conds ...Condition) ManyToMany[P, C] {
	return ManyToMany[P, C]{relField{andRel(m.ref, conds)}}
}

func andRel(r *relRef, conds []Condition) *relRef {
	if r == nil {
		return nil
	}
	return r.with(func(c *relRef) {
		for _, cond := range conds {
			c.extra = append(c.extra, nodeOf(cond))
		}
	})
}
