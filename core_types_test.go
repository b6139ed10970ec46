package quarry_test

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"time"

	"github.com/quarry-orm/quarry"
)

// The core tests' own mappings: tables core_*, Go types Core*.

type CoreUser struct {
	ID       int64
	Name     string
	Fullname string
	Nickname *string
	Age      int32
}

type CoreUserTable struct {
	quarry.Entity[CoreUser]
	ID       quarry.Column[int64]  `quarry:"id,pk"`
	Name     quarry.Column[string] `quarry:",len=50,unique"`
	Fullname quarry.Column[string] `quarry:",text"`
	Nickname quarry.Column[*string]
	Age      quarry.Column[int32] `quarry:",default=0"`
}

type CoreAddress struct {
	ID     int64
	Email  string
	UserID int64
}

type CoreAddressTable struct {
	quarry.Entity[CoreAddress]
	ID     quarry.Column[int64]  `quarry:"id,pk"`
	Email  quarry.Column[string] `quarry:"email_address,len=100"`
	UserID quarry.Column[int64]  `quarry:",fk=core_users.id,ondelete=cascade"`
}

type CoreOrder struct {
	ID     int64
	UserID *int64
	Total  float64
}

type CoreOrderTable struct {
	quarry.Entity[CoreOrder]
	ID     quarry.Column[int64]   `quarry:"id,pk"`
	UserID quarry.Column[*int64]  `quarry:",fk=core_users.id,ondelete=set null"`
	Total  quarry.Column[float64] `quarry:",default=1.5"`
}

// CoreTag has a composite primary key.
type CoreTag struct {
	OrderID int64
	Name    string
	Note    sql.Null[string]
}

type CoreTagTable struct {
	quarry.Entity[CoreTag]
	OrderID quarry.Column[int64]            `quarry:",pk,fk=core_orders.id"`
	Name    quarry.Column[string]           `quarry:",pk,len=20"`
	Note    quarry.Column[sql.Null[string]] `quarry:",default=none"`
}

// CoreOdd has a table and columns whose names need quoting.
type CoreOdd struct {
	ID    int64
	Sel   string
	Space string
	Quote string
}

type CoreOddTable struct {
	quarry.Entity[CoreOdd]
	ID    quarry.Column[int64]  `quarry:"id,pk"`
	Sel   quarry.Column[string] `quarry:"select"`
	Space quarry.Column[string] `quarry:"a b"`
	Quote quarry.Column[string] `quarry:"say \"hi\""`
}

// CoreMoney is a sql.Scanner and driver.Valuer stored as an integer
// number of cents.
type CoreMoney struct{ Cents int64 }

// Scan implements sql.Scanner.
func (m *CoreMoney) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		m.Cents = v
	case int32:
		m.Cents = int64(v)
	case []byte:
		n, err := strconv.ParseInt(string(v), 10, 64)
		m.Cents = n
		return err
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		m.Cents = n
		return err
	default:
		return fmt.Errorf("CoreMoney: cannot scan %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (m CoreMoney) Value() (driver.Value, error) { return m.Cents, nil }

// CoreAll has a column of every supported Go type.
type CoreAll struct {
	ID       int64
	Int      int
	Int8     int8
	Int16    int16
	Int32    int32
	Int64    int64
	Uint     uint
	Uint8    uint8
	Uint16   uint16
	Uint32   uint32
	Uint64   uint64
	Float32  float32
	Float64  float64
	Bool     bool
	String   string
	Bytes    []byte
	Time     time.Time
	PInt     *int
	PInt8    *int8
	PInt16   *int16
	PInt32   *int32
	PInt64   *int64
	PUint    *uint
	PUint8   *uint8
	PUint16  *uint16
	PUint32  *uint32
	PUint64  *uint64
	PFloat32 *float32
	PFloat64 *float64
	PBool    *bool
	PString  *string
	PBytes   *[]byte
	PTime    *time.Time
	NString  sql.Null[string]
	NInt64   sql.Null[int64]
	NInt32   sql.Null[int32]
	NFloat64 sql.Null[float64]
	NBool    sql.Null[bool]
	NTime    sql.Null[time.Time]
	Money    CoreMoney
}

type CoreAllTable struct {
	quarry.Entity[CoreAll]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Int      quarry.Column[int]
	Int8     quarry.Column[int8]
	Int16    quarry.Column[int16]
	Int32    quarry.Column[int32]
	Int64    quarry.Column[int64]
	Uint     quarry.Column[uint]
	Uint8    quarry.Column[uint8]
	Uint16   quarry.Column[uint16]
	Uint32   quarry.Column[uint32]
	Uint64   quarry.Column[uint64]
	Float32  quarry.Column[float32]
	Float64  quarry.Column[float64]
	Bool     quarry.Column[bool]
	String   quarry.Column[string]
	Bytes    quarry.Column[[]byte]
	Time     quarry.Column[time.Time]
	PInt     quarry.Column[*int]
	PInt8    quarry.Column[*int8]
	PInt16   quarry.Column[*int16]
	PInt32   quarry.Column[*int32]
	PInt64   quarry.Column[*int64]
	PUint    quarry.Column[*uint]
	PUint8   quarry.Column[*uint8]
	PUint16  quarry.Column[*uint16]
	PUint32  quarry.Column[*uint32]
	PUint64  quarry.Column[*uint64]
	PFloat32 quarry.Column[*float32]
	PFloat64 quarry.Column[*float64]
	PBool    quarry.Column[*bool]
	PString  quarry.Column[*string]
	PBytes   quarry.Column[*[]byte]
	PTime    quarry.Column[*time.Time]
	NString  quarry.Column[sql.Null[string]]
	NInt64   quarry.Column[sql.Null[int64]]
	NInt32   quarry.Column[sql.Null[int32]]
	NFloat64 quarry.Column[sql.Null[float64]]
	NBool    quarry.Column[sql.Null[bool]]
	NTime    quarry.Column[sql.Null[time.Time]]
	Money    quarry.Column[CoreMoney] `quarry:",type=BIGINT"`
}

var (
	CoreUsers     = quarry.Table[CoreUser, CoreUserTable]("core_users")
	CoreAddresses = quarry.Table[CoreAddress, CoreAddressTable]("core_addresses")
	CoreOrders    = quarry.Table[CoreOrder, CoreOrderTable]("core_orders")
	CoreTags      = quarry.Table[CoreTag, CoreTagTable]("core_tags")
	CoreOdds      = quarry.Table[CoreOdd, CoreOddTable](`core "odd" table`)
	CoreAlls      = quarry.Table[CoreAll, CoreAllTable]("core_all")
)
