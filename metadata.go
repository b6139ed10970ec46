package quarry

import (
	"reflect"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/quarry-orm/quarry/internal/schema"
)

// Metadata is a set of mapped tables: the tables foreign keys and
// relationships resolve against (SQLAlchemy's MetaData, with its
// registry). [Table] and [Association] map into [DefaultMetadata];
// [TableIn] and [AssociationIn] into another one, which keeps a test's or a
// plugin's mappings, and their mistakes, apart from the program's.
//
// A Metadata is a value published whole: mapping a table builds a new
// catalog and publishes it atomically, and configuring resolves the
// references of the tables not resolved yet and publishes the result once.
// What a published catalog holds is never rewritten, so statements read
// the mappings without locks while other goroutines map more tables. A
// Metadata is safe for concurrent use.
type Metadata struct {
	mu  sync.Mutex // serialises mapping and configuring
	cur atomic.Pointer[catalog]
	// byPtrType caches the tableMeta of *E for the Session's any methods.
	byPtrType sync.Map // reflect.Type (*E) -> *tableMeta
}

// catalog is one published state of a Metadata. It is never changed after
// it is stored: a mapping or a configure pass stores a new one.
type catalog struct {
	byType map[reflect.Type]*table // E -> table
	byName map[string]*table
	tables []*table // in mapping order
	rels   []*relationship
	// checked says configure ran on exactly these tables; err is what it
	// found (nil: every table and relationship here is resolved).
	checked bool
	err     error
}

var defaultMetadata = NewMetadata()

// DefaultMetadata returns the Metadata that [Table], [Association] and
// [Configure] use, and that a DB serves unless opened [WithMetadata].
func DefaultMetadata() *Metadata { return defaultMetadata }

// NewMetadata returns an empty Metadata.
func NewMetadata() *Metadata {
	md := &Metadata{}
	md.cur.Store(&catalog{byType: map[reflect.Type]*table{}, byName: map[string]*table{}, checked: true})
	return md
}

func (md *Metadata) catalog() *catalog { return md.cur.Load() }

// schemaTable is the schema of the table named name, nil when none is
// mapped under it.
func (c *catalog) schemaTable(name string) *schema.Table {
	if t := c.byName[name]; t != nil {
		return &t.Table
	}
	return nil
}

// Tables returns the names of the mapped tables, sorted.
func (md *Metadata) Tables() []string {
	c := md.catalog()
	names := make([]string, 0, len(c.tables))
	for _, t := range c.tables {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	return names
}

// Configure resolves the metadata's mappings now and returns every mistake
// found (unknown foreign-key targets, relationships that cannot be
// resolved, key types that do not fit). Statements and schema operations
// configure lazily; call Configure at start-up or in a test to fail early.
func (md *Metadata) Configure() error {
	if c := md.catalog(); c.checked {
		return c.err
	}
	md.mu.Lock()
	defer md.mu.Unlock()
	c := md.catalog()
	if c.checked {
		return c.err
	}
	next := *c
	next.checked, next.err = true, resolve(&next)
	md.cur.Store(&next)
	return next.err
}

// register publishes a catalog with t added, or reports why t cannot be
// mapped here; on error nothing is registered.
func (md *Metadata) register(t *table) error {
	md.mu.Lock()
	defer md.mu.Unlock()
	c := md.catalog()
	if t.GoType != nil {
		if old, ok := c.byType[t.GoType]; ok {
			return mappingErrorf("%v is already mapped to table %q", t.GoType, old.Name)
		}
	}
	if old, ok := c.byName[t.Name]; ok {
		if old.GoType == nil {
			return mappingErrorf("table %q is already mapped by an association table", t.Name)
		}
		return mappingErrorf("table %q is already mapped by %v", t.Name, old.GoType)
	}
	next := &catalog{
		byType: make(map[reflect.Type]*table, len(c.byType)+1),
		byName: make(map[string]*table, len(c.byName)+1),
		tables: append(c.tables[:len(c.tables):len(c.tables)], t),
		rels:   c.rels[:len(c.rels):len(c.rels)],
	}
	for k, v := range c.byType {
		next.byType[k] = v
	}
	for k, v := range c.byName {
		next.byName[k] = v
	}
	if t.GoType != nil {
		next.byType[t.GoType] = t
	}
	next.byName[t.Name] = t
	next.rels = append(next.rels, t.relations...)
	t.md = md
	md.cur.Store(next)
	return nil
}

// metaOfType returns the meta of the struct that pt (a *E) points to when
// E is mapped here, or nil.
func (md *Metadata) metaOfType(pt reflect.Type) *tableMeta {
	if m, ok := md.byPtrType.Load(pt); ok {
		return m.(*tableMeta)
	}
	if pt.Kind() != reflect.Pointer {
		return nil
	}
	t := md.catalog().byType[pt.Elem()]
	if t == nil {
		return nil
	}
	m := metaOf(t)
	md.byPtrType.Store(pt, m)
	return m
}

// configureTables configures the metadata of each table (most statements
// name tables of one).
func configureTables(ts ...*table) error {
	var done *Metadata
	for _, t := range ts {
		if t == nil || t.md == nil || t.md == done {
			continue
		}
		if err := t.md.Configure(); err != nil {
			return err
		}
		done = t.md
	}
	return nil
}

// Must returns v, or panics with err when it is not nil, as
// [text/template.Must] does: for mappings in package-level variables,
// where a mistake should stop the program as it starts.
//
//	var Users = quarry.Must(quarry.TableIn[User, UserTable](md, "users"))
//
// [Table] and [Association] are Must of [TryTable] and [TryAssociation].
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TableIn is [TryTable] mapping into md instead of the default metadata.
func TableIn[E, M any, PM TableStruct[E, M]](md *Metadata, name string) (*M, error) {
	if md == nil {
		return nil, mappingErrorf("TableIn: nil Metadata")
	}
	m, t, err := bindTable[E, M](name)
	if err != nil {
		return nil, err
	}
	if err := md.register(t); err != nil {
		return nil, err
	}
	return m, nil
}

// AssociationIn is [TryAssociation] declaring the table in md instead of
// the default metadata.
func AssociationIn(md *Metadata, name string, cols ...AssociationColumn) (*AssociationTable, error) {
	if md == nil {
		return nil, mappingErrorf("AssociationIn: nil Metadata")
	}
	t, err := bindAssociation(name, cols)
	if err != nil {
		return nil, err
	}
	if err := md.register(t); err != nil {
		return nil, err
	}
	return &AssociationTable{t: t}, nil
}

// WithMetadata makes the DB serve the tables of md: the Session's methods
// that take objects as any ([Session.Add], [Session.Delete], ...) find
// their tables there. The default is [DefaultMetadata].
func WithMetadata(md *Metadata) OpenOption {
	return func(db *DB) {
		if md != nil {
			db.md = md
		}
	}
}
