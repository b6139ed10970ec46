// Package uow holds the unit of work's bookkeeping that does not depend on
// the typed layer: the identity of a row ([Key]), the map from
// identities to what a Session or an eager load keeps for them ([Map]),
// the reading of a table's keys from objects and values ([KeyReader]),
// and the dependency order the flush writes tables in ([Order]).
//
// It imports only internal/schema, internal/field and internal/errs, never
// the root package.
package uow
