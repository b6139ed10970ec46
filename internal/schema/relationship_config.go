package schema

import (
	"fmt"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/internal/errs"
)

// checkOverlap refuses a writable many-to-many whose association table is
// a mapped entity that another writable relationship also writes (the
// association object pattern): both would insert and delete the same
// rows, the many-to-many without the entity's other columns. One of them
// must be viewonly, as SQLAlchemy asks (its "relationship X will copy
// column ... which conflicts with relationship Y" warning).
func (r *Relationship) checkOverlap(c Catalog) error {
	if r.Target == nil || r.ViewOnly {
		return nil
	}
	for _, o := range c.Relationships {
		if o == r || o.Target == nil || o.ViewOnly {
			continue
		}
		m2m, direct := r, o
		if r.Dir != DirManyToMany {
			if !o.Resolved {
				continue // o is configured now too, and checks itself
			}
			m2m, direct = o, r
		}
		if m2m.Dir != DirManyToMany || direct.Dir == DirManyToMany || m2m.Secondary.GoType == nil {
			continue
		}
		sec := m2m.SecondaryColumns()
		for _, p := range direct.Pairs {
			if slices.Contains(sec, p.FK) {
				return errs.Mapping("%s: the association table %q is mapped by %v, which %s also writes (%s): tag one of them viewonly (the many-to-many, to keep the association object's columns)",
					m2m.Describe(), m2m.Secondary.Name, m2m.Secondary.GoType, direct, p.FK)
			}
		}
	}
	return nil
}

func (r *Relationship) configure(c Catalog) error {
	r.Target, r.Dir, r.Pairs, r.Secondary, r.SecOwner, r.SecTarget, r.OrderBy = nil, 0, nil, nil, nil, nil, nil
	target := c.ByType(r.TargetType)
	if target == nil {
		return errs.Mapping("%s: %v is not mapped: map it with quarry.Table[%v, ...]", r.Describe(), r.TargetType, r.TargetType)
	}
	for _, name := range r.OrderNames {
		oc, err := r.orderColumn(c, target, name)
		if err != nil {
			return err
		}
		r.OrderBy = append(r.OrderBy, oc)
	}
	var err error
	if r.Kind == KindManyToMany {
		err = r.configureSecondary(c.ByName(r.SecondaryName), target)
	} else {
		err = r.configureDirect(target)
	}
	if err != nil {
		return err
	}
	if r.Lazy == LoadDynamic && r.Scalar {
		return errs.Mapping("%s: lazy=dynamic is only for collections", r.Describe())
	}
	if r.Cascade.Has(CascadeDeleteOrphan) && r.Dir != DirOneToMany && !r.SingleParent {
		// SQLAlchemy's rule: on the many side, delete-orphan only makes
		// sense when the target may have one parent at a time.
		return errs.Mapping("%s: for %s relationship %s, cascade delete-orphan is normally configured only on the one side of a one-to-many: to let one %v be referred to by a single %v at a time through %s, so that delete-orphan may act in this direction, add single_parent to the tag",
			r.Describe(), r.Dir, r, target.GoType, r.Owner.GoType, r)
	}
	if r.PostUpdate {
		if r.Dir == DirManyToMany {
			return errs.Mapping("%s: post_update is for one-to-many and many-to-one relationships: a many-to-many's association rows are written after every INSERT already", r.Describe())
		}
		for _, p := range r.Pairs {
			if !p.FK.Nullable || p.FK.PK {
				return errs.Mapping("%s: post_update writes %s as NULL first and sets it with an UPDATE, but it cannot be NULL: make the column a pointer (or sql.Null), or drop post_update", r.Describe(), p.FK)
			}
		}
	}
	r.Target = target
	return nil
}

// orderColumn resolves one term of order=: "column [asc|desc]" of the
// target, or "table.column [asc|desc]" naming the target or, for a
// many-to-many, its association table (SQLAlchemy's order_by on a
// secondary column).
func (r *Relationship) orderColumn(c Catalog, target *Table, name string) (OrderCol, error) {
	col, dir, _ := strings.Cut(name, " ")
	dir = strings.ToLower(strings.TrimSpace(dir))
	if dir != "" && dir != "asc" && dir != "desc" {
		return OrderCol{}, errs.Mapping("%s: order=%s: want \"column\", \"column asc\" or \"column desc\"", r.Describe(), name)
	}
	t, secondary := target, false
	if tname, cname, ok := strings.Cut(col, "."); ok {
		switch {
		case tname == target.Name:
		case r.Kind == KindManyToMany && tname == r.SecondaryName && c.ByName(tname) != nil:
			t, secondary = c.ByName(tname), true
		default:
			want := fmt.Sprintf("table %q", target.Name)
			if r.Kind == KindManyToMany {
				want += fmt.Sprintf(" or the association table %q", r.SecondaryName)
			}
			return OrderCol{}, errs.Mapping("%s: order=%s: %q is not %s", r.Describe(), name, tname, want)
		}
		col = cname
	}
	ci := t.ByName[col]
	if ci == nil {
		return OrderCol{}, errs.Mapping("%s: order=%s: table %q has no column %q (it has %s)", r.Describe(), name, t.Name, col, columnNames(t))
	}
	return OrderCol{Col: ci, Desc: dir == "desc", Secondary: secondary}, nil
}

// fkColumns lists the columns of from whose foreign key references to,
// restricted to the names given with fk= when there are any.
func (r *Relationship) fkColumns(from, to *Table) []*Column {
	var out []*Column
	for _, c := range from.Columns {
		if c.FK == nil || c.FK.Target == nil || c.FK.Target.Table != to {
			continue
		}
		if len(r.FKNames) > 0 && !slices.ContainsFunc(r.FKNames, func(n string) bool {
			return n == c.Name || n == from.Name+"."+c.Name
		}) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (r *Relationship) configureDirect(target *Table) error {
	owner := r.Owner
	toOwner := r.fkColumns(target, owner)  // the FK is on the target: one-to-many
	toTarget := r.fkColumns(owner, target) // the FK is on the owner: many-to-one
	var cols []*Column
	switch {
	case owner == target:
		// Self-referential: the field's shape says which way it goes.
		cols = toOwner
		if r.Scalar {
			r.Dir = DirManyToOne
		} else {
			r.Dir = DirOneToMany
		}
	case !r.Scalar:
		if len(toOwner) == 0 && len(toTarget) > 0 {
			return errs.Mapping("%s: a Many needs a foreign key on %v referring to %v, but the only one goes the other way (%s): declare the field as One[%v, %v]",
				r.Describe(), target, owner, describeFKs(toTarget), owner.GoType, target.GoType)
		}
		cols, r.Dir = toOwner, DirOneToMany
	case len(toTarget) > 0 && len(toOwner) > 0:
		return errs.Mapping("%s: cannot tell which foreign key links %v and %v; candidates: %s: name one with `fk=<column>` in the tag",
			r.Describe(), owner, target, describeFKs(append(toTarget, toOwner...)))
	case len(toTarget) > 0:
		cols, r.Dir = toTarget, DirManyToOne
	default:
		cols, r.Dir = toOwner, DirOneToMany
	}
	if len(cols) == 0 {
		hint := "add fk=" + target.Name + "." + pkName(target) + " to the tag of the referencing column"
		if r.Dir == DirOneToMany {
			hint = fmt.Sprintf("add a column to %v tagged fk=%s.%s", target.GoType, owner.Name, pkName(owner))
		}
		if len(r.FKNames) > 0 {
			hint = fmt.Sprintf("fk=%s names no foreign-key column between them", strings.Join(r.FKNames, "|"))
		}
		return errs.Mapping("%s: no foreign key links %v and %v: %s", r.Describe(), owner, target, hint)
	}
	pairs, err := r.keyPairs(cols, owner, target)
	if err != nil {
		return err
	}
	r.Pairs = pairs
	return nil
}

// keyPairs turns foreign-key columns into pairs: one column, or several
// that together reference the whole primary key of one table (a composite
// foreign key). Anything else is ambiguous.
func (r *Relationship) keyPairs(cols []*Column, a, b *Table) ([]KeyPair, error) {
	pairs := make([]KeyPair, len(cols))
	refs := map[*Column]bool{}
	for i, c := range cols {
		pairs[i] = KeyPair{Ref: c.FK.Target, FK: c}
		refs[c.FK.Target] = true
	}
	if len(cols) == 1 {
		if !isUniqueKey(pairs[0].Ref.Table, []*Column{pairs[0].Ref}) {
			return nil, errs.Mapping("%s: %s references %s, which is neither the primary key of %q nor unique: a relationship must reference a key (tag the column unique, or declare quarry.UniqueOn over it)",
				r.Describe(), cols[0], pairs[0].Ref, pairs[0].Ref.Table.Name)
		}
		return pairs, nil
	}
	if len(cols) > MaxKeyColumns {
		return nil, errs.Mapping("%s: foreign keys of more than %d columns are not supported (%s)", r.Describe(), MaxKeyColumns, describeFKs(cols))
	}
	ref := cols[0].FK.Target.Table
	targets := make([]*Column, len(pairs))
	for i, p := range pairs {
		targets[i] = p.Ref
	}
	if len(refs) == len(cols) && !slices.ContainsFunc(targets, func(c *Column) bool { return ref != c.Table }) && isUniqueKey(ref, targets) {
		return pairs, nil
	}
	return nil, errs.Mapping("%s: several foreign keys link %v and %v (%s): name the one to use with `fk=<column>` in the tag",
		r.Describe(), a, b, describeFKs(cols))
}

// isUniqueKey reports whether cols (distinct columns of t) identify one
// row of t: they are its primary key, one UNIQUE column, or one of its
// UniqueKeys. A relationship over any other columns could relate one row
// to several parents.
func isUniqueKey(t *Table, cols []*Column) bool {
	same := func(set []*Column) bool {
		return len(set) == len(cols) && !slices.ContainsFunc(cols, func(c *Column) bool { return !slices.Contains(set, c) })
	}
	if same(t.PK) || len(cols) == 1 && cols[0].Unique {
		return true
	}
	return slices.ContainsFunc(t.UniqueKeys, same)
}

func (r *Relationship) configureSecondary(sec, target *Table) error {
	if sec == nil {
		return errs.Mapping("%s: secondary=%q names no table: declare it with quarry.Association(%q, ...)", r.Describe(), r.SecondaryName, r.SecondaryName)
	}
	owner := r.Owner
	all := func(to *Table) []*Column {
		var out []*Column
		for _, c := range sec.Columns {
			if c.FK != nil && c.FK.Target != nil && c.FK.Target.Table == to {
				out = append(out, c)
			}
		}
		return out
	}
	ownerSide := r.fkColumns(sec, owner)
	targetSide := all(target)
	if owner == target {
		if len(r.FKNames) == 0 {
			return errs.Mapping("%s: the association table %q refers to %v twice (%s): name the column that refers to the owner with `fk=<column>`",
				r.Describe(), sec.Name, owner, describeFKs(targetSide))
		}
		targetSide = slices.DeleteFunc(targetSide, func(c *Column) bool { return slices.Contains(ownerSide, c) })
	}
	switch {
	case len(ownerSide) == 0:
		return errs.Mapping("%s: the association table %q has no foreign key to %v: give it AssocColumn(\"...\", %q)", r.Describe(), sec.Name, owner, owner.Name+"."+pkName(owner))
	case len(targetSide) == 0:
		return errs.Mapping("%s: the association table %q has no foreign key to %v: give it AssocColumn(\"...\", %q)", r.Describe(), sec.Name, target, target.Name+"."+pkName(target))
	}
	var err error
	if r.SecOwner, err = r.keyPairs(ownerSide, sec, owner); err != nil {
		return err
	}
	if r.SecTarget, err = r.keyPairs(targetSide, sec, target); err != nil {
		return err
	}
	r.Secondary, r.Dir = sec, DirManyToMany
	return nil
}

func (r *Relationship) configureBack(c Catalog) error {
	var partner *Relationship
	var names []string
	for _, p := range c.Relationships {
		if p.Owner != r.Target {
			continue
		}
		names = append(names, p.Name)
		if p.Name == r.BackName {
			partner = p
		}
	}
	if partner == nil {
		has := "no relationships"
		if len(names) > 0 {
			has = "relationships " + strings.Join(names, ", ")
		}
		return errs.Mapping("%s: back=%s: %v has no relationship %s (it has %s): fix the name, or add the field to %v",
			r.Describe(), r.BackName, r.Target.StructType, r.BackName, has, r.Target.StructType)
	}
	if partner.TargetType != r.Owner.GoType {
		return errs.Mapping("%s: back=%s: %s relates %v to %v, not to %v", r.Describe(), r.BackName, partner, partner.Owner.GoType, partner.TargetType, r.Owner.GoType)
	}
	if partner.ViewOnly {
		return errs.Mapping("%s: back=%s: %s is viewonly, and a read-only relationship is not kept in step with another: drop back=", r.Describe(), r.BackName, partner)
	}
	if partner.BackName != "" && partner.BackName != r.Name {
		return errs.Mapping("%s: back=%s, but %s says back=%s", r.Describe(), r.BackName, partner, partner.BackName)
	}
	if partner.Target != nil && !mirrors(r, partner) {
		return errs.Mapping("%s and %s do not use the same foreign key, so they cannot back-populate each other: fix fk= on one of them", r, partner)
	}
	r.Back = partner
	if partner.Back == nil && !partner.Resolved {
		partner.Back = r // a resolved partner is published: left as it is
	}
	return nil
}

// mirrors reports whether two relationships are the two directions of one
// link.
func mirrors(a, b *Relationship) bool {
	switch {
	case a.Dir == DirManyToMany && b.Dir == DirManyToMany:
		return a.Secondary == b.Secondary && slices.Equal(a.SecOwner, b.SecTarget) && slices.Equal(a.SecTarget, b.SecOwner)
	case a.Dir == DirOneToMany && b.Dir == DirManyToOne, a.Dir == DirManyToOne && b.Dir == DirOneToMany:
		return slices.Equal(a.Pairs, b.Pairs)
	}
	return false
}

func describeFKs(cols []*Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.String() + " -> " + c.FK.Target.String()
	}
	return strings.Join(parts, ", ")
}

func pkName(t *Table) string {
	if len(t.PK) > 0 {
		return t.PK[0].Name
	}
	return "id"
}

func columnNames(t *Table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}
