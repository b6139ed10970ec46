package field_test

import (
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/internal/field"
)

type payload struct {
	Tags  []string
	Attrs map[string]int
}

func TestEqualAndClone(t *testing.T) {
	s := "x"
	tests := []struct {
		name   string
		a, b   any // *T values of one type
		equal  bool
		equals func(a, b field.Ptr) bool
		clone  func(dst, src field.Ptr)
	}{
		{"int", ptr(1), ptr(1), true, field.Equal[int](), field.Clone[int]()},
		{"string differs", ptr("a"), ptr("b"), false, field.Equal[string](), field.Clone[string]()},
		{"nil vs value", ptr[*string](nil), ptr(&s), false, field.Equal[*string](), field.Clone[*string]()},
		{"nil vs empty bytes", ptr[[]byte](nil), ptr([]byte{}), false, field.Equal[[]byte](), field.Clone[[]byte]()},
		{"time instants", ptr(time.Unix(5, 0).UTC()), ptr(time.Unix(5, 0).Local()), true, field.Equal[time.Time](), field.Clone[time.Time]()},
		{"null", ptr(sql.Null[int64]{V: 1, Valid: true}), ptr(sql.Null[int64]{V: 1}), false, field.Equal[sql.Null[int64]](), field.Clone[sql.Null[int64]]()},
		{"deep", ptr(payload{Tags: []string{"a"}}), ptr(payload{Tags: []string{"a"}}), true, field.Equal[payload](), field.Clone[payload]()},
		{"deep differs", ptr(payload{Attrs: map[string]int{"a": 1}}), ptr(payload{Attrs: map[string]int{"a": 2}}), false, field.Equal[payload](), field.Clone[payload]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			a, b := addr(tt.a), addr(tt.b)
			is.Equal(tt.equals(a, b), tt.equal)
			is.True(tt.equals(a, a))
			// A clone compares equal to its source and shares no memory
			// with it: deep values are copied.
			cp := reflect.New(reflect.TypeOf(tt.a).Elem())
			dst := field.OfValue(cp)
			tt.clone(dst, a)
			is.True(tt.equals(dst, a))
			is.True(reflect.DeepEqual(cp.Interface(), tt.a))
		})
	}
}

func TestCloneSharesNothing(t *testing.T) {
	is := is.New(t)
	src := payload{Tags: []string{"a"}, Attrs: map[string]int{"k": 1}}
	var dst payload
	field.Clone[payload]()(field.Of(&dst), field.Of(&src))
	src.Tags[0], src.Attrs["k"] = "changed", 2
	is.Equal(dst.Tags[0], "a")
	is.Equal(dst.Attrs["k"], 1)
	is.True(!field.Equal[payload]()(field.Of(&dst), field.Of(&src)))
}

func TestKeyNormalises(t *testing.T) {
	is := is.New(t)
	id := int64(7)
	n32 := int32(7)
	none := func(v any) (any, bool) { return v, v != nil }
	k1, ok1 := field.Key[int64](none)(field.Of(&id))
	p := &n32
	k2, ok2 := field.Key[*int32](none)(field.Of(&p))
	is.True(ok1 && ok2)
	is.Equal(k1, k2) // int64 and *int32 keys of the same value match
	var nilPtr *int64
	_, ok := field.Key[*int64](none)(field.Of(&nilPtr))
	is.True(!ok) // NULL is no key
}

func TestInts(t *testing.T) {
	is := is.New(t)
	var u8 uint8
	get, set := field.Ints(reflect.Uint8)
	set(field.Of(&u8), 200)
	is.Equal(u8, uint8(200))
	is.Equal(get(field.Of(&u8)), int64(200))
	is.True(field.IsInt(reflect.Int32))
	is.True(!field.IsInt(reflect.Uintptr))
}

func TestRelationAccessors(t *testing.T) {
	is := is.New(t)
	type child struct{ N int }
	type parent struct {
		One  *child
		Many []*child
	}
	var p parent
	c1, c2 := &child{1}, &child{2}
	ref := field.RefAt[child](reflect.TypeFor[parent]().Field(0).Offset)
	ref.Set(field.Of(&p), field.Of(c1))
	is.Equal(p.One, c1)
	is.Equal(ref.Get(field.Of(&p)), field.Of(c1))
	l := field.ListAt[child](reflect.TypeFor[parent]().Field(1).Offset)
	is.True(l.IsNil(field.Of(&p)))
	l.Add(field.Of(&p), field.Of(c1))
	l.Add(field.Of(&p), field.Of(c2))
	is.Equal(l.Items(field.Of(&p)), []field.Ptr{field.Of(c1), field.Of(c2)})
	l.SetItems(field.Of(&p), []field.Ptr{field.Of(c2)})
	is.Equal(p.Many, []*child{c2})
	l.SetNil(field.Of(&p))
	is.True(p.Many == nil)
}

func ptr[T any](v T) *T { return &v }

// addr returns the address held by a *T boxed in an any.
func addr(v any) field.Ptr { return field.OfValue(reflect.ValueOf(v)) }
