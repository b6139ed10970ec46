package quarry

import (
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Column is a typed column of a mapped table. Its comparison methods take
// only values and expressions of T, so Users.ID.Eq("x") does not compile.
// The zero Column is unusable; columns come from [Table] and [Aliased].
type Column[T any] struct {
	Expr[T]
}

// Name returns the column's name in its table.
func (c Column[T]) Name() string {
	if r, ok := c.n.(*colRef); ok {
		return r.info.Name
	}
	return ""
}

func (*Column[T]) valueType() reflect.Type { return reflect.TypeFor[T]() }

func (c *Column[T]) bindColumn(src *source, info *schema.Column) {
	c.n = &colRef{src: src, info: info}
}

// ops builds the per-column accessors that read and write the field of
// type T at a precomputed offset, so hydration and flush need no
// reflection.
func (*Column[T]) ops() schema.Ops {
	acc, ok := schema.CodecOps[T]()
	if !ok {
		acc = field.AccessorsOf[T]()
	}
	return schema.Ops{
		Dest:   acc.Dest,
		Value:  acc.Value,
		Equal:  schema.EqualOf[T](),
		Clone:  field.Clone[T](),
		Set:    acc.Assign,
		Key:    field.Key[T](schema.NormalizeKey),
		Holder: func() schema.Holder { return &schema.NullHolder[T]{} },
		GenKey: schema.KeyGenerator[T](),
		Check:  schema.CheckOf[T](),
	}
}
