// Package dialect is the contract between quarry and a database driver,
// as database/sql/driver is to database/sql: a [Dialect] tells quarry's
// SQL renderer how the database spells things (placeholders, quoted
// identifiers, DDL types) and what it can do ([Capabilities]); a [Driver]
// runs SQL text on a connection pool and in transactions ([Tx]), and
// classifies the database's errors into the sentinels of this package,
// which the quarry package re-exports for applications.
//
// Applications do not use this package: they open a database with
// sqlite.Open or postgres.Open from the packages below this one. A driver
// package implements [Driver] and hands it to quarry.OpenDB.
package dialect
