package uow

import "github.com/quarry-orm/quarry/internal/schema"

// Key names one row of one table: the identity under which a Session
// keeps the single object that stands for it. A single integer primary
// key is held in N and a single string key in S, so the common lookups
// hash two words and allocate nothing; other keys (composite, time,
// bytes) are encoded into S by [schema.AppendKeyPart], in an
// order-preserving form so that sorting by key sorts by primary key.
type Key struct {
	Table *schema.Table
	N     int64
	S     string
}

// Compare orders two keys of one table by primary key.
func (k Key) Compare(o Key) int {
	switch {
	case k.N < o.N:
		return -1
	case k.N > o.N:
		return 1
	case k.S < o.S:
		return -1
	case k.S > o.S:
		return 1
	}
	return 0
}
