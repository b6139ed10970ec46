package quarry

import (
	"fmt"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
)

// linkColumns matches the columns a FromStatement query reads with the
// columns of the statement it runs: by position when a TextClause lists
// its Columns, by name otherwise. It returns, for each column the query
// reads, its position in the rows, or nil when they already line up.
func linkColumns(st statementNode, rows dialect.Rows) (perm []int, width int, err error) {
	c, ok := st.(*selectCore)
	if !ok || c.from == nil || len(c.items) == 0 {
		return nil, 0, nil
	}
	text, isText := c.from.(*TextClause)
	if !isText {
		return nil, 0, nil
	}
	perm = make([]int, len(c.items))
	if len(text.cols) > 0 {
		for i, it := range c.items {
			perm[i] = -1
			for j, tc := range text.cols {
				if sameColumn(it, tc) {
					perm[i] = j
					break
				}
			}
			if perm[i] < 0 {
				return nil, 0, fmt.Errorf("quarry: FromStatement: the text statement's Columns do not include %s", describeNode(it))
			}
		}
		return perm, len(text.cols), nil
	}
	names := rows.Columns()
	for i, it := range c.items {
		perm[i] = -1
		want := outputNames([]node{it})[0]
		for j, n := range names {
			if strings.EqualFold(n, want) {
				perm[i] = j
				break
			}
		}
		if perm[i] < 0 {
			return nil, 0, fmt.Errorf("quarry: FromStatement: the text statement has no column named %q (it has %s); list them with Columns", want, strings.Join(names, ", "))
		}
	}
	return perm, len(names), nil
}

func sameColumn(a, b node) bool {
	x, ok1 := unlabel(a).(*colRef)
	y, ok2 := unlabel(b).(*colRef)
	if ok1 && ok2 {
		return x.info == y.info
	}
	return a == b
}

func describeNode(n node) string {
	if c, ok := unlabel(n).(*colRef); ok {
		return c.info.String()
	}
	return "an expression"
}

// remapReader scans the rows' columns into the positions the inner reader
// expects, discarding the columns it does not read.
type remapReader[T any] struct {
	inner   rowReader[T]
	perm    []int
	width   int
	natural []any
	discard []any
}

func (r *remapReader[T]) prepare(dst []any) []any {
	r.natural = r.inner.prepare(r.natural[:0])
	width := r.width
	for len(r.discard) < width {
		r.discard = append(r.discard, new(any))
	}
	start := len(dst)
	dst = append(dst, r.discard[:width]...)
	for i, p := range r.perm {
		dst[start+p] = r.natural[i]
	}
	return dst
}

func (r *remapReader[T]) finish(rc *readCtx) (T, error) { return r.inner.finish(rc) }
