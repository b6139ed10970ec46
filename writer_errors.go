package quarry

import (
	"errors"
	"fmt"
)

// The sentinels of the SQL writer; the root re-exports them as
// ErrInvalidIdentifier and ErrInvalidArgument.
var (
	errInvalidIdentifier = errors.New("quarry: invalid identifier")
	errInvalidArgument   = errors.New("quarry: invalid argument")
)

// errInvalidArg is the error of an argument the writer cannot use: it
// wraps errInvalidArgument and says which.
func errInvalidArg(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errInvalidArgument}, args...)...)
}
