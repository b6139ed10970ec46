// Package sqlite stands in for github.com/glebarez/go-sqlite, the
// modernc.org/sqlite fork that GORM's pure-Go SQLite dialector
// (github.com/glebarez/sqlite) imports. The fork registers the
// database/sql driver "sqlite" as modernc.org/sqlite does, and
// database/sql panics on a second driver of one name, so the two cannot
// be in one program; the peer benchmark needs both in one process (every
// peer measured in the same run, on the same in-memory database). The
// bench module's go.mod replaces the fork with this package: GORM then
// runs over modernc.org/sqlite, the driver of every other SQLite peer.
//
// The dialector uses one name of the fork: its error type, to translate
// constraint errors. Error is modernc's, which has the same Code method.
package sqlite

import "modernc.org/sqlite"

// Error is the error type of modernc.org/sqlite.
type Error = sqlite.Error
