package schema

import (
	"fmt"
	"strings"
)

// relFlags are the boolean options of a relationship tag: the bare name
// sets one, name=true or name=false says which.
var relFlags = map[string]func(r *Relationship, v bool){
	"post_update":   func(r *Relationship, v bool) { r.PostUpdate = v },
	"single_parent": func(r *Relationship, v bool) { r.SingleParent = v },
	"viewonly":      func(r *Relationship, v bool) { r.ViewOnly = v },
	// passive_updates=false: the flush updates the referring rows itself
	// when the key they refer to changes.
	"passive_updates": func(r *Relationship, v bool) { r.ActiveUpdates = !v },
}

const relFlagNames = "post_update, single_parent, viewonly, passive_updates"

// ParseRelTag reads the `quarry:"..."` tag of a relationship field into r. The
// values of cascade run on over commas (cascade=all,delete-orphan), as in
// SQLAlchemy's cascade="all, delete-orphan".
func ParseRelTag(r *Relationship, s string) error {
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
			r.Cascade |= f
			continue
		}
		inCascade = false
		if !hasVal {
			return fmt.Errorf("relationship tag option %q needs a value (fk=, secondary=, order=, back=, cascade=, lazy=, field=; the flags are %s)", key, relFlagNames)
		}
		val = strings.TrimSpace(val)
		switch key {
		case "fk":
			r.FKNames = splitList(val)
		case "secondary":
			r.SecondaryName = val
		case "order":
			r.OrderNames = splitList(val)
		case "back":
			r.BackName = val
		case "field":
			r.Field = val
		case "lazy":
			l, ok := loadNames[val]
			if !ok {
				return fmt.Errorf("lazy=%q: want select, raise, selectin, joined, dynamic or noload", val)
			}
			r.Lazy = l
		case "cascade":
			if sawCascade {
				return fmt.Errorf("cascade given twice")
			}
			sawCascade, inCascade = true, true
			r.Cascade = 0
			for _, name := range strings.FieldsFunc(val, func(c rune) bool { return c == '|' || c == ' ' || c == '+' }) {
				f, ok := cascadeNames[name]
				if !ok {
					return fmt.Errorf("unknown cascade %q: want save-update, merge, expunge, refresh-expire, delete, delete-orphan, all or none", name)
				}
				r.Cascade |= f
			}
		default:
			return fmt.Errorf("unknown relationship tag option %q (want fk, secondary, order, back, cascade, lazy, field or a flag: %s)", key, relFlagNames)
		}
	}
	if r.ViewOnly {
		// A read-only relationship writes nothing, so it cascades nothing
		// either (SQLAlchemy's viewonly=True).
		switch {
		case sawCascade && r.Cascade != 0:
			return fmt.Errorf("viewonly with cascade=: a read-only relationship cascades nothing; drop the cascade")
		case r.PostUpdate:
			return fmt.Errorf("viewonly with post_update: a read-only relationship writes no foreign key")
		case r.BackName != "":
			return fmt.Errorf("viewonly with back=: a read-only relationship is not kept in step with another; drop back=")
		}
		r.Cascade = 0
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
