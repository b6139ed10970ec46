package schema

import (
	"fmt"
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
)

// Relationship is the mapping of one relationship field: its declared
// shape and tag options, and once configured the tables it links and the
// foreign keys it goes through. The root package's relationship embeds it
// and adds the mappers of those tables and its statement node.
type Relationship struct {
	Name       string // field of the table struct
	Field      string // field of the entity struct
	Kind       RelKind
	Scalar     bool // a One: the field holds one object, not a slice
	Owner      *Table
	TargetType reflect.Type
	Offset     uintptr // of the field in the owner's entity struct

	// tag options, kept to resolve at configure time
	FKNames       []string
	SecondaryName string
	OrderNames    []string
	BackName      string

	// resolved by Configure
	Target    *Table
	Secondary *Table // the association table of a many-to-many
	// Back is the relationship of Target that back-populates this one
	// (back=), nil without one.
	Back      *Relationship
	Dir       Direction
	Pairs     []KeyPair
	SecOwner  []KeyPair
	SecTarget []KeyPair
	OrderBy   []OrderCol

	Cascade Cascade
	Lazy    LoadStrategy
	// PostUpdate writes the relationship's foreign key with a second
	// UPDATE after the rows' INSERTs (and sets it to NULL before their
	// DELETEs), so rows that refer to each other can be flushed
	// (SQLAlchemy's post_update).
	PostUpdate bool
	// SingleParent (the single_parent flag) says a target belongs to
	// at most one owner at a time through this relationship: the flush
	// refuses a second one, and allows delete-orphan on a many-to-one
	// or many-to-many.
	SingleParent bool
	// ViewOnly makes the relationship read-only: loads, joins and
	// operators use it, the flush never writes through it and it
	// cascades nothing (SQLAlchemy's viewonly=True).
	ViewOnly bool
	// ActiveUpdates is passive_updates=false: when the key the foreign
	// key refers to changes, the flush updates the referring rows itself
	// instead of relying on ON UPDATE CASCADE.
	ActiveUpdates bool

	// accessors of the field, built from generic code at bind time
	Get      func(obj field.Ptr) field.Ptr
	Set      func(obj, val field.Ptr)
	Items    func(obj field.Ptr) []field.Ptr
	SetItems func(obj field.Ptr, vals []field.Ptr)
	Add      func(obj, val field.Ptr)
	// IsNil and SetNil test and make a collection "not loaded".
	IsNil  func(obj field.Ptr) bool
	SetNil func(obj field.Ptr)

	// Resolved says a Configure pass resolved the relationship; from then
	// on it is read without a lock and never written again.
	Resolved bool
}

// String names the relationship as its table struct's field.
func (r *Relationship) String() string { return fmt.Sprintf("%v.%s", r.Owner.StructType, r.Name) }

// Describe names the relationship and its declared type, for error
// messages.
func (r *Relationship) Describe() string {
	return fmt.Sprintf("%s (%s[%v, %v])", r, r.Kind, r.Owner.GoType, r.TargetType)
}

// SecondaryColumns lists the association columns of a many-to-many in row
// order: the owner's side, then the target's.
func (r *Relationship) SecondaryColumns() []*Column {
	cols := make([]*Column, 0, len(r.SecOwner)+len(r.SecTarget))
	for _, p := range r.SecOwner {
		cols = append(cols, p.FK)
	}
	for _, p := range r.SecTarget {
		cols = append(cols, p.FK)
	}
	return cols
}

// RelKind is the declared shape of a relationship field.
type RelKind uint8

// The kinds, one per relationship field type of the root package.
const (
	KindMany       RelKind = iota // quarry.Many: a collection of children
	KindOne                       // quarry.One: one related object
	KindManyToMany                // quarry.ManyToMany: through an association table
)

// String is the field type's name.
func (k RelKind) String() string {
	return [...]string{"Many", "One", "ManyToMany"}[k]
}

// Direction is where the foreign key lies, as SQLAlchemy names it.
type Direction uint8

// The directions; the zero Direction is a relationship not configured yet.
const (
	DirOneToMany  Direction = iota + 1 // the target's rows hold the foreign key
	DirManyToOne                       // the owner's rows hold the foreign key
	DirManyToMany                      // an association table holds both
)

// String is the direction as SQLAlchemy spells it.
func (d Direction) String() string {
	switch d {
	case DirOneToMany:
		return "one-to-many"
	case DirManyToOne:
		return "many-to-one"
	case DirManyToMany:
		return "many-to-many"
	}
	return "unresolved"
}

// KeyPair is one foreign-key column and the column it references.
type KeyPair struct{ Ref, FK *Column }

// OrderCol is one term of a relationship's order_by: a column of the
// target, or with secondary one of a many-to-many's association table.
type OrderCol struct {
	Col       *Column
	Desc      bool
	Secondary bool
}

// Cascade are the cascade options of a relationship, as SQLAlchemy
// names them. The Session acts on them.
type Cascade uint8

// The cascades, one bit each; CascadeAll is SQLAlchemy's "all".
const (
	CascadeSaveUpdate Cascade = 1 << iota
	CascadeMerge
	CascadeExpunge
	CascadeRefresh
	CascadeDelete
	CascadeDeleteOrphan

	CascadeAll = CascadeSaveUpdate | CascadeMerge | CascadeRefresh | CascadeExpunge | CascadeDelete
)

// Has reports whether c includes every cascade of f.
func (c Cascade) Has(f Cascade) bool { return c&f == f }

// cascadeNames are the cascade= values of a relationship tag.
var cascadeNames = map[string]Cascade{
	"save-update": CascadeSaveUpdate, "merge": CascadeMerge, "expunge": CascadeExpunge,
	"refresh-expire": CascadeRefresh, "delete": CascadeDelete, "delete-orphan": CascadeDeleteOrphan,
	"all": CascadeAll, "none": 0,
}

// LoadStrategy is a relationship's default loading strategy; the loaders
// act on it.
type LoadStrategy uint8

// The strategies, as a relationship tag's lazy= names them.
const (
	LoadLazy     LoadStrategy = iota // explicit Load only (SQLAlchemy's lazy="select")
	LoadRaise                        // any load that was not eager fails loudly
	LoadSelectIn                     // eager, SELECT ... WHERE fk IN (...)
	LoadJoined                       // eager, LEFT OUTER JOIN
	LoadDynamic                      // a query (Rel.Query), never loaded into the field
	LoadNoLoad                       // never loaded
)

// loadNames are the lazy= values of a relationship tag.
var loadNames = map[string]LoadStrategy{
	"select": LoadLazy, "lazy": LoadLazy, "raise": LoadRaise, "selectin": LoadSelectIn,
	"joined": LoadJoined, "dynamic": LoadDynamic, "noload": LoadNoLoad,
}
