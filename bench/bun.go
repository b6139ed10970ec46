package bench

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

// bunUser is bun's model of ops_users.
type bunUser struct {
	bun.BaseModel `bun:"table:ops_users"`

	ID       int64   `bun:"id,pk,autoincrement"`
	Name     string  `bun:"name,notnull"`
	Fullname string  `bun:"fullname,notnull"`
	Nickname *string `bun:"nickname"`
}

func newBunUser(k int64) bunUser {
	name, full, nick := NewRow(k)
	return bunUser{Name: name, Fullname: full, Nickname: nick}
}

func newBunUsers(k int64, n int) []bunUser {
	us := make([]bunUser, n)
	for i := range us {
		us[i] = newBunUser(k + int64(i))
	}
	return us
}

// bunPostgres is bun's PostgreSQL dialect on database/sql over pgx (a
// pool in the simple protocol, see OpenPostgres).
func bunPostgres(sdb *sql.DB) *bun.DB { return bun.NewDB(sdb, pgdialect.New()) }

// bunSQLite is bun's SQLite dialect on the modernc.org/sqlite pool.
func bunSQLite(sdb *sql.DB) *bun.DB { return bun.NewDB(sdb, sqlitedialect.New()) }

// bunPeer is bun with its query builders on models.
type bunPeer struct {
	db   *bun.DB
	one  *bunUser
	many []bunUser
}

func newBunPeer(db *bun.DB) *bunPeer { return &bunPeer{db: db} }

func (p *bunPeer) Name() string { return "bun" }

func (p *bunPeer) keep(one *bunUser, many []bunUser) { p.one, p.many = one, many }

func (p *bunPeer) Result() []User {
	var us []bunUser
	switch {
	case p.one != nil:
		us = []bunUser{*p.one}
	case p.many != nil:
		us = p.many
	default:
		return nil
	}
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = User{ID: u.ID, Name: u.Name, Fullname: u.Fullname, Nickname: u.Nickname}
	}
	return out
}

func (p *bunPeer) InsertOne(ctx context.Context, k int64) error {
	u := newBunUser(k)
	p.keep(&u, nil)
	_, err := p.db.NewInsert().Model(&u).Returning("id").Exec(ctx)
	return err
}

func (p *bunPeer) InsertMany(ctx context.Context, k int64, n int) error {
	us := newBunUsers(k, n)
	p.keep(nil, us)
	_, err := p.db.NewInsert().Model(&us).Returning("id").Exec(ctx)
	return err
}

func (p *bunPeer) InsertManyTx(ctx context.Context, k int64, n int) error {
	us := newBunUsers(k, n)
	p.keep(nil, us)
	return p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for i := 0; i < len(us); i += BatchRows {
			batch := us[i:min(i+BatchRows, len(us))]
			if _, err := tx.NewInsert().Model(&batch).Returning("id").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

func (p *bunPeer) UpdateOne(ctx context.Context, id int64, fullname string) error {
	p.keep(nil, nil)
	_, err := p.db.NewUpdate().Model(&bunUser{ID: id, Fullname: fullname}).Column("fullname").WherePK().Exec(ctx)
	return err
}

func (p *bunPeer) ReadOne(ctx context.Context, id int64) error {
	u := bunUser{ID: id}
	p.keep(&u, nil)
	return p.db.NewSelect().Model(&u).WherePK().Scan(ctx)
}

func (p *bunPeer) ReadMany(ctx context.Context, n int) error {
	var us []bunUser
	p.keep(nil, nil)
	if err := p.db.NewSelect().Model(&us).Where("id <= ?", n).Order("id").Scan(ctx); err != nil {
		return err
	}
	p.keep(nil, us)
	return wantRows(len(us), n)
}
