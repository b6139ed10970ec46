package uow_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/internal/errs"
	"github.com/quarry-orm/quarry/internal/field"
	"github.com/quarry-orm/quarry/internal/schema"
	"github.com/quarry-orm/quarry/internal/uow"
)

type intRow struct {
	Name string
	ID   int32
}

type stringRow struct {
	N    int
	Code string
}

func offsetOf[S any](name string) uintptr {
	f, _ := reflect.TypeFor[S]().FieldByName(name)
	return f.Offset
}

// keyTable maps one key column of type T at offset off.
func keyTable[T any](name string, off uintptr) *schema.Table {
	t := &schema.Table{Name: name}
	c := &schema.Column{Table: t, Name: "id", GoType: reflect.TypeFor[T](), Offset: off, PK: true}
	t.Columns, t.PK = []*schema.Column{c}, []*schema.Column{c}
	return t
}

func TestKeyReaderReadsObjectsAndValuesAlike(t *testing.T) {
	is := is.New(t)
	ints := keyTable[int32]("ints", offsetOf[intRow]("ID"))
	r := uow.NewKeyReader(ints)
	k := r.KeyOf(field.Of(&intRow{Name: "x", ID: 7}))
	is.Equal(k, uow.Key{Table: ints, N: 7})
	kv, err := r.KeyOfValues([]any{int64(7)})
	is.NoErr(err)
	is.Equal(kv, k)

	strs := keyTable[string]("strs", offsetOf[stringRow]("Code"))
	rs := uow.NewKeyReader(strs)
	ks := rs.KeyOf(field.Of(&stringRow{N: 1, Code: "ab"}))
	is.Equal(ks, uow.Key{Table: strs, S: "ab"})
	kv, err = rs.KeyOfValues([]any{"ab"})
	is.NoErr(err)
	is.Equal(kv, ks)
}

func TestKeyReaderRefusesValuesThatNameNoKey(t *testing.T) {
	ints := uow.NewKeyReader(keyTable[int64]("ints", 0))
	strs := uow.NewKeyReader(keyTable[string]("strs", 0))
	for _, tc := range []struct {
		name string
		r    uow.KeyReader
		pk   []any
		want string
	}{
		{"too many", ints, []any{1, 2}, "has a primary key of 1 column(s), got 2 value(s)"},
		{"none", ints, nil, "got 0 value(s)"},
		{"not an integer", ints, []any{"1"}, `primary key value 1 (string) is not an integer`},
		{"not a string", strs, []any{1}, `primary key value 1 (int) is not a string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			_, err := tc.r.KeyOfValues(tc.pk)
			is.True(errors.Is(err, errs.ErrInvalidArgument))
			is.True(strings.Contains(err.Error(), tc.want))
		})
	}
}
