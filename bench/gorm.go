package bench

import (
	"context"
	"database/sql"

	gsqlite "github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormUser is GORM's model of ops_users: GORM's naming gives the columns
// id (the primary key, generated), name, fullname and nickname.
type gormUser struct {
	ID       int64
	Name     string
	Fullname string
	Nickname *string
}

// TableName names the table, as GORM models do.
func (gormUser) TableName() string { return "ops_users" }

func newGormUser(k int64) gormUser {
	name, full, nick := NewRow(k)
	return gormUser{Name: name, Fullname: full, Nickname: nick}
}

// gormPostgres is GORM's PostgreSQL dialector on the pgx stdlib pool.
func gormPostgres(sdb *sql.DB) gorm.Dialector {
	return postgres.New(postgres.Config{Conn: sdb})
}

// gormSQLite is GORM's pure-Go SQLite dialector (glebarez/sqlite) on the
// modernc.org/sqlite pool (see internal/gosqlite).
func gormSQLite(sdb *sql.DB) gorm.Dialector {
	return gsqlite.Dialector{Conn: sdb}
}

// gormPeer is GORM, with the settings of GORM's performance guide that
// change what is measured: no transaction of its own around each single
// write (SkipDefaultTransaction; the other peers send a lone statement
// too), and no logger (the default one prints slow statements, which the
// 10,000-row ones are). Statements are not prepared by GORM (PrepareStmt
// is off, the default): pgx prepares and caches them itself on
// PostgreSQL, as it does for every other peer but bun.
type gormPeer struct {
	db   *gorm.DB
	one  *gormUser
	many []gormUser
}

func newGormPeer(d gorm.Dialector) (*gormPeer, error) {
	db, err := gorm.Open(d, &gorm.Config{SkipDefaultTransaction: true, Logger: logger.Discard})
	if err != nil {
		return nil, err
	}
	return &gormPeer{db: db}, nil
}

func (p *gormPeer) Name() string { return "GORM" }

func (p *gormPeer) keep(one *gormUser, many []gormUser) { p.one, p.many = one, many }

func (p *gormPeer) Result() []User {
	var us []gormUser
	switch {
	case p.one != nil:
		us = []gormUser{*p.one}
	case p.many != nil:
		us = p.many
	default:
		return nil
	}
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = User(u)
	}
	return out
}

func newGormUsers(k int64, n int) []gormUser {
	us := make([]gormUser, n)
	for i := range us {
		us[i] = newGormUser(k + int64(i))
	}
	return us
}

func (p *gormPeer) InsertOne(ctx context.Context, k int64) error {
	u := newGormUser(k)
	p.keep(&u, nil)
	return p.db.WithContext(ctx).Create(&u).Error
}

func (p *gormPeer) InsertMany(ctx context.Context, k int64, n int) error {
	us := newGormUsers(k, n)
	p.keep(nil, us)
	return p.db.WithContext(ctx).Create(&us).Error
}

func (p *gormPeer) InsertManyTx(ctx context.Context, k int64, n int) error {
	us := newGormUsers(k, n)
	p.keep(nil, us)
	return p.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.CreateInBatches(&us, BatchRows).Error
	})
}

func (p *gormPeer) UpdateOne(ctx context.Context, id int64, fullname string) error {
	p.keep(nil, nil)
	return p.db.WithContext(ctx).Model(&gormUser{ID: id}).Update("fullname", fullname).Error
}

func (p *gormPeer) ReadOne(ctx context.Context, id int64) error {
	var u gormUser
	p.keep(&u, nil)
	return p.db.WithContext(ctx).First(&u, id).Error
}

func (p *gormPeer) ReadMany(ctx context.Context, n int) error {
	var us []gormUser
	p.keep(nil, nil)
	if err := p.db.WithContext(ctx).Where("id <= ?", n).Order("id").Find(&us).Error; err != nil {
		return err
	}
	p.keep(nil, us)
	return wantRows(len(us), n)
}
