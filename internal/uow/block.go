package uow

import (
	"weak"

	"github.com/quarry-orm/quarry/internal/field"
)

// Objects a read hydrates, their snapshots and their Session states are
// allocated in blocks that start at FirstBlock and double up to MaxBlock,
// so that a Session of one object costs a few hundred bytes and reading n
// rows costs about n/MaxBlock allocations instead of n. A block lives as
// long as any of its values: a program that keeps one object of a large
// result keeps the memory of at most MaxBlock-1 others.
const (
	FirstBlock = 1
	MaxBlock   = 64
)

// NextBlock is the size of the block after one of size n.
func NextBlock(n int) int { return min(max(2*n, FirstBlock), MaxBlock) }

// Objects hands out new zero E from blocks. The zero Objects is ready.
type Objects[E any] struct {
	free []E
	base *E
	size int
	// alive is a weak pointer to the current block, made the first time
	// it is asked for: one for all the block's objects.
	alive weak.Pointer[byte]
}

// Next returns a new zero E.
func (b *Objects[E]) Next() *E {
	if len(b.free) == 0 {
		b.size = NextBlock(b.size)
		b.free = make([]E, b.size)
		b.base = &b.free[0]
		b.alive = weak.Pointer[byte]{}
	}
	p := &b.free[0]
	b.free = b.free[1:]
	return p
}

// Weak returns the weak pointer that tells whether the block of the
// object Next returned last is alive.
func (b *Objects[E]) Weak() weak.Pointer[byte] {
	if b.alive == (weak.Pointer[byte]{}) {
		b.alive = field.Weak(field.Of(b.base))
	}
	return b.alive
}

// Snapshots hands out the snapshots of one table's objects from blocks.
// The zero Snapshots is ready.
type Snapshots struct {
	next  field.Ptr
	free  int
	block int // size of the last block
}

// Take copies the columns of obj, an object of m, into a snapshot from
// the current block.
func (b *Snapshots) Take(m *Table, obj field.Ptr) field.Ptr {
	if b.free == 0 {
		b.block = NextBlock(b.block)
		b.next, b.free = m.schema.Alloc.NewBlock(b.block), b.block
	}
	p := b.next
	b.free--
	if b.free > 0 {
		b.next = field.At(b.next, m.schema.Alloc.Size)
	}
	m.CopyColumns(p, obj)
	return p
}
