package quarry_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
	"github.com/shopspring/decimal"
)

// TyAccount is the struct of issue 14's "done means": UUID keys, JSON,
// an array, NUMERIC(12,2), inet, interval and a timestamp, mapped
// without tags beyond names.
type TyAccount struct {
	ID       uuid.UUID
	Name     string
	Settings quarry.JSON[TySettings]
	Tags     []string
	Balance  decimal.Decimal
	Addr     netip.Addr
	Net      netip.Prefix
	Grace    time.Duration
	Opened   time.Time
	Raw      json.RawMessage
	Meta     map[string]any
	Blob     []byte
	Big      uint64
	Scores   []float64
	Owner    *uuid.UUID
}

type TySettings struct {
	Theme string `json:"theme"`
	Depth int    `json:"depth"`
}

type TyAccountTable struct {
	quarry.Entity[TyAccount]
	ID       quarry.Column[uuid.UUID] `quarry:"id,pk"`
	Name     quarry.Column[string]
	Settings quarry.Column[quarry.JSON[TySettings]]
	Tags     quarry.Column[[]string]
	Balance  quarry.Column[decimal.Decimal] `quarry:"balance,type=NUMERIC(12,2)"`
	Addr     quarry.Column[netip.Addr]
	Net      quarry.Column[netip.Prefix]
	Grace    quarry.Column[time.Duration]
	Opened   quarry.Column[time.Time]
	Raw      quarry.Column[json.RawMessage]
	Meta     quarry.Column[map[string]any]
	Blob     quarry.Column[[]byte]
	Big      quarry.Column[uint64]
	Scores   quarry.Column[[]float64]
	Owner    quarry.Column[*uuid.UUID]
}

var TyAccounts = quarry.Table[TyAccount, TyAccountTable]("ty_accounts")

func tyAccount() *TyAccount {
	return &TyAccount{
		Name:     "ed",
		Settings: quarry.JSON[TySettings]{V: TySettings{Theme: "dark", Depth: 3}},
		Tags:     []string{"a", "b,c", `q"uote`, "ünï"},
		Balance:  decimal.RequireFromString("437.90"),
		Addr:     netip.MustParseAddr("2001:db8::1"),
		Net:      netip.MustParsePrefix("10.0.0.0/8"),
		Grace:    90*time.Minute + 1500*time.Microsecond,
		Opened:   time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.FixedZone("", 5*3600)),
		Raw:      json.RawMessage(`{"k":[1,2]}`),
		Meta:     map[string]any{"n": 1.5, "s": "x"},
		Big:      math.MaxInt64,
		Scores:   []float64{1.5, -2},
	}
}

// The done-means struct round-trips through the Session on both
// dialects: the UUID key is generated before the INSERT, every value
// reads back equal, and a change to the array or the JSON is detected.
func TestTypesSessionRoundTrip(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TyAccounts))
		ddl, err := db.CreateSQL(TyAccounts)
		is.NoErr(err)
		if db.Dialect().Name() == "postgres" {
			for _, want := range []string{`"id" UUID NOT NULL`, `"settings" JSONB NOT NULL`, `"tags" TEXT[] NOT NULL`, `"balance" NUMERIC(12,2) NOT NULL`, `"addr" INET NOT NULL`, `"net" CIDR NOT NULL`, `"grace" INTERVAL NOT NULL`, `"scores" DOUBLE PRECISION[] NOT NULL`, `"owner" UUID,`} {
				is.True(strings.Contains(ddl[0], want)) // want in the DDL
			}
		} else {
			for _, want := range []string{`"id" TEXT NOT NULL`, `"settings" TEXT NOT NULL`, `"tags" TEXT NOT NULL`, `"grace" INTEGER NOT NULL`} {
				is.True(strings.Contains(ddl[0], want)) // want in the DDL
			}
		}

		a := tyAccount()
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(a))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.True(a.ID != uuid.Nil) // key generated in Go
		ins := log.Entries()
		is.True(len(ins) == 3 && strings.HasPrefix(ins[1].SQL, `INSERT INTO "ty_accounts"`))

		s2 := db.Session()
		defer s2.Close(ctx)
		got, err := quarry.Get(ctx, s2, TyAccounts, a.ID)
		is.NoErr(err)
		is.Equal(got.ID, a.ID)
		is.Equal(got.Settings, a.Settings)
		is.Equal(got.Tags, a.Tags)
		is.True(got.Balance.Equal(a.Balance))
		is.Equal(got.Balance.String(), "437.9")
		is.Equal(got.Addr, a.Addr)
		is.Equal(got.Net, a.Net)
		is.Equal(got.Grace, a.Grace)
		is.True(got.Opened.Equal(a.Opened))
		is.Equal(compactJSON(t, got.Raw), `{"k":[1,2]}`)
		is.Equal(got.Meta, a.Meta)
		is.Equal(len(got.Blob), 0) // nil written as empty into NOT NULL (SQLite reads an empty BLOB as nil)
		is.Equal(got.Big, uint64(math.MaxInt64))
		is.Equal(got.Scores, a.Scores)
		is.Equal(got.Owner, (*uuid.UUID)(nil))
		is.Equal(len(s2.Dirty()), 0) // nothing changed by reading

		got.Tags = append(got.Tags, "d")
		got.Settings.V.Depth = 4
		owner := uuid.New()
		got.Owner = &owner
		log.Reset()
		is.NoErr(s2.Commit(ctx))
		up := log.Statements()
		is.Equal(len(up), 3)
		is.True(strings.HasPrefix(up[1], `UPDATE "ty_accounts" SET "settings" = `)) // only the changed columns
		is.True(strings.Contains(up[1], `"tags" = `) && strings.Contains(up[1], `"owner" = `) && !strings.Contains(up[1], `"balance"`))

		back, err := quarry.Select(TyAccounts).Where(TyAccounts.ID.Eq(a.ID)).One(ctx, db)
		is.NoErr(err)
		is.Equal(back.Tags, []string{"a", "b,c", `q"uote`, "ünï", "d"})
		is.Equal(back.Settings.V.Depth, 4)
		is.Equal(*back.Owner, owner)
		// Statement API: conditions bind the column's encoding.
		n, err := quarry.Select(TyAccounts.Name).Where(TyAccounts.Tags.Eq(back.Tags), TyAccounts.Addr.Eq(a.Addr), TyAccounts.Grace.Eq(a.Grace)).All(ctx, db)
		is.NoErr(err)
		is.Equal(n, []string{"ed"})
	})
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// An unsigned value that does not fit a signed 64-bit integer is an
// error on both dialects, never a wrap to -1; nothing is written.
func TestTypesUnsignedRange(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, TyAccounts))
		a := tyAccount()
		a.Big = math.MaxUint64
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(a))
		err := s.Commit(ctx)
		is.True(err != nil)
		is.True(errors.Is(err, quarry.ErrInvalidArgument)) // range error, not a driver wrap
		n, err := quarry.Select(quarry.CountAll()).SelectFrom(TyAccounts).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))
	})
}

// TyNulls has every database/sql Null type, mapped without type= tags.
type TyNulls struct {
	ID  int64
	I64 sql.NullInt64
	I32 sql.NullInt32
	I16 sql.NullInt16
	B8  sql.NullByte
	F   sql.NullFloat64
	S   sql.NullString
	T   sql.NullTime
	B   sql.NullBool
	G   sql.Null[time.Time]
	U   sql.Null[int64]
}

type TyNullsTable struct {
	quarry.Entity[TyNulls]
	ID  quarry.Column[int64] `quarry:"id,pk"`
	I64 quarry.Column[sql.NullInt64]
	I32 quarry.Column[sql.NullInt32]
	I16 quarry.Column[sql.NullInt16]
	B8  quarry.Column[sql.NullByte]
	F   quarry.Column[sql.NullFloat64]
	S   quarry.Column[sql.NullString]
	T   quarry.Column[sql.NullTime]
	B   quarry.Column[sql.NullBool]
	G   quarry.Column[sql.Null[time.Time]]
	U   quarry.Column[sql.Null[int64]]
}

var TyNullsT = quarry.Table[TyNulls, TyNullsTable]("ty_nulls")

// Every sql.NullXxx gets its value's DDL type and reads back, NULL and
// not NULL, on both dialects.
func TestTypesSQLNull(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		ddl, err := db.CreateSQL(TyNullsT)
		is.NoErr(err)
		is.True(!strings.Contains(ddl[0], "BLOB") && !strings.Contains(ddl[0], "BYTEA")) // no silent blob
		is.NoErr(db.CreateAll(ctx, TyNullsT))
		at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
		full := &TyNulls{ID: 1,
			I64: sql.NullInt64{Int64: math.MinInt64, Valid: true}, I32: sql.NullInt32{Int32: math.MaxInt32, Valid: true},
			I16: sql.NullInt16{Int16: -7, Valid: true}, B8: sql.NullByte{Byte: 255, Valid: true},
			F: sql.NullFloat64{Float64: 0.1, Valid: true}, S: sql.NullString{String: "ü\x01", Valid: true},
			T: sql.NullTime{Time: at, Valid: true}, B: sql.NullBool{Bool: true, Valid: true},
			G: sql.Null[time.Time]{V: at, Valid: true}, U: sql.Null[int64]{V: 9, Valid: true},
		}
		empty := &TyNulls{ID: 2}
		_, err = quarry.Insert(TyNullsT).Values(full, empty).Exec(ctx, db)
		is.NoErr(err)
		rows, err := quarry.Select(TyNullsT).OrderBy(TyNullsT.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 2)
		g := rows[0]
		is.True(g.T.Valid && g.T.Time.Equal(at))
		is.True(g.G.Valid && g.G.V.Equal(at))
		g.T, g.G = full.T, full.G
		is.Equal(*g, *full)
		is.Equal(*rows[1], *empty)
	})
}

// A Scanner/Valuer type with no column type is a mapping error naming
// the field, not a silent BLOB.
func TestTypesUnknownScannerIsMappingError(t *testing.T) {
	is := is.New(t)
	_, err := quarry.TryTable[tyOpaqueRow, tyOpaqueTable]("ty_opaque")
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "V")) // names the field
	is.True(strings.Contains(err.Error(), "type="))
	// With ColumnType it maps.
	_, err = quarry.TryTable[tyPointRow2, tyPointTable2]("ty_points_map")
	is.NoErr(err)
}

type tyOpaque struct{ s string }

func (o tyOpaque) Value() (driver.Value, error) { return o.s, nil }
func (o *tyOpaque) Scan(src any) error          { o.s, _ = src.(string); return nil }

type tyOpaqueRow struct {
	ID int64
	V  tyOpaque
}

type tyOpaqueTable struct {
	quarry.Entity[tyOpaqueRow]
	ID quarry.Column[int64] `quarry:"id,pk"`
	V  quarry.Column[tyOpaque]
}

type tyPointRow2 struct {
	ID int64
	At tyPoint
}

type tyPointTable2 struct {
	quarry.Entity[tyPointRow2]
	ID quarry.Column[int64] `quarry:"id,pk"`
	At quarry.Column[tyPoint]
}
