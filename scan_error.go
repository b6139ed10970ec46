package quarry

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/quarry-orm/quarry/dialect"
)

// scanErr is the error of a row that failed to scan. A column selected by
// a function ([Func] and the built-in ones) is named by the function: its
// declared Go type is the program's claim about what the database
// returns, and the driver's own message names neither the function nor
// the type asked for.
func scanErr(st statementNode, dests []any, err error) error {
	var se *dialect.ScanError
	if errors.As(err, &se) && se.Column >= 0 && se.Column < len(dests) {
		if f := funcAt(st, se.Column); f != nil {
			return fmt.Errorf("quarry: scanning result of function %s(...) into %v: %w", f.name, destType(dests[se.Column]), err)
		}
	}
	return fmt.Errorf("quarry: reading a row: %w", err)
}

// funcAt returns the function that selects column i of st, or nil.
func funcAt(st statementNode, i int) *funcNode {
	c, ok := st.(*selectCore)
	if !ok || c.from != nil || i >= len(c.items) {
		return nil
	}
	n := c.items[i]
	if l, ok := n.(*labelNode); ok {
		n = l.inner
	}
	f, _ := n.(*funcNode)
	return f
}

// destType is the Go type a scan destination holds. Reflection runs on
// this error path only.
func destType(dest any) reflect.Type {
	t := reflect.TypeOf(dest)
	if t != nil && t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}
