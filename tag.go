package quarry

import (
	"fmt"
	"strconv"
	"strings"
)

// columnTag is the parsed `quarry:"..."` tag of a Column field:
//
//	`quarry:"name,pk,unique,len=50,text,default=0,omitzero,fk=users.id,ondelete=cascade,version,deferred"`
//
// A comma inside parentheses does not split (`type=NUMERIC(12,2)`).
// The first element names the column (empty keeps the snake_case default).
// The options are documented on [Table].
type columnTag struct {
	name, field, sqlType     string
	pk, unique, text, noAuto bool
	version, deferred        bool
	length                   int
	def                      string
	hasDef, omitZero         bool
	fk, onDelete, onUpdate   string
}

var referentialActions = map[string]string{
	"cascade": "CASCADE", "set null": "SET NULL", "setnull": "SET NULL",
	"restrict": "RESTRICT", "no action": "NO ACTION", "set default": "SET DEFAULT",
}

func parseTag(s string) (columnTag, error) {
	var t columnTag
	if s == "" {
		return t, nil
	}
	parts := splitTag(s)
	t.name = strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		key, val, hasVal := strings.Cut(strings.TrimSpace(p), "=")
		var err error
		switch key {
		case "pk":
			t.pk = true
		case "unique":
			t.unique = true
		case "text":
			t.text = true
		case "noauto":
			t.noAuto = true
		case "version":
			t.version = true
		case "deferred":
			t.deferred = true
		case "len":
			t.length, err = strconv.Atoi(val)
			if err == nil && t.length <= 0 {
				err = fmt.Errorf("len must be positive")
			}
		case "default":
			t.def, t.hasDef = val, true
		case "omitzero":
			t.omitZero = true
		case "type":
			t.sqlType = val
		case "field":
			t.field = val
		case "fk":
			if !strings.Contains(val, ".") {
				err = fmt.Errorf("fk=%q: want table.column", val)
			}
			t.fk = val
		case "ondelete", "onupdate":
			action, ok := referentialActions[strings.ToLower(val)]
			if !ok {
				err = fmt.Errorf("%s=%q: want cascade, set null, restrict, no action or set default", key, val)
			}
			if key == "ondelete" {
				t.onDelete = action
			} else {
				t.onUpdate = action
			}
		default:
			err = fmt.Errorf("unknown tag option %q", key)
		}
		if err != nil {
			return t, err
		}
		if !hasVal && (key == "len" || key == "default" || key == "type" || key == "field" || key == "fk") {
			return t, fmt.Errorf("tag option %q needs a value", key)
		}
	}
	return t, nil
}

// splitTag splits a tag at its commas, except those inside parentheses,
// so that `type=NUMERIC(12,2)` stays one option.
func splitTag(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
