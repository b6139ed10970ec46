package uow_test

import (
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/internal/uow"
)

func TestOrder(t *testing.T) {
	for _, tc := range []struct {
		name      string
		nodes     []string
		parents   map[string][]string
		want      []string
		wantCycle []string
	}{
		{"no links keeps the given order", []string{"c", "a", "b"}, nil, []string{"c", "a", "b"}, nil},
		{"parents first", []string{"child", "parent"}, map[string][]string{"child": {"parent"}}, []string{"parent", "child"}, nil},
		{"chain", []string{"a", "b", "c"}, map[string][]string{"a": {"b"}, "b": {"c"}}, []string{"c", "b", "a"}, nil},
		{"diamond in parent order", []string{"d", "b", "c", "a"}, map[string][]string{"d": {"c", "b"}, "b": {"a"}, "c": {"a"}}, []string{"a", "c", "b", "d"}, nil},
		{"cycle", []string{"x", "a", "b"}, map[string][]string{"a": {"b"}, "b": {"a"}}, nil, []string{"a", "b"}},
		{"self loop", []string{"a"}, map[string][]string{"a": {"a"}}, nil, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			order, cycle := uow.Order(tc.nodes, tc.parents)
			is.Equal(cycle, tc.wantCycle)
			if tc.wantCycle == nil {
				is.Equal(order, tc.want)
			}
		})
	}
}
