package quarry

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/quarry-orm/quarry/internal/schema"
)

// cascadeFlags are the cascade options of a relationship, as SQLAlchemy
// names them. The Session acts on them.
type cascadeFlags uint8

const (
	cascadeSaveUpdate cascadeFlags = 1 << iota
	cascadeMerge
	cascadeExpunge
	cascadeRefresh
	cascadeDelete
	cascadeDeleteOrphan

	cascadeAll = cascadeSaveUpdate | cascadeMerge | cascadeRefresh | cascadeExpunge | cascadeDelete
)

func (c cascadeFlags) has(f cascadeFlags) bool { return c&f == f }

var cascadeNames = map[string]cascadeFlags{
	"save-update": cascadeSaveUpdate, "merge": cascadeMerge, "expunge": cascadeExpunge,
	"refresh-expire": cascadeRefresh, "delete": cascadeDelete, "delete-orphan": cascadeDeleteOrphan,
	"all": cascadeAll, "none": 0,
}

// loadStrategy is a relationship's default loading strategy; the loaders
// act on it.
type loadStrategy uint8

const (
	loadLazy     loadStrategy = iota // explicit Load only (SQLAlchemy's lazy="select")
	loadRaise                        // any load that was not eager fails loudly
	loadSelectIn                     // eager, SELECT ... WHERE fk IN (...)
	loadJoined                       // eager, LEFT OUTER JOIN
	loadDynamic                      // a query (Rel.Query), never loaded into the field
	loadNoLoad                       // never loaded
)

var loadNames = map[string]loadStrategy{
	"select": loadLazy, "lazy": loadLazy, "raise": loadRaise, "selectin": loadSelectIn,
	"joined": loadJoined, "dynamic": loadDynamic, "noload": loadNoLoad,
}

// relFlags are the boolean options of a relationship tag: the bare name
// sets one, name=true or name=false says which.
var relFlags = map[string]func(r *relationship, v bool){
	"post_update":   func(r *relationship, v bool) { r.postUpdate = v },
	"single_parent": func(r *relationship, v bool) { r.singleParent = v },
	"viewonly":      func(r *relationship, v bool) { r.viewOnly = v },
	// passive_updates=false: the flush updates the referring rows itself
	// when the key they refer to changes.
	"passive_updates": func(r *relationship, v bool) { r.activeUpdates = !v },
}

const relFlagNames = "post_update, single_parent, viewonly, passive_updates"

// parseRelTag reads the `quarry:"..."` tag of a relationship field. The
// values of cascade run on over commas (cascade=all,delete-orphan), as in
// SQLAlchemy's cascade="all, delete-orphan".
func parseRelTag(r *relationship, s string) error {
	inCascade, sawCascade := false, false
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		key, val, hasVal := strings.Cut(p, "=")
		key = strings.TrimSpace(key)
		if set, ok := relFlags[key]; ok {
			// A flag, not a cascade: it may sit among the cascade names
			// without ending them.
			switch v := strings.TrimSpace(val); {
			case !hasVal || v == "true":
				set(r, true)
			case v == "false":
				set(r, false)
			default:
				return fmt.Errorf("%s=%q: want %s, %s=true or %s=false", key, v, key, key, key)
			}
			continue
		}
		if !hasVal && inCascade {
			f, ok := cascadeNames[key]
			if !ok {
				return fmt.Errorf("unknown cascade %q: want save-update, merge, expunge, refresh-expire, delete, delete-orphan, all or none", key)
			}
			r.cascade |= f
			continue
		}
		inCascade = false
		if !hasVal {
			return fmt.Errorf("relationship tag option %q needs a value (fk=, secondary=, order=, back=, cascade=, lazy=, field=; the flags are %s)", key, relFlagNames)
		}
		val = strings.TrimSpace(val)
		switch key {
		case "fk":
			r.fkNames = splitList(val)
		case "secondary":
			r.secondaryName = val
		case "order":
			r.orderNames = splitList(val)
		case "back":
			r.backName = val
		case "field":
			r.field = val
		case "lazy":
			l, ok := loadNames[val]
			if !ok {
				return fmt.Errorf("lazy=%q: want select, raise, selectin, joined, dynamic or noload", val)
			}
			r.lazy = l
		case "cascade":
			if sawCascade {
				return fmt.Errorf("cascade given twice")
			}
			sawCascade, inCascade = true, true
			r.cascade = 0
			for _, name := range strings.FieldsFunc(val, func(c rune) bool { return c == '|' || c == ' ' || c == '+' }) {
				f, ok := cascadeNames[name]
				if !ok {
					return fmt.Errorf("unknown cascade %q: want save-update, merge, expunge, refresh-expire, delete, delete-orphan, all or none", name)
				}
				r.cascade |= f
			}
		default:
			return fmt.Errorf("unknown relationship tag option %q (want fk, secondary, order, back, cascade, lazy, field or a flag: %s)", key, relFlagNames)
		}
	}
	if r.viewOnly {
		// A read-only relationship writes nothing, so it cascades nothing
		// either (SQLAlchemy's viewonly=True).
		switch {
		case sawCascade && r.cascade != 0:
			return fmt.Errorf("viewonly with cascade=: a read-only relationship cascades nothing; drop the cascade")
		case r.postUpdate:
			return fmt.Errorf("viewonly with post_update: a read-only relationship writes no foreign key")
		case r.backName != "":
			return fmt.Errorf("viewonly with back=: a read-only relationship is not kept in step with another; drop back=")
		}
		r.cascade = 0
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

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
		if r.target == nil || r.backName == "" {
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
	if r.target == nil || r.viewOnly {
		return nil
	}
	for _, o := range c.rels {
		if o == r || o.target == nil || o.viewOnly {
			continue
		}
		m2m, direct := r, o
		if r.dir != manyToMany {
			if !o.resolved {
				continue // o is configured now too, and checks itself
			}
			m2m, direct = o, r
		}
		if m2m.dir != manyToMany || direct.dir == manyToMany || m2m.secondary.GoType == nil {
			continue
		}
		sec := m2m.secCols()
		for _, p := range direct.pairs {
			if slices.Contains(sec, p.fk) {
				return mappingErrorf("%s: the association table %q is mapped by %v, which %s also writes (%s): tag one of them viewonly (the many-to-many, to keep the association object's columns)",
					describeRel(m2m), m2m.secondary.Name, m2m.secondary.GoType, direct, p.fk)
			}
		}
	}
	return nil
}

func (r *relationship) configure(c *catalog) error {
	r.target, r.dir, r.pairs, r.secondary, r.secOwner, r.secTarget, r.orderBy = nil, 0, nil, nil, nil, nil, nil
	target := c.byType[r.targetType]
	if target == nil {
		return mappingErrorf("%s: %v is not mapped: map it with quarry.Table[%v, ...]", describeRel(r), r.targetType, r.targetType)
	}
	for _, name := range r.orderNames {
		oc, err := r.orderColumn(c, target, name)
		if err != nil {
			return err
		}
		r.orderBy = append(r.orderBy, oc)
	}
	var err error
	if r.kind == kindManyToMany {
		err = r.configureSecondary(c.byName[r.secondaryName], target)
	} else {
		err = r.configureDirect(target)
	}
	if err != nil {
		return err
	}
	if r.lazy == loadDynamic && r.scalar {
		return mappingErrorf("%s: lazy=dynamic is only for collections", describeRel(r))
	}
	if r.cascade.has(cascadeDeleteOrphan) && r.dir != oneToMany && !r.singleParent {
		// SQLAlchemy's rule: on the many side, delete-orphan only makes
		// sense when the target may have one parent at a time.
		return mappingErrorf("%s: for %s relationship %s, cascade delete-orphan is normally configured only on the one side of a one-to-many: to let one %v be referred to by a single %v at a time through %s, so that delete-orphan may act in this direction, add single_parent to the tag",
			describeRel(r), r.dir, r, target.GoType, r.owner.GoType, r)
	}
	if r.postUpdate {
		if r.dir == manyToMany {
			return mappingErrorf("%s: post_update is for one-to-many and many-to-one relationships: a many-to-many's association rows are written after every INSERT already", describeRel(r))
		}
		for _, p := range r.pairs {
			if !p.fk.Nullable || p.fk.PK {
				return mappingErrorf("%s: post_update writes %s as NULL first and sets it with an UPDATE, but it cannot be NULL: make the column a pointer (or sql.Null), or drop post_update", describeRel(r), p.fk)
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
func (r *relationship) orderColumn(c *catalog, target *table, name string) (orderCol, error) {
	col, dir, _ := strings.Cut(name, " ")
	dir = strings.ToLower(strings.TrimSpace(dir))
	if dir != "" && dir != "asc" && dir != "desc" {
		return orderCol{}, mappingErrorf("%s: order=%s: want \"column\", \"column asc\" or \"column desc\"", describeRel(r), name)
	}
	t, secondary := target, false
	if tname, cname, ok := strings.Cut(col, "."); ok {
		switch {
		case tname == target.Name:
		case r.kind == kindManyToMany && tname == r.secondaryName && c.byName[tname] != nil:
			t, secondary = c.byName[tname], true
		default:
			want := fmt.Sprintf("table %q", target.Name)
			if r.kind == kindManyToMany {
				want += fmt.Sprintf(" or the association table %q", r.secondaryName)
			}
			return orderCol{}, mappingErrorf("%s: order=%s: %q is not %s", describeRel(r), name, tname, want)
		}
		col = cname
	}
	ci := t.ByName[col]
	if ci == nil {
		return orderCol{}, mappingErrorf("%s: order=%s: table %q has no column %q (it has %s)", describeRel(r), name, t.Name, col, columnNames(t))
	}
	return orderCol{col: ci, desc: dir == "desc", secondary: secondary}, nil
}

// fkColumns lists the columns of from whose foreign key references to,
// restricted to the names given with fk= when there are any.
func (r *relationship) fkColumns(from, to *table) []*schema.Column {
	var out []*schema.Column
	for _, c := range from.Columns {
		if c.FK == nil || c.FK.Target == nil || !to.is(c.FK.Target.Table) {
			continue
		}
		if len(r.fkNames) > 0 && !slices.ContainsFunc(r.fkNames, func(n string) bool {
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
		if r.scalar {
			r.dir = manyToOne
		} else {
			r.dir = oneToMany
		}
	case !r.scalar:
		if len(toOwner) == 0 && len(toTarget) > 0 {
			return mappingErrorf("%s: a Many needs a foreign key on %v referring to %v, but the only one goes the other way (%s): declare the field as One[%v, %v]",
				describeRel(r), target, owner, describeFKs(toTarget), owner.GoType, target.GoType)
		}
		cols, r.dir = toOwner, oneToMany
	case len(toTarget) > 0 && len(toOwner) > 0:
		return mappingErrorf("%s: cannot tell which foreign key links %v and %v; candidates: %s: name one with `fk=<column>` in the tag",
			describeRel(r), owner, target, describeFKs(append(toTarget, toOwner...)))
	case len(toTarget) > 0:
		cols, r.dir = toTarget, manyToOne
	default:
		cols, r.dir = toOwner, oneToMany
	}
	if len(cols) == 0 {
		hint := "add fk=" + target.Name + "." + pkName(target) + " to the tag of the referencing column"
		if r.dir == oneToMany {
			hint = fmt.Sprintf("add a column to %v tagged fk=%s.%s", target.GoType, owner.Name, pkName(owner))
		}
		if len(r.fkNames) > 0 {
			hint = fmt.Sprintf("fk=%s names no foreign-key column between them", strings.Join(r.fkNames, "|"))
		}
		return mappingErrorf("%s: no foreign key links %v and %v: %s", describeRel(r), owner, target, hint)
	}
	pairs, err := r.keyPairs(cols, owner, target)
	if err != nil {
		return err
	}
	r.pairs = pairs
	return nil
}

// keyPairs turns foreign-key columns into pairs: one column, or several
// that together reference the whole primary key of one table (a composite
// foreign key). Anything else is ambiguous.
func (r *relationship) keyPairs(cols []*schema.Column, a, b *table) ([]fkPair, error) {
	// tableOf is a or b, whichever has the schema t.
	tableOf := func(t *schema.Table) *table {
		if a.is(t) {
			return a
		}
		return b
	}
	pairs := make([]fkPair, len(cols))
	refs := map[*schema.Column]bool{}
	for i, c := range cols {
		pairs[i] = fkPair{ref: c.FK.Target, fk: c}
		refs[c.FK.Target] = true
	}
	if len(cols) == 1 {
		if !isUniqueKey(tableOf(pairs[0].ref.Table), []*schema.Column{pairs[0].ref}) {
			return nil, mappingErrorf("%s: %s references %s, which is neither the primary key of %q nor unique: a relationship must reference a key (tag the column unique, or declare quarry.UniqueOn over it)",
				describeRel(r), cols[0], pairs[0].ref, pairs[0].ref.Table.Name)
		}
		return pairs, nil
	}
	if len(cols) > len(compositeKey{}) {
		return nil, mappingErrorf("%s: foreign keys of more than %d columns are not supported (%s)", describeRel(r), len(compositeKey{}), describeFKs(cols))
	}
	ref := tableOf(cols[0].FK.Target.Table)
	targets := make([]*schema.Column, len(pairs))
	for i, p := range pairs {
		targets[i] = p.ref
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
		return mappingErrorf("%s: secondary=%q names no table: declare it with quarry.Association(%q, ...)", describeRel(r), r.secondaryName, r.secondaryName)
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
		if len(r.fkNames) == 0 {
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
	if r.secOwner, err = r.keyPairs(ownerSide, sec, owner); err != nil {
		return err
	}
	if r.secTarget, err = r.keyPairs(targetSide, sec, target); err != nil {
		return err
	}
	r.secondary, r.dir = sec, manyToMany
	return nil
}

func (r *relationship) configureBack() error {
	var partner *relationship
	var names []string
	for _, rl := range r.target.relations {
		p, ok := rl.(*relationship)
		if !ok {
			continue
		}
		names = append(names, p.name)
		if p.name == r.backName {
			partner = p
		}
	}
	if partner == nil {
		has := "no relationships"
		if len(names) > 0 {
			has = "relationships " + strings.Join(names, ", ")
		}
		return mappingErrorf("%s: back=%s: %v has no relationship %s (it has %s): fix the name, or add the field to %v",
			describeRel(r), r.backName, r.target.StructType, r.backName, has, r.target.StructType)
	}
	if partner.targetType != r.owner.GoType {
		return mappingErrorf("%s: back=%s: %s relates %v to %v, not to %v", describeRel(r), r.backName, partner, partner.owner.GoType, partner.targetType, r.owner.GoType)
	}
	if partner.viewOnly {
		return mappingErrorf("%s: back=%s: %s is viewonly, and a read-only relationship is not kept in step with another: drop back=", describeRel(r), r.backName, partner)
	}
	if partner.backName != "" && partner.backName != r.name {
		return mappingErrorf("%s: back=%s, but %s says back=%s", describeRel(r), r.backName, partner, partner.backName)
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
	case a.dir == manyToMany && b.dir == manyToMany:
		return a.secondary == b.secondary && slices.Equal(a.secOwner, b.secTarget) && slices.Equal(a.secTarget, b.secOwner)
	case a.dir == oneToMany && b.dir == manyToOne, a.dir == manyToOne && b.dir == oneToMany:
		return slices.Equal(a.pairs, b.pairs)
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
