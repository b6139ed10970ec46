// Package errs holds the sentinel errors that more than one of quarry's
// internal layers returns. The root package re-exports each under the
// same name, with its documentation, so errors.Is works with either.
package errs

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidIdentifier is quarry.ErrInvalidIdentifier.
	ErrInvalidIdentifier = errors.New("quarry: invalid identifier")
	// ErrInvalidArgument is quarry.ErrInvalidArgument.
	ErrInvalidArgument = errors.New("quarry: invalid argument")
	// ErrMapping is quarry.ErrMapping.
	ErrMapping = errors.New("quarry: invalid mapping")
)

// InvalidArg is the error of an argument a layer cannot use: it wraps
// [ErrInvalidArgument] and says which.
func InvalidArg(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}

// Mapping is the error of a mapping definition a layer cannot use: it
// wraps [ErrMapping] and says what is wrong, naming the entity and field.
func Mapping(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMapping}, args...)...)
}
