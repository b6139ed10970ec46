// Package schema is quarry's untyped mapping layer: what a mapped Go type
// means to the database, worked out once when a table is mapped.
//
// It holds the parsing of `quarry:"..."` tags ([ParseTag]) and the
// default column names ([SnakeCase]); the classification of a column's Go
// type into a dialect kind ([KindOf]); the codecs of the built-in column
// types (UUID, arrays, JSON, netip, durations, checked unsigned integers)
// with their accessors ([CodecOps]); change-detection equality
// ([EqualOf]); UUID key generation ([KeyGenerator]); the storability
// checks run before a value is written ([CheckOf]); and the normalising
// and encoding of key values by which rows are matched ([NormalizeKey],
// [AppendKeyPart]); and the mapped [Table] and its [Column]s, with the
// typed field operations of each column ([Ops]); and what a relationship
// field declares ([Relationship], read from its tag by [ParseRelTag]);
// and the resolving of a foreign key to the column it references, with
// the check that its Go type can hold the referenced key
// ([ResolveForeignKey]); and [Configure], which resolves the foreign keys
// and relationships of a [Catalog] of mapped tables once they are all
// mapped (targets, directions, key pairs, association tables, order and
// back-references), checking each and reporting every mistake at once.
// The loading and flushing of relationships are still the root package's.
//
// It imports only [github.com/quarry-orm/quarry/dialect], internal/field
// and internal/errs, never the root package.
package schema
