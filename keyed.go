package quarry

import (
	"context"
	"reflect"
)

// Typed primary keys. A table struct that embeds Keyed[E, K] instead of
// Entity[E] says its primary key is a K, and reads objects by key through
// its own methods, whose parameters have the key columns' types:
// Users.Get(ctx, s, "1") and Users.Get(ctx, s, 1, 2) do not compile for a
// table keyed by int64. [Table] checks once that the declared types are
// the Go types of the primary-key columns, in order, so the key type
// cannot drift from the mapping.
//
// Why methods and not the package function Get: Go infers a type argument
// from an interface's methods and from the arguments alike, and requires
// the two to agree exactly. A plain table would have to declare its key
// type as any, and then Get(ctx, s, Users, id) with a typed id (int64)
// would not compile ("type int64 of id does not match inferred type any
// for K"). So Get keeps its untyped keys for plain Entity tables, and
// refuses Keyed tables, whose keys are typed here.

// UntypedKeySource is a [Source] of E whose table struct embeds a plain
// [Entity]: the one [Get] and [GetWith] take, with key values checked
// when they run. A table struct that embeds [Keyed], [Keyed2] or [Keyed3]
// is not one; its own Get and GetWith methods take typed keys. Generic
// code that calls Get names this constraint instead of Source[E].
type UntypedKeySource[E any] interface {
	Source[E]
	untypedKey()
}

func (Entity[E]) untypedKey() {}

// typedKeyUseTableGet is what the Keyed embeddings answer where Get asks
// for an untyped key, so that a Keyed table is not an UntypedKeySource
// and Get(ctx, s, Users, 1) on it fails to compile ("type *UserTable of
// Users does not match inferred type quarry.UntypedKeySource[User]").
type typedKeyUseTableGet struct{}

// keyedTable is implemented by the Keyed embeddings; Table reads the key
// types from it to check them against the primary-key columns.
type keyedTable interface {
	keyGoTypes() []reflect.Type
}

// Keyed is embedded, as the first field, in a table struct instead of
// [Entity] to give the table a typed primary key K, the Go type of its
// single primary-key column:
//
//	type UserTable struct {
//		quarry.Keyed[User, int64]
//		ID   quarry.Column[int64] `quarry:"id,pk"`
//		Name quarry.Column[string]
//	}
//
//	u, err := Users.Get(ctx, s, 7)
//
// Users.Get(ctx, s, "7") and Users.Get(ctx, s, 7, 8) do not compile, nor
// does the untyped quarry.Get(ctx, s, Users, 7). [Table] reports an
// [ErrMapping] error when K is not the primary-key column's type.
type Keyed[E, K any] struct {
	Entity[E]
}

func (Keyed[E, K]) untypedKey(typedKeyUseTableGet) {}

func (Keyed[E, K]) keyGoTypes() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[K]()}
}

// Get is [Get] for the table's typed key: the object of E whose primary
// key is pk, from the Session's identity map when it holds it, otherwise
// selected (after autoflush).
func (k Keyed[E, K]) Get(ctx context.Context, s *Session, pk K) (*E, error) {
	return getObj[E](ctx, s, k.src, []any{pk})
}

// GetWith is [GetWith] for the table's typed key: q selects the entity
// and carries loader Options, ForUpdate or PopulateExisting.
func (k Keyed[E, K]) GetWith(ctx context.Context, s *Session, q *Query[*E], pk K) (*E, error) {
	return getWith(ctx, s, q, []any{pk})
}

// Keyed2 is [Keyed] for a primary key of two columns, whose Go types are
// K1 and K2 in key-column order:
//
//	type ItemTable struct {
//		quarry.Keyed2[Item, int64, string]
//		OrderID quarry.Column[int64]  `quarry:"order_id,pk"`
//		SKU     quarry.Column[string] `quarry:"sku,pk"`
//	}
//
//	it, err := Items.Get(ctx, s, 7, "sku-1")
type Keyed2[E, K1, K2 any] struct {
	Entity[E]
}

func (Keyed2[E, K1, K2]) untypedKey(typedKeyUseTableGet) {}

func (Keyed2[E, K1, K2]) keyGoTypes() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[K1](), reflect.TypeFor[K2]()}
}

// Get is [Get] for the table's typed key (a, b).
func (k Keyed2[E, K1, K2]) Get(ctx context.Context, s *Session, a K1, b K2) (*E, error) {
	return getObj[E](ctx, s, k.src, []any{a, b})
}

// GetWith is [GetWith] for the table's typed key (a, b).
func (k Keyed2[E, K1, K2]) GetWith(ctx context.Context, s *Session, q *Query[*E], a K1, b K2) (*E, error) {
	return getWith(ctx, s, q, []any{a, b})
}

// Keyed3 is [Keyed] for a primary key of three columns, of Go types K1,
// K2 and K3 in key-column order.
type Keyed3[E, K1, K2, K3 any] struct {
	Entity[E]
}

func (Keyed3[E, K1, K2, K3]) untypedKey(typedKeyUseTableGet) {}

func (Keyed3[E, K1, K2, K3]) keyGoTypes() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[K1](), reflect.TypeFor[K2](), reflect.TypeFor[K3]()}
}

// Get is [Get] for the table's typed key (a, b, c).
func (k Keyed3[E, K1, K2, K3]) Get(ctx context.Context, s *Session, a K1, b K2, c K3) (*E, error) {
	return getObj[E](ctx, s, k.src, []any{a, b, c})
}

// GetWith is [GetWith] for the table's typed key (a, b, c).
func (k Keyed3[E, K1, K2, K3]) GetWith(ctx context.Context, s *Session, q *Query[*E], a K1, b K2, c K3) (*E, error) {
	return getWith(ctx, s, q, []any{a, b, c})
}

// checkKeyTypes reports a Keyed table whose key types are not the Go
// types of its primary-key columns, in order.
func (t *table) checkKeyTypes() error {
	if t.KeyTypes == nil {
		return nil
	}
	if len(t.KeyTypes) != len(t.PK) {
		return mappingErrorf("%v: the table struct %v declares a primary key of %d column(s) %v, but %d column(s) are tagged pk", t, t.StructType, len(t.KeyTypes), t.KeyTypes, len(t.PK))
	}
	for i, k := range t.KeyTypes {
		if c := t.PK[i]; c.GoType != k {
			return mappingErrorf("%v: the table struct %v declares primary-key part %d as %v, but its key column %q (field %s) is %v", t, t.StructType, i+1, k, c.Name, c.Field, c.GoType)
		}
	}
	return nil
}

// checkKeyArgs refuses, for a Keyed table, key values that are not of
// its declared key types: GetWith takes a statement, which does not
// carry the key type, so its untyped keys are checked when it runs.
func (t *table) checkKeyArgs(pk []any) error {
	if t.KeyTypes == nil || len(pk) != len(t.KeyTypes) {
		return nil // the count is checked with every key (keyOfArgs)
	}
	for i, v := range pk {
		if reflect.TypeOf(v) != t.KeyTypes[i] {
			return invalidArg("%v: primary-key part %d is a %v, given %v (%T): the table struct %v declares its key types", t, i+1, t.KeyTypes[i], v, v, t.StructType)
		}
	}
	return nil
}
