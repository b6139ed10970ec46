package uow

import (
	"reflect"

	"github.com/quarry-orm/quarry/internal/errs"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
)

// KeyReader reads the [Key] of one table's rows, from their objects or
// from primary-key values a program passes. It is built once per table.
type KeyReader struct {
	table *schema.Table
	kind  keyKind
	// getInt reads the single integer key.
	getInt func(fp field.Ptr) int64
}

// keyKind says how a table's primary key is held in a Key.
type keyKind uint8

const (
	keyEncoded keyKind = iota // anything else, encoded into S
	keyInt                    // one integer column, in N
	keyString                 // one string column, in S
)

// NewKeyReader returns the KeyReader of t.
func NewKeyReader(t *schema.Table) KeyReader {
	r := KeyReader{table: t, kind: keyEncoded}
	if len(t.PK) == 1 {
		switch k := t.PK[0].GoType.Kind(); {
		case field.IsInt(k):
			r.kind = keyInt
			r.getInt, _ = field.Ints(k)
		case k == reflect.String:
			r.kind = keyString
		}
	}
	return r
}

// KeyOf returns the identity of the row obj stands for.
func (r *KeyReader) KeyOf(obj field.Ptr) Key {
	switch r.kind {
	case keyInt:
		return Key{Table: r.table, N: r.getInt(r.table.PK[0].Ptr(obj))}
	case keyString:
		return Key{Table: r.table, S: field.Get[string](r.table.PK[0].Ptr(obj))}
	}
	var b []byte
	for _, c := range r.table.PK {
		b = schema.AppendKeyPart(b, c.Value(c.Ptr(obj)))
	}
	return Key{Table: r.table, S: string(b)}
}

// KeyOfValues returns the identity named by primary-key values given in
// the order of the table's key columns, as Session.Get takes them.
func (r *KeyReader) KeyOfValues(pk []any) (Key, error) {
	t := r.table
	if len(pk) != len(t.PK) {
		return Key{}, errs.InvalidArg("%v has a primary key of %d column(s), got %d value(s)", t, len(t.PK), len(pk))
	}
	switch r.kind {
	case keyInt:
		n, ok := schema.ArgInt(pk[0])
		if !ok {
			return Key{}, errs.InvalidArg("%v: primary key value %v (%T) is not an integer", t, pk[0], pk[0])
		}
		return Key{Table: t, N: n}, nil
	case keyString:
		s, ok := schema.ArgString(pk[0])
		if !ok {
			return Key{}, errs.InvalidArg("%v: primary key value %v (%T) is not a string", t, pk[0], pk[0])
		}
		return Key{Table: t, S: s}, nil
	}
	var b []byte
	for _, v := range pk {
		b = schema.AppendKeyPart(b, v)
	}
	return Key{Table: t, S: string(b)}, nil
}
