package postgres_test

import (
	"testing"

	"github.com/quarry-orm/quarry/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
