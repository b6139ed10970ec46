package quarry

import "context"

// Objects is a typed view of a Session for the objects of one entity,
// made by [For]: its methods take and return *E, so handing a Session an
// object of the wrong entity, or a value that is not an entity at all,
// is a compile error instead of an [ErrNotMapped] at run time.
//
//	users := quarry.For(s, Users)
//	err := users.Add(jack, wendy)
//	changed := users.Dirty() // []*User
//
// It holds no state of its own: every call goes to the Session, and the
// same rules apply (see [Session.Add], [Session.Delete] and the others).
type Objects[E any] struct {
	s *Session
}

// For returns the typed view of s for the entity of src (its table struct
// or an alias).
func For[E any](s *Session, src Source[E]) Objects[E] { return Objects[E]{s: s} }

// Add adds objects to the Session, as [Session.Add].
func (o Objects[E]) Add(objs ...*E) error { return AddAll(o.s, objs) }

// Delete marks objects for deletion at the next flush, as [Session.Delete].
func (o Objects[E]) Delete(objs ...*E) error { return o.s.Delete(anys(objs)...) }

// Expunge removes objects from the Session, as [Session.Expunge].
func (o Objects[E]) Expunge(objs ...*E) { o.s.Expunge(anys(objs)...) }

// Expire marks fields of obj (all of them with none named) to be
// reloaded, as [Session.Expire].
func (o Objects[E]) Expire(obj *E, fields ...string) error { return o.s.Expire(obj, fields...) }

// Refresh reloads obj from its row, as [Session.Refresh].
func (o Objects[E]) Refresh(ctx context.Context, obj *E) error { return o.s.Refresh(ctx, obj) }

// Contains reports whether obj is in the Session, as [Session.Contains].
func (o Objects[E]) Contains(obj *E) bool { return o.s.Contains(obj) }

// IsModified reports whether a flush would write obj, as
// [Session.IsModified].
func (o Objects[E]) IsModified(obj *E) bool { return o.s.IsModified(obj) }

// New returns the pending objects of E, in the order they were added.
func (o Objects[E]) New() []*E { return only[E](o.s.New()) }

// Dirty returns the modified persistent objects of E, in primary-key
// order.
func (o Objects[E]) Dirty() []*E { return only[E](o.s.Dirty()) }

// Deleted returns the objects of E marked for deletion and not yet
// flushed.
func (o Objects[E]) Deleted() []*E { return only[E](o.s.Deleted()) }

func anys[E any](objs []*E) []any {
	out := make([]any, len(objs))
	for i, p := range objs {
		out[i] = p
	}
	return out
}

func only[E any](objs []any) []*E {
	var out []*E
	for _, x := range objs {
		if p, ok := x.(*E); ok {
			out = append(out, p)
		}
	}
	return out
}
