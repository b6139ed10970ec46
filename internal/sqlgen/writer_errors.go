package sqlgen

import (
	"errors"
	"fmt"
)

// The sentinels of the SQL writer, which the root package re-exports under
// the same names.
var (
	ErrInvalidIdentifier = errors.New("quarry: invalid identifier")
	ErrInvalidArgument   = errors.New("quarry: invalid argument")
)

// errInvalidArg is the error of an argument the writer cannot use: it
// wraps [ErrInvalidArgument] and says which.
func errInvalidArg(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}
