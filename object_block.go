package quarry

import (
	"weak"

	"github.com/quarry-orm/quarry/internal/field"
)

// maxObjBlock is the most objects an objBlock allocates together.
const maxObjBlock = 64

// objBlock hands out the new objects a reader hydrates, allocated in
// blocks that double up to maxObjBlock, so that reading n rows costs
// about n/64 allocations instead of n. A block lives as long as any of
// its objects: a program that keeps one object of a large result keeps
// the memory of at most 63 others.
type objBlock[E any] struct {
	free []E
	base *E
	size int
	// alive is a weak pointer to the current block, made the first time
	// a Session asks for it (detached.go): one for all its objects.
	alive weak.Pointer[byte]
}

// next returns a new zero object.
func (b *objBlock[E]) next() *E {
	if len(b.free) == 0 {
		b.size = min(max(2*b.size, 1), maxObjBlock)
		b.free = make([]E, b.size)
		b.base = &b.free[0]
		b.alive = weak.Pointer[byte]{}
	}
	p := &b.free[0]
	b.free = b.free[1:]
	return p
}

// weak returns the weak pointer that tells whether the block of the
// object next returned last is alive.
func (b *objBlock[E]) weak() weak.Pointer[byte] {
	if b.alive == (weak.Pointer[byte]{}) {
		b.alive = field.Weak(field.Of(b.base))
	}
	return b.alive
}
