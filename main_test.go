package quarry_test

import (
	"testing"

	"github.com/quarry-orm/quarry/internal/testdb"
)

// TestMain stops the PostgreSQL cluster that internal/testdb may start.
func TestMain(m *testing.M) { testdb.Main(m) }
