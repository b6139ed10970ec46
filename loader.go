package quarry

// loaderOption is a loader option after its types have been checked; the
// Session interprets it after the statement's rows are read.
type loaderOption interface {
	loaderKind() string
}

// Option is a loader option for statements whose rows read as T, such as
// SelectIn(Users.Addresses) for a statement of *User.
type Option[T any] interface {
	loader() loaderOption
	optionFor(*T)
}

// Options adds loader options (eager loading) to the statement.
func (q *Query[T]) Options(opts ...Option[T]) *Query[T] {
	return q.with(func(c *selectCore) {
		for _, o := range opts {
			c.opts = append(c.opts, o.loader())
		}
	})
}
