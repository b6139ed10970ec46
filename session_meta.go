package quarry

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/uow"
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
// the blocks the snapshots of its loaded rows are taken from.
type sessionMeta struct {
	*tableMeta
	snaps uow.Snapshots
}

// newState allocates object states in blocks: loading many rows then
// costs one allocation per block instead of one per row.
func (s *Session) newState(m *tableMeta, obj field.Ptr) *objState {
	if len(s.slab) == 0 {
		s.slabBlock = uow.NextBlock(s.slabBlock)
		s.slab = make([]objState, s.slabBlock)
	}
	st := &s.slab[0]
	s.slab = s.slab[1:]
	st.m, st.obj = m, obj
	return st
}
