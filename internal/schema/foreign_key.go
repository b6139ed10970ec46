package schema

import (
	"reflect"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/errs"
	"github.com/quarry-orm/quarry/internal/field"
)

// ResolveForeignKey finds the column the foreign key of col, a column of
// t, references, among the tables byName finds (nil for a name not
// mapped), and checks that col's Go type can hold its values.
func ResolveForeignKey(t *Table, col *Column, byName func(string) *Table) error {
	tname, cname, _ := strings.Cut(col.FK.Ref, ".")
	target := byName(tname)
	if target == nil {
		return errs.Mapping("%v.%s: foreign key %q names table %q, which is not mapped", t.GoType, col.Field, col.FK.Ref, tname)
	}
	tc, ok := target.ByName[cname]
	if !ok {
		return errs.Mapping("%v.%s: foreign key %q: table %q has no column %q", t.GoType, col.Field, col.FK.Ref, tname, cname)
	}
	if t.GoType != nil && tc.GoType != nil && !keyTypeFits(col.GoType, tc.GoType) {
		return errs.Mapping("%v.%s is %v, which cannot hold the %v of %s it references: use %v, *%v or a sql.Null of it",
			t.GoType, col.Field, col.GoType, tc.GoType, tc, tc.GoType, tc.GoType)
	}
	col.FK.Target = tc
	inheritKeyType(col, tc)
	return nil
}

// inheritKeyType gives a foreign-key column that declares no DDL type of
// its own the type of the column it references: the referenced `type=`
// (a UUID key referenced from a string or [16]byte field), the whole
// type when the foreign key's Go type has no DDL type of its own (a
// Scanner), or the length of a VARCHAR(n) key referenced from a string.
func inheritKeyType(col, target *Column) {
	if col.SQLType != "" {
		return
	}
	switch {
	case target.SQLType != "":
		col.SQLType = target.SQLType
	case col.Kind == dialect.KindUnknown:
		col.Kind, col.Length, col.Text = target.Kind, target.Length, target.Text
	case col.Kind == dialect.KindString && target.Kind == dialect.KindString && col.Length == 0 && !col.Text:
		col.Length, col.Text = target.Length, target.Text
	}
}

// keyTypeFits reports whether a foreign-key field of type fk can hold the
// values of the referenced column's type ref: the same type, a pointer to
// it or a sql.Null of it, integers of any width, strings of any name, or a
// sql.Scanner, which converts what the database hands it.
func keyTypeFits(fk, ref reflect.Type) bool {
	fk, ref = keyBase(fk), keyBase(ref)
	switch {
	case fk == ref:
		return true
	case field.IsInt(fk.Kind()) && field.IsInt(ref.Kind()):
		return true
	case fk.Kind() == reflect.String && ref.Kind() == reflect.String:
		return true
	}
	return reflect.PointerTo(fk).Implements(ScannerType)
}

// keyBase strips a pointer or sql.Null wrapper from a key's Go type.
func keyBase(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && t.NumField() == 2 && t.Field(1).Name == "Valid" {
		return t.Field(0).Type // sql.Null[T], sql.NullInt64, ...
	}
	return t
}
