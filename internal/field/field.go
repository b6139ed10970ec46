// Package field is quarry's only use of package unsafe. It reads and
// writes the fields of mapped structs at offsets computed once, when a
// table is mapped, so that hydration, change detection and the flush need
// no reflection.
//
// A mapped object travels through the engine as a [Ptr], an untyped
// address; only the typed layer, which knows the Go type, turns it back
// into a *E with [As]. Everything else here is built from a Go type once
// and then called per row: [Equal], [Clone], [Key], [Ints].
package field

import (
	"reflect"
	"unsafe"
	"weak"
)

// Ptr is the address of a mapped object, or of one of its fields. It is
// what the engine keeps in identity maps and snapshots: comparable, usable
// as a map key, and seen by the garbage collector as a pointer.
type Ptr unsafe.Pointer

// Of returns the address p as a Ptr.
func Of[T any](p *T) Ptr { return Ptr(p) }

// As returns p as a *T. p must have come from Of[T] (or point at a field
// of type T).
func As[T any](p Ptr) *T { return (*T)(p) }

// At returns the address of the field off bytes into the object at p.
func At(p Ptr, off uintptr) Ptr { return Ptr(unsafe.Add(unsafe.Pointer(p), off)) }

// SizeOf returns the size of a T.
func SizeOf[T any]() uintptr { var z T; return unsafe.Sizeof(z) }

// NewBlock allocates n zero Ts in one block and returns the address of the
// first; the next one is SizeOf[T]() further on.
func NewBlock[T any](n int) Ptr { return Ptr(unsafe.SliceData(make([]T, n))) }

// Pointers returns the elements of s as Ptrs, sharing s's memory: a []*C
// and a []Ptr have the same layout.
func Pointers[C any](s []*C) []Ptr {
	return unsafe.Slice((*Ptr)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// OneAt returns the pointer-sized field at p (a *C field) as a one-element
// []Ptr, sharing its memory.
func OneAt(p Ptr) []Ptr { return unsafe.Slice((*Ptr)(p), 1) }

// Get returns the field of type T at p.
func Get[T any](p Ptr) T { return *(*T)(p) }

// Set stores v in the field of type T at p.
func Set[T any](p Ptr, v T) { *(*T)(p) = v }

// Accessors are the typed operations on a field of one Go type, built once
// per column type.
type Accessors struct {
	// Dest returns the field at p as a scan destination (a *T).
	Dest func(p Ptr) any
	// Value returns the field's value, boxed.
	Value func(p Ptr) any
	// Assign stores v in the field if v is a T, and reports whether it was.
	Assign func(dst Ptr, v any) bool
}

// AccessorsOf returns the Accessors of a field of type T.
func AccessorsOf[T any]() Accessors {
	return Accessors{
		Dest:   func(p Ptr) any { return (*T)(p) },
		Value:  func(p Ptr) any { return *(*T)(p) },
		Assign: func(dst Ptr, v any) bool { x, ok := v.(T); *(*T)(dst) = x; return ok },
	}
}

// PtrOf returns the address a pointer-shaped value holds: v is a *E, and T
// its static type. It reads the value rather than reflecting on it.
func PtrOf[T any](v T) Ptr { return *(*Ptr)(unsafe.Pointer(&v)) }

// FromPtr returns p as a value of the pointer type T (a *E).
func FromPtr[T any](p Ptr) T { return *(*T)(unsafe.Pointer(&p)) }

// Reflect returns the field of type t at p as an addressable
// reflect.Value, for the rare types the typed accessors do not cover.
func Reflect(t reflect.Type, p Ptr) reflect.Value { return reflect.NewAt(t, unsafe.Pointer(p)).Elem() }

// PointerTo returns p as an any holding a pointer to t (a *E for the
// mapped struct type E).
func PointerTo(t reflect.Type, p Ptr) any { return reflect.NewAt(t, unsafe.Pointer(p)).Interface() }

// OfValue returns the address a pointer reflect.Value holds.
func OfValue(v reflect.Value) Ptr { return Ptr(v.UnsafePointer()) }

// Addr returns p as a number, for range checks on addresses and for maps
// that must not keep the object alive.
func Addr(p Ptr) uintptr { return uintptr(p) }

// Weak returns a weak pointer to the object at p (or to the block
// holding it, when p is the address of a block's first element): it
// tells whether the object is still alive without keeping it so, and,
// unlike the address, never comes to stand for another object that
// reuses the memory.
func Weak(p Ptr) weak.Pointer[byte] { return weak.Make((*byte)(p)) }

// Allocator allocates values of one Go type for code that does not name
// the type: the entity constructor of a mapped table.
type Allocator struct {
	// New returns a new zero value.
	New func() Ptr
	// NewBlock allocates n zero values in one block and returns the
	// address of the first; the next one is Size further on.
	NewBlock func(n int) Ptr
	// Size is the size of one value.
	Size uintptr
}

// AllocatorOf returns the Allocator of T.
func AllocatorOf[T any]() Allocator {
	return Allocator{New: func() Ptr { return Of(new(T)) }, NewBlock: NewBlock[T], Size: SizeOf[T]()}
}
