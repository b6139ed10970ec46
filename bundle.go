package quarry

import (
	"fmt"

	"github.com/quarry-orm/quarry/internal/field"
)

// BundleField is one field of a [Bundle]: a selected expression and the
// field of the bundle's struct it is read into. Make one with [Field].
type BundleField struct {
	n    node
	addr field.Ptr // the field's address in the probe struct
	size uintptr
	dest func(fp field.Ptr) any
}

// Field links the field at dst, a pointer into the struct that the
// [Bundle] function is given, with the expression e of the same type:
// Field(&b.Name, Users.Name). A field of another type does not compile.
func Field[T any](dst *T, e Expression[T]) BundleField {
	return BundleField{
		n:    nodeOf(e),
		addr: field.Of(dst),
		size: field.SizeOf[T](),
		dest: field.AccessorsOf[T]().Dest,
	}
}

// BundleOf is a group of selected expressions read into one struct B per
// row (SQLAlchemy's Bundle): Select(bundle) reads B values, and
// Select2(bundle, Users) reads Row2[B, *User]. It is a [Selectable] of B.
// Build one with [Bundle].
type BundleOf[B any] struct {
	fields []bundleSlot
	nodes  []node
	err    error
}

type bundleSlot struct {
	offset uintptr
	dest   func(fp field.Ptr) any
}

// Bundle groups columns into a struct B. The function is called once, with
// a probe *B, to learn which field each expression goes into; after that
// every row is read straight into those fields at their offsets, with no
// reflection and no allocation of its own:
//
//	type UserInfo struct{ Name, Fullname string }
//	info := quarry.Bundle(func(b *UserInfo) []quarry.BundleField {
//		return []quarry.BundleField{
//			quarry.Field(&b.Name, Users.Name),
//			quarry.Field(&b.Fullname, Users.Fullname),
//		}
//	})
//	rows, err := quarry.Select(info).Where(Users.Name.Eq("ed")).All(ctx, db) // []UserInfo
//
// A field pointer that does not point into the probe (a field of another
// struct, or one reached through a pointer) makes the bundle an error when
// a statement using it is rendered.
func Bundle[B any](fields func(b *B) []BundleField) *BundleOf[B] {
	bd := &BundleOf[B]{}
	if fields == nil {
		bd.err = invalidArg("Bundle[%T]: nil field function", *new(B))
		return bd
	}
	probe := new(B)
	base, size := field.Addr(field.Of(probe)), field.SizeOf[B]()
	fs, err := probeFields(fields, probe)
	if err != nil {
		bd.err = invalidArg("Bundle[%T]: %v", *probe, err)
		return bd
	}
	for i, f := range fs {
		addr := field.Addr(f.addr)
		if f.dest == nil || addr < base || addr+f.size > base+size {
			bd.err = invalidArg("Bundle[%T]: field %d does not point into the struct given to the function", *probe, i+1)
			return bd
		}
		bd.fields = append(bd.fields, bundleSlot{offset: addr - base, dest: f.dest})
		bd.nodes = append(bd.nodes, f.n)
	}
	return bd
}

// probeFields calls the user's function, turning a panic (a nil pointer
// followed in the probe) into an error: builders never panic.
func probeFields[B any](fields func(*B) []BundleField, probe *B) (fs []BundleField, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the field function panicked: %v", r)
		}
	}()
	return fields(probe), nil
}

func (bd *BundleOf[B]) selectNodes() []node {
	if bd == nil {
		return []node{errNode{err: invalidArg("nil *BundleOf: make one with Bundle")}}
	}
	if bd.err != nil {
		return []node{errNode{err: bd.err}}
	}
	return bd.nodes
}

func (*BundleOf[B]) selectable(*B) {}

func (bd *BundleOf[B]) newReader() rowReader[B] {
	if bd == nil {
		// Never read: the statement fails to render (selectNodes).
		return &bundleReader[B]{}
	}
	return &bundleReader[B]{fields: bd.fields}
}

// bundleReader scans each column straight into its field of cur.
type bundleReader[B any] struct {
	fields []bundleSlot
	cur    B
}

func (r *bundleReader[B]) prepare(dst []any) []any {
	var zero B
	r.cur = zero
	p := field.Of(&r.cur)
	for _, f := range r.fields {
		dst = append(dst, f.dest(field.At(p, f.offset)))
	}
	return dst
}

func (r *bundleReader[B]) finish(*readCtx) (B, error) { return r.cur, nil }
