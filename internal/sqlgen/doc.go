// Package sqlgen is the bottom of quarry's SQL generation: the [Writer]
// that appends one statement's text for one dialect, binds every value as
// a placeholder (or, for DDL, writes it as a checked literal), quotes and
// checks identifiers, and keeps the first error; and the parameter budget
// that sizes every statement which grows with its input. It also reads
// SQL text as the databases do: [LexText] splits hand-written SQL into
// literal pieces and :name parameters, and [SecondStatement] finds a
// second statement in a text that must hold one.
//
// It knows SQL text and the dialect contract, nothing of mappings or
// statements: the node tree of the root package renders itself into a
// Writer.
package sqlgen
