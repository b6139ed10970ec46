package quarry

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
)

// What a Session keeps per table it has used: the shared table meta, and
// the blocks its object states and snapshots are taken from.

func (s *Session) meta(t *table) *tableMeta { return s.sessionMeta(t).tableMeta }

func (s *Session) sessionMeta(t *table) *sessionMeta {
	if s.metaIndex != nil {
		if m := s.metaIndex[t]; m != nil {
			return m
		}
	} else {
		for _, m := range s.metas {
			if m.t == t {
				return m
			}
		}
	}
	m := &sessionMeta{tableMeta: metaOf(t)}
	s.metas = append(s.metas, m)
	switch {
	case s.metaIndex != nil:
		s.metaIndex[t] = m
	case len(s.metas) > scannedMetas:
		s.metaIndex = make(map[*table]*sessionMeta, 2*len(s.metas))
		for _, m := range s.metas {
			s.metaIndex[m.t] = m
		}
	}
	return m
}

// scannedMetas is how many tables a Session finds by scanning its list
// before it indexes them.
const scannedMetas = 8

// configureMetadata configures the Metadata of the tables the Session has
// used, each once, in order of first use, for Flush and Merge.
func (s *Session) configureMetadata() error {
	for i, m := range s.metas {
		md := m.t.md
		if md == nil || slices.ContainsFunc(s.metas[:i], func(o *sessionMeta) bool { return o.t.md == md }) {
			continue
		}
		if err := md.Configure(); err != nil {
			return err
		}
	}
	return nil
}

// sessionMeta is a table's meta with what one Session keeps per table:
// a block of E from which the snapshots of loaded rows are taken, so
// loading many rows costs one allocation per block rather than per row.
type sessionMeta struct {
	*tableMeta
	snaps field.Ptr
	free  int
	block int // size of the last block
}

// Blocks of object states and snapshots start small and double up to
// maxBlock, so that a Session of one object costs a few hundred bytes and
// a Session loading many rows still allocates once per maxBlock rows.
const (
	firstBlock = 1
	maxBlock   = 64
)

// nextBlock is the size of the block after one of size n.
func nextBlock(n int) int { return min(max(2*n, firstBlock), maxBlock) }

// loadSnapshot copies the columns of obj into a snapshot from the block.
func (m *sessionMeta) loadSnapshot(obj field.Ptr) field.Ptr {
	if m.free == 0 {
		m.block = nextBlock(m.block)
		m.snaps, m.free = m.t.newBlock(m.block), m.block
	}
	p := m.snaps
	m.free--
	if m.free > 0 {
		m.snaps = field.At(m.snaps, m.t.objSize)
	}
	m.copyColumns(p, obj)
	return p
}

// newState allocates object states in blocks: loading many rows then
// costs one allocation per block instead of one per row.
func (s *Session) newState(m *tableMeta, obj field.Ptr) *objState {
	if len(s.slab) == 0 {
		s.slabBlock = nextBlock(s.slabBlock)
		s.slab = make([]objState, s.slabBlock)
	}
	st := &s.slab[0]
	s.slab = s.slab[1:]
	st.m, st.obj = m, obj
	return st
}
