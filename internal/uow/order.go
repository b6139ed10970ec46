package uow

import "slices"

// Order sorts nodes so that each comes after its parents: a depth-first
// topological sort that visits nodes, and each node's parents, in the
// order given, so the same input always gives the same order. When the
// parent links form a cycle, cycle is the first one met (each node a
// parent of the one before it, in visiting order) and order is not to be
// used.
func Order[N comparable](nodes []N, parents map[N][]N) (order, cycle []N) {
	const visiting, done = 1, 2
	state := make(map[N]uint8, len(nodes))
	order = make([]N, 0, len(nodes))
	var stack []N
	var visit func(n N)
	visit = func(n N) {
		switch state[n] {
		case visiting:
			if cycle == nil {
				cycle = slices.Clone(stack[slices.Index(stack, n):])
			}
			return
		case done:
			return
		}
		state[n] = visiting
		stack = append(stack, n)
		for _, p := range parents[n] {
			visit(p)
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		order = append(order, n)
	}
	for _, n := range nodes {
		visit(n)
	}
	return order, cycle
}
