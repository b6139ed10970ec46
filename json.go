package quarry

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/quarry-orm/quarry/internal/schema"
)

// JSON is a column holding any Go value as a JSON document, marshalled
// with encoding/json: jsonb on PostgreSQL, TEXT on SQLite. Change
// detection compares V deeply, as it does any field.
//
//	type Event struct {
//		ID      int64
//		Payload quarry.JSON[Payload]
//	}
type JSON[T any] struct {
	V T
}

// Value encodes V as JSON text.
func (j JSON[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("quarry: JSON column: %w", err)
	}
	return string(b), nil
}

// Scan decodes JSON text (or bytes) into V.
func (j *JSON[T]) Scan(src any) error {
	b, err := schema.TextOf(src, "JSON")
	if err != nil {
		return err
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("quarry: JSON column: %w", err)
	}
	j.V = v
	return nil
}
