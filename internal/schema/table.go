package schema

import (
	"fmt"
	"reflect"

	"github.com/quarry-orm/quarry/internal/field"
)

// MaxKeyColumns is the most columns a primary or foreign key may have.
const MaxKeyColumns = 4

// Table is the database side of one mapped table: its name, its columns
// and its keys. The root package's mapper embeds it and adds what the
// typed layer, the unit of work and the loaders need.
type Table struct {
	Name string
	// ShapeID names the table in statement shape keys.
	ShapeID    uint64
	GoType     reflect.Type // the entity type E
	StructType reflect.Type // the table struct M
	// Alloc allocates E; zero for an association table, which maps no
	// Go type.
	Alloc   field.Allocator
	Columns []*Column
	PK      []*Column
	// KeyTypes are the primary-key types a Keyed table struct declares,
	// nil for a plain Entity.
	KeyTypes []reflect.Type
	ByName   map[string]*Column
	// Version is the optimistic-locking counter column, if any.
	Version *Column
	// UniqueKeys are the column sets, besides the primary key and UNIQUE
	// columns, that identify one row: those of UNIQUE constraints and of
	// UNIQUE indexes without WHERE.
	UniqueKeys [][]*Column
	// Configured says a Configure pass resolved the table; from then on
	// it is never written again.
	Configured bool
}

// String names the table and the entity type it maps.
func (t *Table) String() string {
	if t.GoType == nil {
		return fmt.Sprintf("association table %q", t.Name)
	}
	return fmt.Sprintf("%v (table %q)", t.GoType, t.Name)
}
