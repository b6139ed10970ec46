package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Tag is the parsed `quarry:"..."` tag of a Column field:
//
//	`quarry:"name,pk,unique,len=50,text,default=0,omitzero,fk=users.id,ondelete=cascade,version,deferred"`
//
// A comma inside parentheses does not split (`type=NUMERIC(12,2)`).
// The first element names the column (empty keeps the snake_case default).
// The options are documented on quarry.Table.
type Tag struct {
	Name, Field, SQLType     string
	PK, Unique, Text, NoAuto bool
	Version, Deferred        bool
	Length                   int
	Def                      string
	HasDef, OmitZero         bool
	FK, OnDelete, OnUpdate   string
}

// ReferentialActions are the ON DELETE and ON UPDATE actions a tag may
// name, spelled as the tag allows, to their SQL.
var ReferentialActions = map[string]string{
	"cascade": "CASCADE", "set null": "SET NULL", "setnull": "SET NULL",
	"restrict": "RESTRICT", "no action": "NO ACTION", "set default": "SET DEFAULT",
}

// ParseTag parses a Column field's tag; an unknown option or a malformed
// value is an error naming it.
func ParseTag(s string) (Tag, error) {
	var t Tag
	if s == "" {
		return t, nil
	}
	parts := splitTag(s)
	t.Name = strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		key, val, hasVal := strings.Cut(strings.TrimSpace(p), "=")
		var err error
		switch key {
		case "pk":
			t.PK = true
		case "unique":
			t.Unique = true
		case "text":
			t.Text = true
		case "noauto":
			t.NoAuto = true
		case "version":
			t.Version = true
		case "deferred":
			t.Deferred = true
		case "len":
			t.Length, err = strconv.Atoi(val)
			if err == nil && t.Length <= 0 {
				err = fmt.Errorf("len must be positive")
			}
		case "default":
			t.Def, t.HasDef = val, true
		case "omitzero":
			t.OmitZero = true
		case "type":
			t.SQLType = val
		case "field":
			t.Field = val
		case "fk":
			if !strings.Contains(val, ".") {
				err = fmt.Errorf("fk=%q: want table.column", val)
			}
			t.FK = val
		case "ondelete", "onupdate":
			action, ok := ReferentialActions[strings.ToLower(val)]
			if !ok {
				err = fmt.Errorf("%s=%q: want cascade, set null, restrict, no action or set default", key, val)
			}
			if key == "ondelete" {
				t.OnDelete = action
			} else {
				t.OnUpdate = action
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
