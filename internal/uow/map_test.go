package uow_test

import (
	"slices"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/uow"
)

func TestMapKeepsIntegerStringAndTableKeysApart(t *testing.T) {
	is := is.New(t)
	a, b := &schema.Table{Name: "a"}, &schema.Table{Name: "b"}
	var m uow.Map[string]
	keys := []uow.Key{{Table: a, N: 1}, {Table: b, N: 1}, {Table: a, S: "1"}, {Table: a, N: 1, S: "x"}, {Table: a}}
	for i, k := range keys {
		m.Put(k, string(rune('p'+i)))
	}
	is.Equal(m.Len(), len(keys))
	for i, k := range keys {
		v, ok := m.Get(k)
		is.True(ok)
		is.Equal(v, string(rune('p'+i)))
	}
	m.Delete(keys[0])
	_, ok := m.Get(keys[0])
	is.True(!ok)
	got := slices.Sorted(m.Values())
	is.Equal(got, []string{"q", "r", "s", "t"})
	m.Clear()
	is.Equal(m.Len(), 0)
}

func TestKeyCompareOrdersByIntegerThenString(t *testing.T) {
	is := is.New(t)
	keys := []uow.Key{{N: 2}, {N: 1, S: "b"}, {N: 1, S: "a"}, {N: -1}}
	slices.SortFunc(keys, uow.Key.Compare)
	is.Equal(keys, []uow.Key{{N: -1}, {N: 1, S: "a"}, {N: 1, S: "b"}, {N: 2}})
}
