package quarry

import "github.com/quarry-orm/quarry/dialect"

// Dialect is a database's SQL dialect ([dialect.Dialect]): how it spells
// placeholders, identifiers and types. [DB.Dialect] returns it; [Render]
// and [CreateSQL] take it, to show the SQL a statement or a schema sends.
type Dialect = dialect.Dialect

// TxOptions are the options of the transactions a [Session] begins (see
// [WithTxOptions]): isolation level, read-only, and Write, which makes
// SQLite take its write lock at BEGIN.
type TxOptions = dialect.TxOptions
