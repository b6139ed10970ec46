package quarry

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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
		if key == "post_update" {
			// A flag, which may also follow the values of cascade=.
			inCascade = false
			switch v := strings.TrimSpace(val); {
			case !hasVal || v == "true":
				r.postUpdate = true
			case v == "false":
				r.postUpdate = false
			default:
				return fmt.Errorf("post_update=%q: want post_update, post_update=true or post_update=false", v)
			}
			continue
		}
		if key == "passive_updates" {
			inCascade = false
			switch v := strings.TrimSpace(val); v {
			case "true":
				r.activeUpdates = false
			case "false":
				r.activeUpdates = true
			default:
				return fmt.Errorf("passive_updates=%q: want passive_updates=true or passive_updates=false", v)
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
			return fmt.Errorf("relationship tag option %q needs a value (fk=, secondary=, order=, back=, cascade=, lazy=, field=, passive_updates=; post_update is the only flag)", key)
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
			return fmt.Errorf("unknown relationship tag option %q (want fk, secondary, order, back, cascade, lazy, field, post_update or passive_updates)", key)
		}
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
		if t.goType == nil && !t.configured {
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

func (r *relationship) configure(c *catalog) error {
	r.target, r.dir, r.pairs, r.secondary, r.secOwner, r.secTarget, r.orderBy = nil, 0, nil, nil, nil, nil, nil
	target := c.byType[r.targetType]
	if target == nil {
		return mappingErrorf("%s: %v is not mapped: map it with quarry.Table[%v, ...]", describeRel(r), r.targetType, r.targetType)
	}
	for _, name := range r.orderNames {
		col, dir, _ := strings.Cut(name, " ")
		c := target.byName[col]
		if c == nil {
			return mappingErrorf("%s: order=%s: table %q has no column %q (it has %s)", describeRel(r), name, target.name, col, columnNames(target))
		}
		dir = strings.ToLower(strings.TrimSpace(dir))
		if dir != "" && dir != "asc" && dir != "desc" {
			return mappingErrorf("%s: order=%s: want \"column\", \"column asc\" or \"column desc\"", describeRel(r), name)
		}
		r.orderBy = append(r.orderBy, orderCol{col: c, desc: dir == "desc"})
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
	if r.cascade.has(cascadeDeleteOrphan) && r.dir != oneToMany {
		return mappingErrorf("%s: cascade delete-orphan is only for one-to-many (or one-to-one) relationships, and this one is %s", describeRel(r), r.dir)
	}
	if r.postUpdate {
		if r.dir == manyToMany {
			return mappingErrorf("%s: post_update is for one-to-many and many-to-one relationships: a many-to-many's association rows are written after every INSERT already", describeRel(r))
		}
		for _, p := range r.pairs {
			if !p.fk.nullable || p.fk.pk {
				return mappingErrorf("%s: post_update writes %s as NULL first and sets it with an UPDATE, but it cannot be NULL: make the column a pointer (or sql.Null), or drop post_update", describeRel(r), p.fk)
			}
		}
	}
	r.target = target
	return nil
}

// fkColumns lists the columns of from whose foreign key references to,
// restricted to the names given with fk= when there are any.
func (r *relationship) fkColumns(from, to *table) []*columnInfo {
	var out []*columnInfo
	for _, c := range from.columns {
		if c.fk == nil || c.fk.target == nil || c.fk.target.table != to {
			continue
		}
		if len(r.fkNames) > 0 && !slices.ContainsFunc(r.fkNames, func(n string) bool {
			return n == c.name || n == from.name+"."+c.name
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
	var cols []*columnInfo
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
				describeRel(r), target, owner, describeFKs(toTarget), owner.goType, target.goType)
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
		hint := "add fk=" + target.name + "." + pkName(target) + " to the tag of the referencing column"
		if r.dir == oneToMany {
			hint = fmt.Sprintf("add a column to %v tagged fk=%s.%s", target.goType, owner.name, pkName(owner))
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
func (r *relationship) keyPairs(cols []*columnInfo, a, b *table) ([]fkPair, error) {
	pairs := make([]fkPair, len(cols))
	refs := map[*columnInfo]bool{}
	for i, c := range cols {
		pairs[i] = fkPair{ref: c.fk.target, fk: c}
		refs[c.fk.target] = true
	}
	if len(cols) == 1 {
		return pairs, nil
	}
	if len(cols) > len(compositeKey{}) {
		return nil, mappingErrorf("%s: foreign keys of more than %d columns are not supported (%s)", describeRel(r), len(compositeKey{}), describeFKs(cols))
	}
	ref := cols[0].fk.target.table
	composite := len(refs) == len(cols) && len(ref.pk) == len(cols)
	for _, c := range ref.pk {
		composite = composite && refs[c]
	}
	if composite {
		return pairs, nil
	}
	return nil, mappingErrorf("%s: several foreign keys link %v and %v (%s): name the one to use with `fk=<column>` in the tag",
		describeRel(r), a, b, describeFKs(cols))
}

func (r *relationship) configureSecondary(sec, target *table) error {
	if sec == nil {
		return mappingErrorf("%s: secondary=%q names no table: declare it with quarry.Association(%q, ...)", describeRel(r), r.secondaryName, r.secondaryName)
	}
	owner := r.owner
	all := func(to *table) []*columnInfo {
		var out []*columnInfo
		for _, c := range sec.columns {
			if c.fk != nil && c.fk.target != nil && c.fk.target.table == to {
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
				describeRel(r), sec.name, owner, describeFKs(targetSide))
		}
		targetSide = slices.DeleteFunc(targetSide, func(c *columnInfo) bool { return slices.Contains(ownerSide, c) })
	}
	switch {
	case len(ownerSide) == 0:
		return mappingErrorf("%s: the association table %q has no foreign key to %v: give it AssocColumn(\"...\", %q)", describeRel(r), sec.name, owner, owner.name+"."+pkName(owner))
	case len(targetSide) == 0:
		return mappingErrorf("%s: the association table %q has no foreign key to %v: give it AssocColumn(\"...\", %q)", describeRel(r), sec.name, target, target.name+"."+pkName(target))
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
			describeRel(r), r.backName, r.target.tblType, r.backName, has, r.target.tblType)
	}
	if partner.targetType != r.owner.goType {
		return mappingErrorf("%s: back=%s: %s relates %v to %v, not to %v", describeRel(r), r.backName, partner, partner.owner.goType, partner.targetType, r.owner.goType)
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

func describeFKs(cols []*columnInfo) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.String() + " -> " + c.fk.target.String()
	}
	return strings.Join(parts, ", ")
}

func pkName(t *table) string {
	if len(t.pk) > 0 {
		return t.pk[0].name
	}
	return "id"
}

func columnNames(t *table) string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}
