package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Mapping mistakes, each its own pair of types (they never reach the
// registry, so the test may run many times).
type (
	CoreBadNoField      struct{ ID int64 }
	CoreBadNoFieldTable struct {
		quarry.Entity[CoreBadNoField]
		ID    quarry.Column[int64] `quarry:"id,pk"`
		Email quarry.Column[string]
	}
	CoreBadType      struct{ ID, Age int64 }
	CoreBadTypeTable struct {
		quarry.Entity[CoreBadType]
		ID  quarry.Column[int64] `quarry:"id,pk"`
		Age quarry.Column[string]
	}
	CoreBadNoPK      struct{ ID int64 }
	CoreBadNoPKTable struct {
		quarry.Entity[CoreBadNoPK]
		ID quarry.Column[int64]
	}
	CoreBadDup      struct{ ID, A, B int64 }
	CoreBadDupTable struct {
		quarry.Entity[CoreBadDup]
		ID quarry.Column[int64] `quarry:"id,pk"`
		A  quarry.Column[int64] `quarry:"x"`
		B  quarry.Column[int64] `quarry:"x"`
	}
	CoreBadKind struct {
		ID int64
		M  map[string]int
	}
	CoreBadKindTable struct {
		quarry.Entity[CoreBadKind]
		ID quarry.Column[int64] `quarry:"id,pk"`
		M  quarry.Column[map[string]int]
	}
	CoreBadTag      struct{ ID int64 }
	CoreBadTagTable struct {
		quarry.Entity[CoreBadTag]
		ID quarry.Column[int64] `quarry:"id,pk,primary"`
	}
	CoreDupName      struct{ ID int64 }
	CoreDupNameTable struct {
		quarry.Entity[CoreDupName]
		ID quarry.Column[int64] `quarry:"id,pk"`
	}
	CoreBadColName      struct{ ID int64 }
	CoreBadColNameTable struct {
		quarry.Entity[CoreBadColName]
		ID quarry.Column[int64] `quarry:"a\x00b,pk"`
	}
)

func TestCoreMappingErrors(t *testing.T) {
	cases := []struct {
		name  string
		try   func() error
		parts []string
	}{
		{"field with no struct field", func() error { _, err := quarry.TryTable[CoreBadNoField, CoreBadNoFieldTable]("core_bad1"); return err },
			[]string{"CoreBadNoFieldTable.Email", "CoreBadNoField", "no field Email"}},
		{"column type mismatch", func() error { _, err := quarry.TryTable[CoreBadType, CoreBadTypeTable]("core_bad2"); return err },
			[]string{"CoreBadTypeTable.Age", "Column[string]", "CoreBadType.Age is int64"}},
		{"no primary key", func() error { _, err := quarry.TryTable[CoreBadNoPK, CoreBadNoPKTable]("core_bad3"); return err },
			[]string{"CoreBadNoPK", "core_bad3", "no primary key"}},
		{"duplicate column", func() error { _, err := quarry.TryTable[CoreBadDup, CoreBadDupTable]("core_bad4"); return err },
			[]string{"CoreBadDupTable.B", `duplicate column "x"`}},
		{"unsupported type", func() error { _, err := quarry.TryTable[CoreBadKind, CoreBadKindTable]("core_bad5"); return err },
			[]string{"CoreBadKind.M", "map[string]int", "not supported"}},
		{"unknown tag option", func() error { _, err := quarry.TryTable[CoreBadTag, CoreBadTagTable]("core_bad6"); return err },
			[]string{"CoreBadTagTable.ID", `"primary"`}},
		{"NUL in column name", func() error {
			_, err := quarry.TryTable[CoreBadColName, CoreBadColNameTable]("core_bad8")
			return err
		}, []string{"CoreBadColNameTable.ID", "NUL"}},
		{"NUL in table name", func() error { _, err := quarry.TryTable[CoreBadNoPK, CoreBadNoPKTable]("core\x00bad"); return err },
			[]string{"table name", "NUL"}},
		{"type mapped twice", func() error { _, err := quarry.TryTable[CoreUser, CoreUserTable]("core_users_again"); return err },
			[]string{"CoreUser", "already mapped", "core_users"}},
		{"table name mapped twice", func() error { _, err := quarry.TryTable[CoreDupName, CoreDupNameTable]("core_users"); return err },
			[]string{"core_users", "already mapped"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			err := c.try()
			is.True(err != nil)                        // a mapping error
			is.True(errors.Is(err, quarry.ErrMapping)) // classified
			for _, p := range c.parts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not mention %q", err, p)
				}
			}
		})
	}
	t.Run("Table panics with the same message", func(t *testing.T) {
		is := is.New(t)
		defer func() {
			r := recover()
			err, ok := r.(error)
			is.True(ok) // panics with an error
			is.True(strings.Contains(err.Error(), "no primary key"))
		}()
		quarry.Table[CoreBadNoPK, CoreBadNoPKTable]("core_bad9")
	})
}

func TestCoreMappingNames(t *testing.T) {
	is := is.New(t)
	is.Equal(CoreUsers.TableName(), "core_users")
	is.Equal(CoreUsers.ID.Name(), "id")
	is.Equal(CoreUsers.Fullname.Name(), "fullname")  // snake_case default
	is.Equal(CoreAddresses.UserID.Name(), "user_id") // UserID -> user_id
	is.Equal(CoreAddresses.Email.Name(), "email_address")
	is.Equal(CoreAlls.PFloat32.Name(), "p_float32")
	is.Equal(quarry.Aliased(CoreUsers, quarry.AliasName("u1")).AliasName(), "u1")
}

func TestCoreSchemaSQL(t *testing.T) {
	sqliteDDL := []string{
		"CREATE TABLE IF NOT EXISTS \"core_users\" (\n" +
			"\t\"id\" INTEGER NOT NULL,\n" +
			"\t\"name\" VARCHAR(50) NOT NULL,\n" +
			"\t\"fullname\" TEXT NOT NULL,\n" +
			"\t\"nickname\" VARCHAR,\n" +
			"\t\"age\" INTEGER NOT NULL DEFAULT 0,\n" +
			"\tPRIMARY KEY (\"id\"),\n" +
			"\tUNIQUE (\"name\")\n)",
		"CREATE TABLE IF NOT EXISTS \"core_orders\" (\n" +
			"\t\"id\" INTEGER NOT NULL,\n" +
			"\t\"user_id\" INTEGER,\n" +
			"\t\"total\" REAL NOT NULL DEFAULT 1.5,\n" +
			"\tPRIMARY KEY (\"id\"),\n" +
			"\tFOREIGN KEY (\"user_id\") REFERENCES \"core_users\" (\"id\") ON DELETE SET NULL\n)",
		"CREATE TABLE IF NOT EXISTS \"core_tags\" (\n" +
			"\t\"order_id\" INTEGER NOT NULL,\n" +
			"\t\"name\" VARCHAR(20) NOT NULL,\n" +
			"\t\"note\" VARCHAR DEFAULT 'none',\n" +
			"\tPRIMARY KEY (\"order_id\", \"name\"),\n" +
			"\tFOREIGN KEY (\"order_id\") REFERENCES \"core_orders\" (\"id\")\n)",
		"CREATE TABLE IF NOT EXISTS \"core_addresses\" (\n" +
			"\t\"id\" INTEGER NOT NULL,\n" +
			"\t\"email_address\" VARCHAR(100) NOT NULL,\n" +
			"\t\"user_id\" INTEGER NOT NULL,\n" +
			"\tPRIMARY KEY (\"id\"),\n" +
			"\tFOREIGN KEY (\"user_id\") REFERENCES \"core_users\" (\"id\") ON DELETE CASCADE\n)",
	}
	pgDDL := []string{
		"CREATE TABLE IF NOT EXISTS \"core_users\" (\n" +
			"\t\"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n" +
			"\t\"name\" VARCHAR(50) NOT NULL,\n" +
			"\t\"fullname\" TEXT NOT NULL,\n" +
			"\t\"nickname\" VARCHAR,\n" +
			"\t\"age\" INTEGER NOT NULL DEFAULT 0,\n" +
			"\tPRIMARY KEY (\"id\"),\n" +
			"\tUNIQUE (\"name\")\n)",
		"CREATE TABLE IF NOT EXISTS \"core_orders\" (\n" +
			"\t\"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n" +
			"\t\"user_id\" BIGINT,\n" +
			"\t\"total\" DOUBLE PRECISION NOT NULL DEFAULT 1.5,\n" +
			"\tPRIMARY KEY (\"id\"),\n" +
			"\tFOREIGN KEY (\"user_id\") REFERENCES \"core_users\" (\"id\") ON DELETE SET NULL\n)",
		"CREATE TABLE IF NOT EXISTS \"core_tags\" (\n" +
			"\t\"order_id\" BIGINT NOT NULL,\n" +
			"\t\"name\" VARCHAR(20) NOT NULL,\n" +
			"\t\"note\" VARCHAR DEFAULT 'none',\n" +
			"\tPRIMARY KEY (\"order_id\", \"name\"),\n" +
			"\tFOREIGN KEY (\"order_id\") REFERENCES \"core_orders\" (\"id\")\n)",
		"CREATE TABLE IF NOT EXISTS \"core_addresses\" (\n" +
			"\t\"id\" BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n" +
			"\t\"email_address\" VARCHAR(100) NOT NULL,\n" +
			"\t\"user_id\" BIGINT NOT NULL,\n" +
			"\tPRIMARY KEY (\"id\"),\n" +
			"\tFOREIGN KEY (\"user_id\") REFERENCES \"core_users\" (\"id\") ON DELETE CASCADE\n)",
	}
	for _, c := range []struct {
		name string
		d    quarry.Dialect
		want []string
	}{{"sqlite", sqlite.Dialect{}, sqliteDDL}, {"postgres", postgres.Dialect{}, pgDDL}} {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			// Children first on purpose: CreateSQL puts parents first.
			got, err := quarry.CreateSQL(c.d, CoreTags, CoreOrders, CoreUsers, CoreAddresses)
			is.NoErr(err)
			is.Equal(len(got), len(c.want))
			for i := range got {
				is.Equal(got[i], c.want[i])
			}
		})
	}
}

func TestCoreSchema(t *testing.T) {
	ctx := context.Background()
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		tables := []quarry.SchemaItem{CoreAddresses, CoreTags, CoreOrders, CoreUsers, CoreOdds, CoreAlls}
		is.NoErr(db.CreateAll(ctx, tables...)) // first
		is.NoErr(db.CreateAll(ctx, tables...)) // idempotent
		ddl, err := db.CreateSQL(CoreAddresses, CoreUsers)
		is.NoErr(err)
		is.True(strings.Contains(ddl[0], `"core_users"`)) // parent first

		exec := func(sql string, binds ...any) error {
			txt := quarry.UnsafeText(sql)
			for i := 0; i+1 < len(binds); i += 2 {
				txt = txt.Bind(binds[i].(string), binds[i+1])
			}
			_, err := db.Exec(ctx, txt)
			return err
		}
		is.NoErr(exec("INSERT INTO core_users (name, fullname) VALUES (:n, :f)", "n", "ed", "f", "Ed"))
		u, err := quarry.Select(CoreUsers).One(ctx, db)
		is.NoErr(err)
		is.Equal(u.ID, int64(1))  // generated key
		is.Equal(u.Age, int32(0)) // default

		err = exec("INSERT INTO core_users (name, fullname) VALUES (:n, :f)", "n", "ed", "f", "Ed again")
		is.True(errors.Is(err, quarry.ErrUniqueViolation)) // UNIQUE
		var de *quarry.DriverError
		is.True(errors.As(err, &de)) // the driver error is kept
		err = exec("INSERT INTO core_users (name) VALUES (:n)", "n", "x")
		is.True(errors.Is(err, quarry.ErrNotNullViolation)) // NOT NULL
		err = exec("INSERT INTO core_addresses (email_address, user_id) VALUES (:e, :u)", "e", "x@y", "u", 99)
		is.True(errors.Is(err, quarry.ErrForeignKeyViolation)) // FOREIGN KEY
		is.NoErr(exec("INSERT INTO core_addresses (email_address, user_id) VALUES (:e, :u)", "e", "x@y", "u", 1))
		is.NoErr(exec("INSERT INTO core_orders (user_id) VALUES (:u)", "u", 1))
		is.NoErr(exec("INSERT INTO core_tags (order_id, name) VALUES (1, 'a')"))
		err = exec("INSERT INTO core_tags (order_id, name) VALUES (1, 'a')")
		is.True(errors.Is(err, quarry.ErrUniqueViolation)) // composite PK
		is.NoErr(exec("INSERT INTO core_tags (order_id, name) VALUES (1, 'b')"))
		tag, err := quarry.Select(CoreTags).Where(CoreTags.Name.Eq("b")).One(ctx, db)
		is.NoErr(err)
		is.Equal(tag.Note.V, "none") // string default
		is.True(tag.Note.Valid)

		is.NoErr(exec("DELETE FROM core_users WHERE id = 1"))
		n, err := quarry.Select(CoreAddresses).Count(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0)) // ON DELETE CASCADE
		o, err := quarry.Select(CoreOrders).One(ctx, db)
		is.NoErr(err)
		is.Equal(o.UserID, (*int64)(nil)) // ON DELETE SET NULL
		is.Equal(o.Total, 1.5)            // float default

		// Odd names round-trip through DDL and queries.
		is.NoErr(exec(`INSERT INTO "core ""odd"" table" ("select", "a b", "say ""hi""") VALUES (:a, :b, :c)`, "a", "1", "b", "2", "c", "3"))
		odd, err := quarry.Select(CoreOdds).Where(CoreOdds.Sel.Eq("1")).One(ctx, db)
		is.NoErr(err)
		is.Equal(*odd, CoreOdd{ID: 1, Sel: "1", Space: "2", Quote: "3"})

		is.NoErr(db.DropAll(ctx, tables...)) // children first
		is.NoErr(db.DropAll(ctx, tables...)) // idempotent
		_, err = quarry.Select(CoreUsers).All(ctx, db)
		is.True(err != nil) // gone
	})
}
