package quarry

import (
	"fmt"
	"unicode/utf8"

	"github.com/quarry-orm/quarry/dialect"
)

// writer is the bottom of SQL generation: one statement for one dialect in
// one buffer, its bound arguments, and its first error. Later writes after
// an error are harmless, so render code never checks errors on every call.
type writer struct {
	d    dialect.Dialect
	caps dialect.Capabilities
	buf  []byte
	args []any
	err  error
	// literals renders values as SQL literals instead of binding them,
	// for DDL, which cannot bind.
	literals bool
	// trace records the origin of each bound value in origins, for the
	// shape cache.
	trace   bool
	origins []any
}

// newWriter returns a writer for d with room for a typical statement.
func newWriter(d dialect.Dialect) writer {
	return writer{d: d, caps: d.Capabilities(), buf: make([]byte, 0, 256)}
}

// fail keeps err unless an earlier error is kept.
func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// failf fails with a message prefixed "quarry: ".
func (w *writer) failf(format string, args ...any) {
	w.fail(fmt.Errorf("quarry: "+format, args...))
}

// write appends SQL text.
func (w *writer) write(s string) { w.buf = append(w.buf, s...) }

// writeByte appends one byte of SQL text.
func (w *writer) writeByte(c byte) { w.buf = append(w.buf, c) }

// bind appends a placeholder for v and records v as an argument. This is
// the only way a value reaches a statement.
func (w *writer) bind(v any) { w.bindFrom(nil, v) }

// bindFrom binds v, which the node origin holds (nil: none the shape
// walk knows).
func (w *writer) bindFrom(origin, v any) {
	if w.literals {
		w.literal(v)
		return
	}
	if w.trace {
		w.origins = append(w.origins, origin)
	}
	w.args = append(w.args, v)
	w.buf = w.d.AppendPlaceholder(w.buf, len(w.args))
}

// ident appends a quoted identifier after checking that the dialect can
// hold it unchanged.
func (w *writer) ident(name string) {
	if err := checkIdent(name, w.caps.MaxIdentLen); err != nil {
		w.fail(err)
		return
	}
	w.buf = w.d.AppendIdent(w.buf, name)
}

// checkIdent refuses identifiers that a database would silently alter.
func checkIdent(name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name", errInvalidIdentifier)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not valid UTF-8", errInvalidIdentifier, name)
	case max > 0 && len(name) > max:
		return fmt.Errorf("%w: %q is %d bytes, over the limit of %d", errInvalidIdentifier, name, len(name), max)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return fmt.Errorf("%w: %q contains a NUL byte", errInvalidIdentifier, name)
		}
	}
	return nil
}
