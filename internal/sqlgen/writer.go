package sqlgen

import (
	"fmt"
	"unicode/utf8"

	"github.com/quarry-orm/quarry/dialect"
	"github.com/quarry-orm/quarry/internal/errs"
)

// Writer is the bottom of SQL generation: one statement for one dialect in
// one buffer, its bound arguments, and its first error. Later writes after
// an error are harmless, so render code never checks errors on every call.
type Writer struct {
	D    dialect.Dialect
	Caps dialect.Capabilities
	Buf  []byte
	Args []any
	Err  error
	// literals renders values as SQL literals instead of binding them,
	// for DDL, which cannot bind.
	Literals bool
	// trace records the origin of each bound value in origins, for the
	// shape cache.
	Trace   bool
	Origins []any
}

// NewWriter returns a writer for d with room for a typical statement.
func NewWriter(d dialect.Dialect) Writer {
	return Writer{D: d, Caps: d.Capabilities(), Buf: make([]byte, 0, 256)}
}

// Fail keeps err unless an earlier error is kept.
func (w *Writer) Fail(err error) {
	if w.Err == nil {
		w.Err = err
	}
}

// Failf fails with a message prefixed "quarry: ".
func (w *Writer) Failf(format string, args ...any) {
	w.Fail(fmt.Errorf("quarry: "+format, args...))
}

// Write appends SQL text.
func (w *Writer) Write(s string) { w.Buf = append(w.Buf, s...) }

// WriteChar appends one byte of SQL text.
func (w *Writer) WriteChar(c byte) { w.Buf = append(w.Buf, c) }

// Bind appends a placeholder for v and records v as an argument. This is
// the only way a value reaches a statement.
func (w *Writer) Bind(v any) { w.BindFrom(nil, v) }

// BindFrom binds v, which the node origin holds (nil: none the shape
// walk knows).
func (w *Writer) BindFrom(origin, v any) {
	if w.Literals {
		w.Literal(v)
		return
	}
	if w.Trace {
		w.Origins = append(w.Origins, origin)
	}
	w.Args = append(w.Args, v)
	w.Buf = w.D.AppendPlaceholder(w.Buf, len(w.Args))
}

// Ident appends a quoted identifier after checking that the dialect can
// hold it unchanged.
func (w *Writer) Ident(name string) {
	if err := CheckIdent(name, w.Caps.MaxIdentLen); err != nil {
		w.Fail(err)
		return
	}
	w.Buf = w.D.AppendIdent(w.Buf, name)
}

// CheckIdent refuses identifiers that a database would silently alter.
func CheckIdent(name string, max int) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty name", errs.ErrInvalidIdentifier)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not valid UTF-8", errs.ErrInvalidIdentifier, name)
	case max > 0 && len(name) > max:
		return fmt.Errorf("%w: %q is %d bytes, over the limit of %d", errs.ErrInvalidIdentifier, name, len(name), max)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return fmt.Errorf("%w: %q contains a NUL byte", errs.ErrInvalidIdentifier, name)
		}
	}
	return nil
}
