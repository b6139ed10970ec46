package testdb

import "github.com/quarry-orm/quarry/quarrytest"

// Entry is one statement a database ran, as quarry logged it.
type Entry = quarrytest.Statement

// Log records the statements a [quarry.DB] runs: it is the recorder that
// quarrytest offers users, [quarrytest.Recorder].
type Log = quarrytest.Recorder

// NewLog returns an empty Log. Pass its Logger to [quarry.WithLogger] (or
// its Option to Open); [EachLogged] does this for you.
func NewLog() *Log { return quarrytest.Record() }
