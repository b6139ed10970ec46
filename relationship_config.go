package quarry

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/internal/schema"
)

// configureRelationships resolves the relationships not resolved yet
// against the mapped tables: target, direction, key columns, association
// table, order and back-populates, from resolve. Every mistake is
// reported at once. A relationship resolved by an earlier pass is never
// written again: statements read them without the lock, so a table mapped
// later (or a failed configure) must not change what they see.
func configureRelationships(c *catalog) error {
	var errs []error
	for _, t := range c.tables {
		if t.GoType == nil && !t.configured {
			if err := t.configureAssociation(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	var fresh []*relationship
	for _, r := range c.rels {
		if r.resolved {
			continue
		}
		fresh = append(fresh, r)
		if err := r.configure(c); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range fresh {
		r.back = nil
	}
	for _, r := range fresh {
		if r.target == nil || r.BackName == "" {
			continue
		}
		if err := r.configureBack(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range fresh {
		if err := r.checkOverlap(c); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, r := range fresh {
		r.resolved = true
	}
	for _, t := range c.tables {
		if !t.configured {
			t.configured = true
		}
	}
	return nil
}

// checkOverlap refuses a writable many-to-many whose association table is
// a mapped entity that another writable relationship also writes (the
// association object pattern): both would insert and delete the same
// rows, the many-to-many without the entity's other columns. One of them
// must be viewonly, as SQLAlchemy asks (its "relationship X will copy
// column ... which conflicts with relationship Y" warning).
func (r *relationship) checkOverlap(c *catalog) error {
	if r.target == nil || r.ViewOnly {
		return nil
	}
	for _, o := range c.rels {
		if o == r || o.target == nil || o.ViewOnly {
			continue
		}
		m2m, direct := r, o
		if r.Dir != schema.DirManyToMany {
			if !o.resolved {
				continue // o is configured now too, and checks itself
			}
			m2m, direct = o, r
		}
		if m2m.Dir != schema.DirManyToMany || direct.Dir == schema.DirManyToMany || m2m.secondary.GoType == nil {
			continue
		}
		sec := m2m.secCols()
		for _, p := range direct.Pairs {
			if slices.Contains(sec, p.FK) {
				return mappingErrorf("%s: the association table %q is mapped by %v, which %s also writes (%s): tag one of them viewonly (the many-to-many, to keep the association object's columns)",
					describeRel(m2m), m2m.secondary.Name, m2m.secondary.GoType, direct, p.FK)
			}
		}
	}
	return nil
}

func (r *relationship) configure(c *catalog) error {
	r.target, r.Dir, r.Pairs, r.secondary, r.SecOwner, r.SecTarget, r.OrderBy = nil, 0, nil, nil, nil, nil, nil
	target := c.byType[r.TargetType]
	if target == nil {
		return mappingErrorf("%s: %v is not mapped: map it with quarry.Table[%v, ...]", describeRel(r), r.TargetType, r.TargetType)
	}
	for _, name := range r.OrderNames {
		oc, err := r.orderColumn(c, target, name)
		if err != nil {
			return err
		}
		r.OrderBy = append(r.OrderBy, oc)
	}
	var err error
	if r.Kind == schema.KindManyToMany {
		err = r.configureSecondary(c.byName[r.SecondaryName], target)
	} else {
		err = r.configureDirect(target)
	}
	if err != nil {
		return err
	}
	if r.Lazy == schema.LoadDynamic && r.Scalar {
		return mappingErrorf("%s: lazy=dynamic is only for collections", describeRel(r))
	}
	if r.Cascade.Has(schema.CascadeDeleteOrphan) && r.Dir != schema.DirOneToMany && !r.SingleParent {
		// SQLAlchemy's rule: on the many side, delete-orphan only makes
		// sense when the target may have one parent at a time.
		return mappingErrorf("%s: for %s relationship %s, cascade delete-orphan is normally configured only on the one side of a one-to-many: to let one %v be referred to by a single %v at a time through %s, so that delete-orphan may act in this direction, add single_parent to the tag",
			describeRel(r), r.Dir, r, target.GoType, r.owner.GoType, r)
	}
	if r.PostUpdate {
		if r.Dir == schema.DirManyToMany {
			return mappingErrorf("%s: post_update is for one-to-many and many-to-one relationships: a many-to-many's association rows are written after every INSERT already", describeRel(r))
		}
		for _, p := range r.Pairs {
			if !p.FK.Nullable || p.FK.PK {
				return mappingErrorf("%s: post_update writes %s as NULL first and sets it with an UPDATE, but it cannot be NULL: make the column a pointer (or sql.Null), or drop post_update", describeRel(r), p.FK)
			}
		}
	}
	r.target = target
	return nil
}

// orderColumn resolves one term of order=: "column [asc|desc]" of the
// target, or "table.column [asc|desc]" naming the target or, for a
// many-to-many, its association table (SQLAlchemy's order_by on a
// secondary column).
func (r *relationship) orderColumn(c *catalog, target *table, name string) (schema.OrderCol, error) {
	col, dir, _ := strings.Cut(name, " ")
	dir = strings.ToLower(strings.TrimSpace(dir))
	if dir != "" && dir != "asc" && dir != "desc" {
		return schema.OrderCol{}, mappingErrorf("%s: order=%s: want \"column\", \"column asc\" or \"column desc\"", describeRel(r), name)
	}
	t, secondary := target, false
	if tname, cname, ok := strings.Cut(col, "."); ok {
		switch {
		case tname == target.Name:
		case r.Kind == schema.KindManyToMany && tname == r.SecondaryName && c.byName[tname] != nil:
			t, secondary = c.byName[tname], true
		default:
			want := fmt.Sprintf("table %q", target.Name)
			if r.Kind == schema.KindManyToMany {
				want += fmt.Sprintf(" or the association table %q", r.SecondaryName)
			}
			return schema.OrderCol{}, mappingErrorf("%s: order=%s: %q is not %s", describeRel(r), name, tname, want)
		}
		col = cname
	}
	ci := t.ByName[col]
	if ci == nil {
		return schema.OrderCol{}, mappingErrorf("%s: order=%s: table %q has no column %q (it has %s)", describeRel(r), name, t.Name, col, columnNames(t))
	}
	return schema.OrderCol{Col: ci, Desc: dir == "desc", Secondary: secondary}, nil
}

// fkColumns lists the columns of from whose foreign key references to,
// restricted to the names given with fk= when there are any.
func (r *relationship) fkColumns(from, to *table) []*schema.Column {
	var out []*schema.Column
	for _, c := range from.Columns {
		if c.FK == nil || c.FK.Target == nil || !to.is(c.FK.Target.Table) {
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

func (r *relationship) configureDirect(target *table) error {
	owner := r.owner
	toOwner := r.fkColumns(target, owner)  // the FK is on the target: one-to-many
	toTarget := r.fkColumns(owner, target) // the FK is on the owner: many-to-one
	var cols []*schema.Column
	switch {
	case owner == target:
		// Self-referential: the field's shape says which way it goes.
		cols = toOwner
		if r.Scalar {
			r.Dir = schema.DirManyToOne
		} else {
			r.Dir = schema.DirOneToMany
		}
	case !r.Scalar:
		if len(toOwner) == 0 && len(toTarget) > 0 {
			return mappingErrorf("%s: a Many needs a foreign key on %v referring to %v, but the only one goes the other way (%s): declare the field as One[%v, %v]",
				describeRel(r), target, owner, describeFKs(toTarget), owner.GoType, target.GoType)
		}
		cols, r.Dir = toOwner, schema.DirOneToMany
	case len(toTarget) > 0 && len(toOwner) > 0:
		return mappingErrorf("%s: cannot tell which foreign key links %v and %v; candidates: %s: name one with `fk=<column>` in the tag",
			describeRel(r), owner, target, describeFKs(append(toTarget, toOwner...)))
	case len(toTarget) > 0:
		cols, r.Dir = toTarget, schema.DirManyToOne
	default:
		cols, r.Dir = toOwner, schema.DirOneToMany
	}
	if len(cols) == 0 {
		hint := "add fk=" + target.Name + "." + pkName(target) + " to the tag of the referencing column"
		if r.Dir == schema.DirOneToMany {
			hint = fmt.Sprintf("add a column to %v tagged fk=%s.%s", target.GoType, owner.Name, pkName(owner))
		}
		if len(r.FKNames) > 0 {
			hint = fmt.Sprintf("fk=%s names no foreign-key column between them", strings.Join(r.FKNames, "|"))
		}
		return mappingErrorf("%s: no foreign key links %v and %v: %s", describeRel(r), owner, target, hint)
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
func (r *relationship) keyPairs(cols []*schema.Column, a, b *table) ([]schema.KeyPair, error) {
	// tableOf is a or b, whichever has the schema t.
	tableOf := func(t *schema.Table) *table {
		if a.is(t) {
			return a
		}
		return b
	}
	pairs := make([]schema.KeyPair, len(cols))
	refs := map[*schema.Column]bool{}
	for i, c := range cols {
		pairs[i] = schema.KeyPair{Ref: c.FK.Target, FK: c}
		refs[c.FK.Target] = true
	}
	if len(cols) == 1 {
		if !isUniqueKey(tableOf(pairs[0].Ref.Table), []*schema.Column{pairs[0].Ref}) {
			return nil, mappingErrorf("%s: %s references %s, which is neither the primary key of %q nor unique: a relationship must reference a key (tag the column unique, or declare quarry.UniqueOn over it)",
				describeRel(r), cols[0], pairs[0].Ref, pairs[0].Ref.Table.Name)
		}
		return pairs, nil
	}
	if len(cols) > len(compositeKey{}) {
		return nil, mappingErrorf("%s: foreign keys of more than %d columns are not supported (%s)", describeRel(r), len(compositeKey{}), describeFKs(cols))
	}
	ref := tableOf(cols[0].FK.Target.Table)
	targets := make([]*schema.Column, len(pairs))
	for i, p := range pairs {
		targets[i] = p.Ref
	}
	if len(refs) == len(cols) && !slices.ContainsFunc(targets, func(c *schema.Column) bool { return !ref.is(c.Table) }) && isUniqueKey(ref, targets) {
		return pairs, nil
	}
	return nil, mappingErrorf("%s: several foreign keys link %v and %v (%s): name the one to use with `fk=<column>` in the tag",
		describeRel(r), a, b, describeFKs(cols))
}

// isUniqueKey reports whether cols (distinct columns of t) identify one
// row of t: they are its primary key, one UNIQUE column, or the columns of
// a UNIQUE constraint or of a UNIQUE index without WHERE. A relationship
// over any other columns could relate one row to several parents.
func isUniqueKey(t *table, cols []*schema.Column) bool {
	same := func(set []*schema.Column) bool {
		return len(set) == len(cols) && !slices.ContainsFunc(cols, func(c *schema.Column) bool { return !slices.Contains(set, c) })
	}
	if same(t.PK) || len(cols) == 1 && cols[0].Unique {
		return true
	}
	colsOf := func(nodes []node) []*schema.Column {
		out := make([]*schema.Column, 0, len(nodes))
		for _, n := range nodes {
			if o, ok := n.(orderTerm); ok {
				n = o.n
			}
			c, ok := n.(*colRef)
			if !ok {
				return nil // an expression: not a key of columns
			}
			out = append(out, c.info)
		}
		return out
	}
	for _, k := range t.constraints {
		if k.check == nil && same(colsOf(k.cols)) {
			return true
		}
	}
	for _, ix := range t.indexes {
		if ix.unique && ix.where == nil && same(colsOf(ix.parts)) {
			return true
		}
	}
	return false
}

func (r *relationship) configureSecondary(sec, target *table) error {
	if sec == nil {
		return mappingErrorf("%s: secondary=%q names no table: declare it with quarry.Association(%q, ...)", describeRel(r), r.SecondaryName, r.SecondaryName)
	}
	owner := r.owner
	all := func(to *table) []*schema.Column {
		var out []*schema.Column
		for _, c := range sec.Columns {
			if c.FK != nil && c.FK.Target != nil && to.is(c.FK.Target.Table) {
				out = append(out, c)
			}
		}
		return out
	}
	ownerSide := r.fkColumns(sec, owner)
	targetSide := all(target)
	if owner == target {
		if len(r.FKNames) == 0 {
			return mappingErrorf("%s: the association table %q refers to %v twice (%s): name the column that refers to the owner with `fk=<column>`",
				describeRel(r), sec.Name, owner, describeFKs(targetSide))
		}
		targetSide = slices.DeleteFunc(targetSide, func(c *schema.Column) bool { return slices.Contains(ownerSide, c) })
	}
	switch {
	case len(ownerSide) == 0:
		return mappingErrorf("%s: the association table %q has no foreign key to %v: give it AssocColumn(\"...\", %q)", describeRel(r), sec.Name, owner, owner.Name+"."+pkName(owner))
	case len(targetSide) == 0:
		return mappingErrorf("%s: the association table %q has no foreign key to %v: give it AssocColumn(\"...\", %q)", describeRel(r), sec.Name, target, target.Name+"."+pkName(target))
	}
	var err error
	if r.SecOwner, err = r.keyPairs(ownerSide, sec, owner); err != nil {
		return err
	}
	if r.SecTarget, err = r.keyPairs(targetSide, sec, target); err != nil {
		return err
	}
	r.secondary, r.Dir = sec, schema.DirManyToMany
	return nil
}

func (r *relationship) configureBack() error {
	var partner *relationship
	var names []string
	for _, p := range r.target.relations {
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
		return mappingErrorf("%s: back=%s: %v has no relationship %s (it has %s): fix the name, or add the field to %v",
			describeRel(r), r.BackName, r.target.StructType, r.BackName, has, r.target.StructType)
	}
	if partner.TargetType != r.owner.GoType {
		return mappingErrorf("%s: back=%s: %s relates %v to %v, not to %v", describeRel(r), r.BackName, partner, partner.owner.GoType, partner.TargetType, r.owner.GoType)
	}
	if partner.ViewOnly {
		return mappingErrorf("%s: back=%s: %s is viewonly, and a read-only relationship is not kept in step with another: drop back=", describeRel(r), r.BackName, partner)
	}
	if partner.BackName != "" && partner.BackName != r.Name {
		return mappingErrorf("%s: back=%s, but %s says back=%s", describeRel(r), r.BackName, partner, partner.BackName)
	}
	if partner.target != nil && !mirrors(r, partner) {
		return mappingErrorf("%s and %s do not use the same foreign key, so they cannot back-populate each other: fix fk= on one of them", r, partner)
	}
	r.back = partner
	if partner.back == nil && !partner.resolved {
		partner.back = r // a resolved partner is published: left as it is
	}
	return nil
}

// mirrors reports whether two relationships are the two directions of one
// link.
func mirrors(a, b *relationship) bool {
	switch {
	case a.Dir == schema.DirManyToMany && b.Dir == schema.DirManyToMany:
		return a.secondary == b.secondary && slices.Equal(a.SecOwner, b.SecTarget) && slices.Equal(a.SecTarget, b.SecOwner)
	case a.Dir == schema.DirOneToMany && b.Dir == schema.DirManyToOne, a.Dir == schema.DirManyToOne && b.Dir == schema.DirOneToMany:
		return slices.Equal(a.Pairs, b.Pairs)
	}
	return false
}

func describeFKs(cols []*schema.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.String() + " -> " + c.FK.Target.String()
	}
	return strings.Join(parts, ", ")
}

func pkName(t *table) string {
	if len(t.PK) > 0 {
		return t.PK[0].Name
	}
	return "id"
}

func columnNames(t *table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}
