package quarry

// Window functions: func(...) OVER (PARTITION BY ... ORDER BY ... frame).
// Over is a method of the expression a function call returns, so every
// aggregate ([Sum], [Count], ...) and [Func] call can be windowed:
//
//	quarry.Sum(Orders.Total).Over(quarry.PartitionBy(Orders.UserID).OrderBy(Orders.At))
//
// and the ranking functions ([RowNumber], [Rank], [DenseRank]) and value
// functions ([Lag], [Lead], [FirstValue], [LastValue]) must be.

// Window is the window of a window function: its partitions, order and
// frame. The zero Window is the whole result, OVER (). Methods return a
// new Window and never change the receiver.
type Window struct {
	partition []node
	order     []node
	frame     *frameSpec
}

// frameSpec is ROWS|RANGE BETWEEN start AND end.
type frameSpec struct {
	unit       string
	start, end FrameBound
}

// FrameBound is one end of a window frame, made by [UnboundedPreceding],
// [Preceding], [CurrentRow], [Following] or [UnboundedFollowing].
type FrameBound struct {
	kind   string // "UNBOUNDED PRECEDING", " PRECEDING", ...
	offset *int64
}

// UnboundedPreceding is the first row of the partition.
func UnboundedPreceding() FrameBound { return FrameBound{kind: "UNBOUNDED PRECEDING"} }

// UnboundedFollowing is the last row of the partition.
func UnboundedFollowing() FrameBound { return FrameBound{kind: "UNBOUNDED FOLLOWING"} }

// CurrentRow is the current row (with RANGE: its peers too).
func CurrentRow() FrameBound { return FrameBound{kind: "CURRENT ROW"} }

// Preceding is n rows before the current one (ROWS). n is bound as a
// parameter.
func Preceding(n int64) FrameBound { return FrameBound{kind: " PRECEDING", offset: &n} }

// Following is n rows after the current one (ROWS).
func Following(n int64) FrameBound { return FrameBound{kind: " FOLLOWING", offset: &n} }

func (f FrameBound) render(b *builder) {
	switch {
	case f.kind == "":
		b.Fail(invalidArg("zero FrameBound: use UnboundedPreceding, Preceding, CurrentRow, Following or UnboundedFollowing"))
	case f.offset != nil:
		if *f.offset < 0 {
			b.Fail(invalidArg("negative frame offset"))
		}
		b.Bind(*f.offset)
		b.Write(f.kind)
	default:
		b.Write(f.kind)
	}
}

// PartitionBy starts a window partitioned by the expressions.
func PartitionBy(exprs ...Grouping) Window { return Window{}.PartitionBy(exprs...) }

// PartitionBy adds PARTITION BY expressions.
func (w Window) PartitionBy(exprs ...Grouping) Window {
	p := make([]node, 0, len(w.partition)+len(exprs))
	p = append(p, w.partition...)
	w.partition = append(p, exprNodes(exprs)...)
	return w
}

// OrderBy adds ORDER BY terms to the window.
func (w Window) OrderBy(terms ...Orderable) Window {
	o := make([]node, 0, len(w.order)+len(terms))
	o = append(o, w.order...)
	for _, t := range terms {
		if t == nil {
			o = append(o, errNode{err: errNilOrder})
			continue
		}
		o = append(o, t.orderNode())
	}
	w.order = o
	return w
}

// Rows sets the frame ROWS BETWEEN start AND end: running totals are
// Rows(UnboundedPreceding(), CurrentRow()).
func (w Window) Rows(start, end FrameBound) Window {
	w.frame = &frameSpec{unit: "ROWS", start: start, end: end}
	return w
}

// Range sets the frame RANGE BETWEEN start AND end, where the current
// row's peers (rows equal in the window's ORDER BY) are one step. Only
// the unbounded and current-row bounds are portable.
func (w Window) Range(start, end FrameBound) Window {
	w.frame = &frameSpec{unit: "RANGE", start: start, end: end}
	return w
}

// overNode is fn OVER (window).
type overNode struct {
	fn node
	w  Window
}

func (n *overNode) render(b *builder) {
	n.fn.render(b)
	b.Write(" OVER (")
	sep := ""
	if len(n.w.partition) > 0 {
		renderList(b, "PARTITION BY ", n.w.partition)
		sep = " "
	}
	if len(n.w.order) > 0 {
		b.Write(sep)
		renderOrderList(b, "ORDER BY ", n.w.order)
		sep = " "
	}
	if f := n.w.frame; f != nil {
		b.Write(sep)
		b.Write(f.unit)
		b.Write(" BETWEEN ")
		f.start.render(b)
		b.Write(" AND ")
		f.end.render(b)
	}
	b.WriteChar(')')
}

func (n *overNode) sources(fn func(*source)) {
	n.fn.sources(fn)
	for _, p := range n.w.partition {
		p.sources(fn)
	}
	for _, o := range n.w.order {
		o.sources(fn)
	}
}

// windowOnlyNode is a call of a function that exists only as a window
// function (row_number()): rendered without Over, it is an error.
type windowOnlyNode struct{ fn *funcNode }

func (n windowOnlyNode) render(b *builder) {
	b.Failf("%s() is a window function: add .Over(...)", n.fn.name)
}

func (n windowOnlyNode) sources(fn func(*source)) { n.fn.sources(fn) }

// Over makes the function call e a window function over w: sum(x) OVER
// (PARTITION BY ... ORDER BY ...). e must be a function call (an
// aggregate, [Func], [RowNumber] ...); Over on anything else, or twice,
// is an error when the statement is rendered. The result keeps e's type.
func (e Expr[T]) Over(w Window) Expr[T] {
	switch n := e.exprNode().(type) {
	case *funcNode:
		return wrap[T](&overNode{fn: n, w: w})
	case windowOnlyNode:
		return wrap[T](&overNode{fn: n.fn, w: w})
	case errNode:
		return e
	}
	return wrap[T](errNode{err: invalidArg("Over applies to a function call (an aggregate, Func, RowNumber ...), not to this expression")})
}

func windowOnly[T any](name string, args ...node) Expr[T] {
	return wrap[T](windowOnlyNode{fn: &funcNode{name: name, args: args}})
}

// RowNumber is row_number(): the number of the row in its partition,
// from 1. It needs [Expr.Over].
func RowNumber() Expr[int64] { return windowOnly[int64]("row_number") }

// Rank is rank(): the row's rank in its partition, with gaps after ties.
// It needs [Expr.Over].
func Rank() Expr[int64] { return windowOnly[int64]("rank") }

// DenseRank is dense_rank(): the rank without gaps. It needs
// [Expr.Over].
func DenseRank() Expr[int64] { return windowOnly[int64]("dense_rank") }

// Lag is lag(e, offset): e of the row offset rows before the current one
// in the partition, NULL where there is none, hence *T. The offset is
// bound as a parameter. It needs [Expr.Over].
func Lag[T any](e Expression[T], offset int64) Expr[*T] {
	return windowOnly[*T]("lag", nodeOf(e), valueOf(offset))
}

// Lead is lead(e, offset): e of the row offset rows after the current
// one, NULL where there is none. It needs [Expr.Over].
func Lead[T any](e Expression[T], offset int64) Expr[*T] {
	return windowOnly[*T]("lead", nodeOf(e), valueOf(offset))
}

// FirstValue is first_value(e): e of the first row of the frame. It
// needs [Expr.Over].
func FirstValue[T any](e Expression[T]) Expr[T] { return windowOnly[T]("first_value", nodeOf(e)) }

// LastValue is last_value(e): e of the last row of the frame (with the
// default frame, the current row's last peer: give a frame to mean the
// partition). It needs [Expr.Over].
func LastValue[T any](e Expression[T]) Expr[T] { return windowOnly[T]("last_value", nodeOf(e)) }
