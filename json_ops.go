package quarry

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/quarry-orm/quarry/dialect"
)

// JSON operators over JSON columns ([JSON], json.RawMessage,
// map[string]any), the same on both dialects where both can: PostgreSQL's
// jsonb operators, SQLite's JSON functions over the JSON text it stores.

// JSONText is the value at path in the JSON document doc, as text: NULL
// when the path does not exist. Path elements are object keys, bound as
// parameters:
//
//	quarry.EqValue(quarry.JSONText(Events.Payload, "user", "name"), "sandy")
//
// PostgreSQL renders doc #>> $1 (a text[] of the keys), SQLite
// json_extract(doc, $1) (a JSON path). A number or boolean comes back as
// its text on PostgreSQL and as its SQL value, converted to text when
// read, on SQLite.
func JSONText[T any](doc Expression[T], path ...string) Expr[*string] {
	n := &jsonPathNode{doc: nodeOf(doc), path: path}
	for _, k := range path {
		if strings.ContainsAny(k, "\"\x00") {
			n.err = invalidArg("JSONText: path key %q holds a double quote or NUL, which a SQLite JSON path cannot spell", k)
		}
	}
	if len(path) == 0 {
		n.err = invalidArg("JSONText without a path")
	}
	return Expr[*string]{n: n}
}

type jsonPathNode struct {
	doc  node
	path []string
	err  error
}

func (n *jsonPathNode) render(b *builder) {
	if n.err != nil {
		b.Fail(n.err)
		return
	}
	if !checkJSONOperand(b, n.doc, "JSONText") {
		return
	}
	if b.Caps.NativeJSON {
		b.WriteChar('(')
		renderOperand(b, n.doc)
		b.Write(" #>> ")
		b.Bind(n.path)
		b.WriteChar(')')
		return
	}
	var p strings.Builder
	p.WriteByte('$')
	for _, k := range n.path {
		p.WriteString(`."`)
		p.WriteString(k)
		p.WriteByte('"')
	}
	b.Write("json_extract(")
	n.doc.render(b)
	b.Write(", ")
	b.Bind(p.String())
	b.WriteChar(')')
}

func (n *jsonPathNode) sources(fn func(*source)) { n.doc.sources(fn) }

// JSONContains is true where the JSON document doc contains v (marshalled
// with encoding/json): PostgreSQL's doc @> $1::jsonb, where an object
// contains the objects whose keys and values it has, and an array the
// arrays whose elements it has. It is PostgreSQL's; on SQLite the
// statement fails with [ErrUnsupported] before any SQL is sent.
func JSONContains[T any](doc Expression[T], v any) Expr[bool] {
	n := &jsonContainsNode{doc: nodeOf(doc)}
	b, err := json.Marshal(v)
	if err != nil {
		n.err = invalidArg("JSONContains: %v", err)
	}
	n.value = string(b)
	return Expr[bool]{n: n}
}

type jsonContainsNode struct {
	doc   node
	value string
	err   error
}

func (n *jsonContainsNode) render(b *builder) {
	if n.err != nil {
		b.Fail(n.err)
		return
	}
	if !checkJSONOperand(b, n.doc, "JSONContains") {
		return
	}
	if !b.Caps.NativeJSON {
		b.Fail(&unsupportedError{what: "JSON containment (JSONContains)", dialect: b.D.Name()})
		return
	}
	renderOperand(b, n.doc)
	b.Write(" @> CAST(")
	b.Bind(n.value)
	b.Write(" AS jsonb)")
}

func (n *jsonContainsNode) sources(fn func(*source)) { n.doc.sources(fn) }

// checkJSONOperand refuses a mapped column that does not hold JSON: an
// operator of JSON documents over a TEXT column would compare text.
func checkJSONOperand(b *builder, doc node, what string) bool {
	if c, ok := unlabel(doc).(*colRef); ok && c.info.Kind != dialect.KindJSON {
		b.Fail(fmt.Errorf("%w: %s of %s, which is not a JSON column", ErrInvalidArgument, what, c.info))
		return false
	}
	return true
}
