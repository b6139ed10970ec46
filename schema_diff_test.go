package quarry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// SdDrift is mapped one way; the test creates its table another way
// behind quarry's back.
type (
	SdDrift struct {
		ID    int64
		Name  string
		Score float64
	}
	SdDriftTable struct {
		quarry.Entity[SdDrift]
		ID    quarry.Column[int64]   `quarry:"id,pk"`
		Name  quarry.Column[string]  `quarry:"name,len=20"`
		Score quarry.Column[float64] `quarry:"score"`
	}
	SdDriftPK      struct{ A, B int64 }
	SdDriftPKTable struct {
		quarry.Entity[SdDriftPK]
		A quarry.Column[int64] `quarry:"a,pk"`
		B quarry.Column[int64] `quarry:"b,pk"`
	}
	SdFresh      struct{ ID int64 }
	SdFreshTable struct {
		quarry.Entity[SdFresh]
		ID quarry.Column[int64] `quarry:"id,pk"`
	}
)

var (
	SdDrifts   = quarry.Table[SdDrift, SdDriftTable]("sd_drift")
	SdDriftPKs = quarry.Table[SdDriftPK, SdDriftPKTable]("sd_drift_pk")
	SdFreshes  = quarry.Table[SdFresh, SdFreshTable]("sd_fresh")
)

// sdAlter creates sd_drift and sd_drift_pk as the mapping does not say:
// id as BIGINT (an alias, not a difference), name TEXT and NULL-able,
// no score, an extra legacy column, and a one-column primary key.
func sdAlter(t *testing.T, db *quarry.DB) {
	t.Helper()
	ctx := context.Background()
	for _, s := range []string{
		`CREATE TABLE "sd_drift" ("id" BIGINT NOT NULL, "name" TEXT, "legacy" INTEGER, PRIMARY KEY ("id"))`,
		`CREATE TABLE "sd_drift_pk" ("a" BIGINT NOT NULL, "b" BIGINT NOT NULL, PRIMARY KEY ("a"))`,
	} {
		if _, err := db.Exec(ctx, quarry.UnsafeText(s)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSchemaDrift(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		sdAlter(t, db)
		log.Reset()

		cerr := db.CreateAll(ctx, SdFreshes, SdDrifts, SdDriftPKs)
		is.True(errors.Is(cerr, quarry.ErrSchemaDrift)) // the tables differ
		var se *quarry.SchemaError
		is.True(errors.As(cerr, &se))
		for _, s := range log.Statements() {
			is.True(!strings.HasPrefix(s, "CREATE")) // nothing created, not even sd_fresh
		}

		lower := strings.ToLower
		real := "real" // the DDL type of a float64
		if db.Dialect().Name() == "postgres" {
			real = "double precision"
		}
		type row struct {
			kind       quarry.DiffKind
			table, col string
			want, got  string
		}
		want := []row{
			{quarry.MissingTable, "sd_fresh", "", "", ""},
			{quarry.TypeMismatch, "sd_drift", "name", "varchar(20)", "text"},
			{quarry.NullMismatch, "sd_drift", "name", "not null", "null"},
			{quarry.MissingColumn, "sd_drift", "score", real + " not null", ""},
			{quarry.ExtraColumn, "sd_drift", "legacy", "", "integer null"},
			{quarry.PrimaryKeyMismatch, "sd_drift_pk", "", "(a, b)", "(a)"},
		}
		diffs, err := db.Diff(ctx, SdFreshes, SdDrifts, SdDriftPKs)
		is.NoErr(err)
		got := make([]row, len(diffs))
		for i, d := range diffs {
			got[i] = row{d.Kind, d.Table, d.Column, lower(d.Want), lower(d.Got)}
		}
		is.Equal(got, want)                        // the differences as data
		is.Equal(len(se.Differences), len(want)-1) // CreateAll's error: all but the missing table it would create
		for _, d := range diffs[1:] {
			is.True(strings.Contains(cerr.Error(), d.String())) // the error names each difference
		}
		is.True(strings.Contains(cerr.Error(), `table "sd_drift": missing column "score" (`))

		// Diff only reads: sd_fresh still does not exist, the rows are
		// untouched.
		again, err := db.Diff(ctx, SdFreshes)
		is.NoErr(err)
		is.Equal(len(again), 1)
		is.Equal(again[0].Kind, quarry.MissingTable)
	})
}

// On PostgreSQL the migration written for the differences repairs them:
// applied statement by statement, Diff finds nothing left and CreateAll
// succeeds.
func TestSchemaMigrationRepairs(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	db := testdb.Postgres(t)
	sdAlter(t, db)
	diffs, err := db.Diff(ctx, SdFreshes, SdDrifts)
	is.NoErr(err)
	m, err := quarry.MigrationFor(db.Dialect(), diffs)
	is.NoErr(err)
	for _, s := range m.Up {
		if strings.HasPrefix(s, "--") {
			continue
		}
		_, err := db.Exec(ctx, quarry.UnsafeText(s))
		is.NoErr(err)
	}
	left, err := db.Diff(ctx, SdFreshes, SdDrifts)
	is.NoErr(err)
	is.Equal(len(left), 0) // repaired
	is.NoErr(db.CreateAll(ctx, SdFreshes, SdDrifts))
	for _, s := range m.Down {
		if strings.HasPrefix(s, "--") {
			continue
		}
		_, err := db.Exec(ctx, quarry.UnsafeText(s))
		is.NoErr(err)
	}
	back, err := db.Diff(ctx, SdFreshes, SdDrifts)
	is.NoErr(err)
	is.Equal(len(back), len(diffs)) // Down restores the drifted shape
}

func TestSchemaMigrationGolden(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	db := testdb.SQLite(t)
	sdAlter(t, db)
	diffs, err := db.Diff(ctx, SdDrifts, SdDriftPKs)
	is.NoErr(err)
	var b strings.Builder
	is.NoErr(quarry.WriteMigration(&b, db.Dialect(), diffs...))
	const want = `-- +goose Up
-- column sd_drift.name is TEXT, the mapping says VARCHAR(20): sqlite cannot alter a column's type; rebuild the table (create, copy, drop, rename)
-- column sd_drift.name is NULL, the mapping says NOT NULL: sqlite cannot alter a column's nullability; rebuild the table
-- score is NOT NULL without a DEFAULT: the ADD COLUMN fails on a table with rows (and always on SQLite); add a default= or fill it in steps
ALTER TABLE "sd_drift" ADD COLUMN "score" REAL NOT NULL;
-- column legacy is not mapped: dropping it drops its data
ALTER TABLE "sd_drift" DROP COLUMN "legacy";
-- table sd_drift_pk has the primary key (a), the mapping says (a, b): change it by hand

-- +goose Down
ALTER TABLE "sd_drift" ADD COLUMN "legacy" INTEGER;
ALTER TABLE "sd_drift" DROP COLUMN "score";
`
	if b.String() != want {
		t.Errorf("migration:\n%s\nwant:\n%s", b.String(), want)
	}

	m, err := quarry.CreateMigration(db.Dialect(), SdUsers)
	is.NoErr(err)
	var c strings.Builder
	is.NoErr(m.WriteGoose(&c))
	is.True(strings.HasPrefix(c.String(), "-- +goose Up\nCREATE TABLE IF NOT EXISTS \"sd_users\" (\n"))
	is.True(strings.Contains(c.String(), ");\nCREATE INDEX IF NOT EXISTS \"ix_sd_users_name_age\""))
	is.True(strings.HasSuffix(c.String(), "\n-- +goose Down\nDROP TABLE IF EXISTS \"sd_users\";\n"))
	var p strings.Builder
	is.NoErr(m.WriteSQL(&p))
	is.True(!strings.Contains(p.String(), "goose")) // plain SQL: the Up statements only
	is.Equal(strings.Count(p.String(), ";\n"), 4)
}
