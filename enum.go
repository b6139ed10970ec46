package quarry

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/schema"
)

// Enum is implemented by a named string type whose values are a fixed
// set. A column of such a type (or a pointer to it) gets a CHECK
// constraint in its CREATE TABLE, so the database refuses any other value
// (a write of one fails with [ErrCheckViolation]):
//
//	type Mood string
//
//	func (Mood) EnumValues() []string { return []string{"happy", "sad", "ok"} }
//
// It renders, on both dialects, "mood VARCHAR(...) NOT NULL CHECK (mood IN
// ('happy', 'sad', 'ok'))". The values are read once, when the table is
// mapped. quarry does not create PostgreSQL enum types (CREATE TYPE): a
// `type=` tag naming one you created keeps the CHECK as well.
type Enum interface {
	EnumValues() []string
}

var enumType = reflect.TypeFor[Enum]()

// enumValues returns the values of a column type implementing Enum, its
// pointer's element included; nil when it does not.
func enumValues(t reflect.Type) ([]string, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.String || !t.Implements(enumType) {
		return nil, nil
	}
	vals := reflect.Zero(t).Interface().(Enum).EnumValues()
	if len(vals) == 0 {
		return nil, fmt.Errorf("%v.EnumValues returns no values", t)
	}
	for _, v := range vals {
		if strings.ContainsRune(v, 0) {
			return nil, fmt.Errorf("%v.EnumValues: value %q holds a NUL", t, v)
		}
	}
	return vals, nil
}

// columnCheckSQL writes the column's own CHECK constraints: the values of
// an enum, and json_valid where the dialect stores JSON as text.
func columnCheckSQL(b *builder, c *schema.Column) {
	if b.Caps.JSONValidCheck && c.SQLType == "" && (c.Kind == dialect.KindJSON || c.Kind == dialect.KindArray) {
		b.Write(" CHECK (json_valid(")
		b.Ident(c.Name)
		b.Write("))")
	}
	enumCheckSQL(b, c)
}

// enumCheckSQL writes the column's " CHECK (name IN (...))".
func enumCheckSQL(b *builder, c *schema.Column) {
	if len(c.Enum) == 0 {
		return
	}
	b.Write(" CHECK (")
	b.Ident(c.Name)
	b.Write(" IN (")
	for i, v := range c.Enum {
		if i > 0 {
			b.Write(", ")
		}
		b.Literal(v)
	}
	b.Write("))")
}
