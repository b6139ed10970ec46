// Package quarry is a typed ORM and query builder for Go, modelled on
// SQLAlchemy's ORM: typed SELECT statements with joins, aliases,
// subqueries and relationship operators, a [Session] with an identity map
// and a unit of work, and eager loaders. What SQLAlchemy checks at run
// time, quarry checks at compile time where Go's type system can say it.
//
// # Mapping
//
// An entity is a plain struct; its table struct embeds [Entity] and
// declares one typed [Column] per column and one relationship field
// ([Many], [One], [ManyToMany]) per relationship. [Table] binds the two,
// once, with reflection; nothing after that reflects per row:
//
//	type User struct {
//		ID        int64
//		Name      string
//		Addresses []*Address
//	}
//
//	type UserTable struct {
//		quarry.Entity[User]
//		ID        quarry.Column[int64] `quarry:"id,pk"`
//		Name      quarry.Column[string]
//		Addresses quarry.Many[User, Address] `quarry:"back=User,cascade=all,delete-orphan"`
//	}
//
//	var Users = quarry.Table[User, UserTable]("users")
//
// Tables may be declared in any order; relationships are resolved by the
// first statement or by [Configure], which reports every mapping mistake
// at once ([ErrMapping]). [TryTable] is [Table] returning an error instead
// of panicking. [Association] declares a many-to-many association table.
//
// Tables map into a [Metadata]: [Table] into [DefaultMetadata], [TableIn]
// into one of the program's ([NewMetadata]), whose mistakes stay its own.
// A Metadata is published whole and never rewritten, so tables can be
// mapped while other goroutines run statements; a DB serves one
// ([WithMetadata]).
//
// # Statements
//
// [Select] of a table reads *E; [Select2] to [Select5] read typed rows
// ([Row2] ...); [Columns] reads untyped [Row]s. A [Column] compares only
// with values and expressions of its own Go type:
//
//	q := quarry.Select(Users).
//		Join(Users.Addresses).
//		Where(Users.Name.In("ed", "wendy")).
//		OrderBy(Users.ID)
//
// Statements are immutable: every method returns a new statement, so one
// can be shared by goroutines and extended per request. Every value is a
// bound parameter and every identifier is quoted by the dialect. The SQL
// of a statement is rendered once per dialect and cached ([Render] shows
// it). [Aliased] makes an alias of a table, and a relationship's OfType
// joins to one; [Union] and friends build compound statements; [Text]
// takes constant SQL with :name parameters.
//
// # Results
//
// Statements run on an [Executor]: a [*DB] (outside any unit of work) or
// a [*Session]. [Query.All], [Query.First], [Query.One], [Query.OneOrNone],
// [Query.Scalar] and [Query.Count] return typed values; [Query.Execute]
// returns a [Result] cursor read with Next and Value or with Seq, and
// [Scalars] narrows a cursor of rows to their first item. [ErrNoResult]
// (which wraps [database/sql.ErrNoRows]) and [ErrMultipleResults] report
// the wrong number of rows.
//
// A statement returns one row per row of SQL, as SQLAlchemy 2.0's select()
// does: Select(Users).Join(Users.Addresses) returns a user once per
// address, and One of such a user's rows reports [ErrMultipleResults]. In
// a Session the repeated rows are the same object. [Query.Unique] (and
// [Compound.Unique]) de-duplicates, as 2.0's Result.unique() and 1.x's
// Query did: entities by identity, other rows by value, keeping the first
// of each in order; it changes no SQL, so LIMIT and [Query.Count] still
// count the database's rows. A [Joined] load of a collection de-duplicates
// its parents by itself, since the rows it repeats are its own (SQLAlchemy
// 2.0 requires unique() there).
//
// # Session
//
// A [Session] is one goroutine's unit of work over a [DB]. It keeps an
// identity map (one object per row), finds changes by comparing each
// object with a snapshot of its columns and relationship fields, and
// writes them when flushed: INSERTs, UPDATEs of changed columns and
// DELETEs in foreign-key order, cascades along relationships, foreign keys
// copied from parents. Statements run through a Session flush first
// (autoflush). [Session.Commit] commits and expires objects;
// [Session.Rollback], a failed flush and a refused commit restore the
// Session to its last committed state. [Session.BeginNested] opens a
// savepoint; [DB.Transaction] runs a function in a Session and commits it.
//
// # Relationships and loaders
//
// Relationships join ([Query.Join] along a field), filter (Any, Has, Eq,
// Contains, [WithParent]) and load. A field is loaded explicitly
// (Users.Addresses.Load(ctx, s, users...)) or eagerly by loader options
// whose paths the compiler checks step by step: [SelectIn], [Joined],
// [SubqueryLoad], [ContainsEager], [Raise], [NoLoad]. There is no hidden
// I/O on field access.
//
// # Column loading
//
// [LoadOnly], [Defer], [Undefer] and the deferred column tag leave columns
// out of a SELECT of an entity, as does an alias over a subquery that
// lacks them ([FromSubquery]): they are unloaded, at their zero value,
// until [Session.LoadColumns] or a later statement reads them, and a
// flush never writes one the program left alone.
//
// # Dialects
//
// The dialect packages open a [DB]: dialect/sqlite (modernc.org/sqlite,
// pure Go, the embedded default) and dialect/postgres (pgx v5, native).
// Everything that differs between databases (placeholders, quoting, DDL
// types, RETURNING, limits, error classification) lives there. They
// implement the contract of package [dialect] (as database/sql/driver is
// to database/sql) and hand their driver to [OpenDB].
//
// # Errors
//
// Errors are values to inspect with [errors.Is] and [errors.As]: the
// sentinels of this package, [*StaleObjectError] for an UPDATE or DELETE
// that matched no row, [*DriverError] wrapping the driver's own error with
// its classification (unique violation, serialization failure, ...).
// Builders never panic: a mistake in a statement is recorded and returned
// when it runs.
package quarry
