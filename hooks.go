package quarry

import (
	"context"
	"fmt"

	"github.com/quarry-orm/quarry/internal/field"
)

// Lifecycle hooks are optional methods of an entity's pointer type,
// found once when the table is mapped (an interface check on *E) and
// called by the Session's flush, by [InsertStatement.Values] objects and
// when rows are read into new objects. See the README's "Lifecycle hooks"
// for their order relative to cascades and to the SQL.

// BeforeInserter is implemented by an entity whose BeforeInsert runs
// before the INSERT of each new object: in a flush, after the INSERTs of
// the tables it depends on (its parents' generated keys and its foreign
// keys are set) and before its own table's INSERTs; for
// [InsertStatement.Values], before the statement runs. What it changes
// in the object is written. An error aborts the flush (or the statement):
// nothing of it is written, the transaction is rolled back and the
// Session stays usable, as after any failed flush.
type BeforeInserter interface {
	BeforeInsert(ctx context.Context) error
}

// AfterInserter is implemented by an entity whose AfterInsert runs after
// the INSERT of each new object (generated keys and server defaults are
// read back by then), still inside the flush's transaction: an error
// aborts the flush and rolls it back. A successful AfterInsert does not
// mean the row is committed.
type AfterInserter interface {
	AfterInsert(ctx context.Context) error
}

// BeforeUpdater is implemented by an entity whose BeforeUpdate runs in a
// flush before the UPDATE of each persistent object that has changed
// columns (an unchanged object gets neither the hook nor an UPDATE).
// The columns it changes are written too: the changes are computed again
// after the hook. An error aborts the flush, as BeforeInsert's does.
type BeforeUpdater interface {
	BeforeUpdate(ctx context.Context) error
}

// AfterUpdater is implemented by an entity whose AfterUpdate runs in a
// flush after the UPDATE of each object, inside the transaction.
type AfterUpdater interface {
	AfterUpdate(ctx context.Context) error
}

// BeforeDeleter is implemented by an entity whose BeforeDelete runs in a
// flush before the DELETE of each object marked for deletion, including
// those a delete cascade or delete-orphan marked (cascades are decided
// before any hook runs). An error aborts the flush.
type BeforeDeleter interface {
	BeforeDelete(ctx context.Context) error
}

// AfterDeleter is implemented by an entity whose AfterDelete runs in a
// flush after the DELETE of each object, inside the transaction.
type AfterDeleter interface {
	AfterDelete(ctx context.Context) error
}

// AfterLoader is implemented by an entity whose AfterLoad runs once for
// each new object built from a row, when its columns are read (before
// eager loaders fill its relationships). A row that a Session's identity
// map resolves to an object it already holds does not run it again,
// even when the row refreshes an expired object. An error ends the read
// with that error.
type AfterLoader interface {
	AfterLoad(ctx context.Context) error
}

// hookFunc calls one hook of the object at p.
type hookFunc func(ctx context.Context, p field.Ptr) error

// entityHooks are the hooks *E implements, nil where it implements none.
type entityHooks struct {
	beforeInsert, afterInsert hookFunc
	beforeUpdate, afterUpdate hookFunc
	beforeDelete, afterDelete hookFunc
	afterLoad                 hookFunc
}

// hooksOf finds the hooks of *E, once, when E is mapped.
func hooksOf[E any]() entityHooks {
	var h entityHooks
	var probe any = (*E)(nil)
	if _, ok := probe.(BeforeInserter); ok {
		h.beforeInsert = func(ctx context.Context, p field.Ptr) error {
			return any(field.As[E](p)).(BeforeInserter).BeforeInsert(ctx)
		}
	}
	if _, ok := probe.(AfterInserter); ok {
		h.afterInsert = func(ctx context.Context, p field.Ptr) error {
			return any(field.As[E](p)).(AfterInserter).AfterInsert(ctx)
		}
	}
	if _, ok := probe.(BeforeUpdater); ok {
		h.beforeUpdate = func(ctx context.Context, p field.Ptr) error {
			return any(field.As[E](p)).(BeforeUpdater).BeforeUpdate(ctx)
		}
	}
	if _, ok := probe.(AfterUpdater); ok {
		h.afterUpdate = func(ctx context.Context, p field.Ptr) error {
			return any(field.As[E](p)).(AfterUpdater).AfterUpdate(ctx)
		}
	}
	if _, ok := probe.(BeforeDeleter); ok {
		h.beforeDelete = func(ctx context.Context, p field.Ptr) error {
			return any(field.As[E](p)).(BeforeDeleter).BeforeDelete(ctx)
		}
	}
	if _, ok := probe.(AfterDeleter); ok {
		h.afterDelete = func(ctx context.Context, p field.Ptr) error {
			return any(field.As[E](p)).(AfterDeleter).AfterDelete(ctx)
		}
	}
	if _, ok := probe.(AfterLoader); ok {
		h.afterLoad = func(ctx context.Context, p field.Ptr) error { return any(field.As[E](p)).(AfterLoader).AfterLoad(ctx) }
	}
	return h
}

// run calls hook on each object's state, stopping at the first error,
// which names the hook and the entity.
func runHook(ctx context.Context, t *table, name string, hook hookFunc, states []*objState) error {
	if hook == nil {
		return nil
	}
	for _, st := range states {
		if err := callHook(ctx, t, name, hook, st.obj); err != nil {
			return err
		}
	}
	return nil
}

// objHooks calls hook on each object, stopping at the first error.
func objHooks(ctx context.Context, t *table, name string, hook hookFunc, objs []field.Ptr) error {
	if hook == nil {
		return nil
	}
	for _, p := range objs {
		if err := callHook(ctx, t, name, hook, p); err != nil {
			return err
		}
	}
	return nil
}

// callHook calls hook on the object at p.
func callHook(ctx context.Context, t *table, name string, hook hookFunc, p field.Ptr) error {
	if err := hook(ctx, p); err != nil {
		return fmt.Errorf("quarry: %s of %v: %w", name, t.GoType, err)
	}
	return nil
}

// afterLoad runs the AfterLoad hook of an object just built from a row,
// keeping the first error for the Result.
func (rc *readCtx) afterLoad(t *table, p field.Ptr) {
	if t.hooks.afterLoad == nil || rc.hookErr != nil {
		return
	}
	ctx := rc.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	rc.hookErr = callHook(ctx, t, "AfterLoad", t.hooks.afterLoad, p)
}
