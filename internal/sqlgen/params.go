package sqlgen

import "github.com/quarry-orm/quarry/dialect"

// The parameter budget: how many rows (of an INSERT or DELETE) or keys (of
// an IN list) one statement may carry. Every statement that grows with its
// input takes its size from here.

// fallbackMaxParams bounds a statement's parameters when a dialect states
// no limit: SQLite's historical default, a safe floor.
const fallbackMaxParams = 999

// maxBatchRows bounds the rows of one multi-row INSERT or DELETE, on top
// of the dialect's parameter limit, to keep statement text reasonable.
const maxBatchRows = 1000

// perStatement returns how many items of perItem parameters one statement
// takes, leaving spare parameters for other criteria; at least one.
func perStatement(caps dialect.Capabilities, perItem, spare int) int {
	limit := caps.MaxParams
	if limit <= 0 {
		limit = fallbackMaxParams
	}
	return max(1, (limit-spare)/max(perItem, 1))
}

// BatchRows is how many rows of perRow parameters one multi-row INSERT or
// DELETE writes.
func BatchRows(caps dialect.Capabilities, perRow int) int {
	return min(perStatement(caps, perRow, 0), maxBatchRows)
}

// KeysPerStatement is how many keys of cols columns one load or FK-sync
// statement takes, leaving spare parameters for extra criteria.
func KeysPerStatement(d dialect.Dialect, cols, spare int) int {
	return perStatement(d.Capabilities(), cols, spare)
}
