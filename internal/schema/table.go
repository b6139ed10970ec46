package schema

import "reflect"

// Table is the database side of one mapped table: its name, its columns
// and its keys. The root package's mapper embeds it and adds what the
// typed layer, the unit of work and the loaders need.
type Table struct {
	Name string
	// ShapeID names the table in statement shape keys.
	ShapeID    uint64
	GoType     reflect.Type // the entity type E
	StructType reflect.Type // the table struct M
	Columns    []*Column
	PK         []*Column
	// KeyTypes are the primary-key types a Keyed table struct declares,
	// nil for a plain Entity.
	KeyTypes []reflect.Type
	ByName   map[string]*Column
	// Version is the optimistic-locking counter column, if any.
	Version *Column
}
