package quarry

// Primary keys made of foreign keys to new rows: an association object
// (SQLAlchemy's association object pattern) whose key is (order_id,
// item_id) has no key of its own until the order and the item are
// inserted and their generated keys copied into it. Such an object is
// not yet an identity: it is checked by the database's primary key when
// inserted, as a row whose key the database generates is.

import (
	"slices"

	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// keysFromNewParents returns the pending objects one of whose primary-key
// columns is a foreign key to be copied from a pending parent whose key
// the database has yet to generate, through a many-to-one field of the
// object or a collection of the parent.
func (u *unitOfWork) keysFromNewParents() map[field.Ptr]bool {
	var out map[field.Ptr]bool
	mark := func(obj field.Ptr) {
		if out == nil {
			out = map[field.Ptr]bool{}
		}
		out[obj] = true
	}
	inPK := func(cols []*schema.Column) bool {
		return slices.ContainsFunc(cols, func(c *schema.Column) bool { return c.PK })
	}
	for _, r := range u.rels {
		switch {
		case r.Dir == schema.DirManyToOne && inPK(r.ownerCols()):
			u.each(r.owner, func(c field.Ptr, status objStatus) {
				if q := r.Get(c); status == statusPending && q != nil && u.status(r.target, q) == statusPending && !keyKnown(u, r.target, q) {
					mark(c)
				}
			})
		case r.Dir == schema.DirOneToMany && inPK(r.targetCols()):
			u.each(r.owner, func(p field.Ptr, status objStatus) {
				if status != statusPending || keyKnown(u, r.owner, p) {
					return
				}
				for _, c := range r.members(p) {
					if c != nil && u.status(r.target, c) == statusPending {
						mark(c)
					}
				}
			})
		}
	}
	return out
}
