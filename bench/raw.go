package bench

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The raw drivers: SQL written by hand, rows scanned by hand, as
// hand-written code does. They are the baselines: raw pgx on PostgreSQL,
// database/sql (pgx's stdlib, modernc.org/sqlite) on both.

const (
	rawSelect = `SELECT "id", "name", "fullname", "nickname" FROM "ops_users"`
	rawInsert = `INSERT INTO "ops_users" ("name", "fullname", "nickname") VALUES `
)

// placeholders returns the database's placeholder of the n-th argument.
func placeholders(kind string) func(n int) string {
	if kind == Postgres {
		return func(n int) string { return "$" + strconv.Itoa(n) }
	}
	return func(int) string { return "?" }
}

// insertSQL writes a multi-row INSERT of n rows ... RETURNING "id".
func insertSQL(ph func(int) string, n int) string {
	var sb strings.Builder
	sb.Grow(len(rawInsert) + n*16 + 16)
	sb.WriteString(rawInsert)
	for r := range n {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(" + ph(r*3+1) + ", " + ph(r*3+2) + ", " + ph(r*3+3) + ")")
	}
	sb.WriteString(` RETURNING "id"`)
	return sb.String()
}

// newUsers builds the n users of keys k.., as a handler builds what it
// is about to insert.
func newUsers(k int64, n int) []*User {
	us := make([]*User, n)
	for i := range us {
		u := NewUser(k + int64(i))
		us[i] = &u
	}
	return us
}

// insertArgs flattens users into the arguments of insertSQL.
func insertArgs(us []*User) []any {
	args := make([]any, 0, 3*len(us))
	for _, u := range us {
		args = append(args, u.Name, u.Fullname, u.Nickname)
	}
	return args
}

// rawResult keeps what the last call of a raw peer returned: one row,
// or many (a one-row call does not allocate a slice to say so).
type rawResult struct {
	one  *User
	last []*User
}

func (r *rawResult) keep(one *User, many []*User) { r.one, r.last = one, many }

func (r *rawResult) Result() []User {
	if r.one != nil {
		return []User{*r.one}
	}
	if r.last == nil {
		return nil
	}
	return derefUsers(r.last)
}

// pgxPeer is hand-written SQL on a pgxpool.
type pgxPeer struct {
	rawResult
	pool *pgxpool.Pool
	ph   func(int) string
}

func newPgxPeer(pool *pgxpool.Pool) *pgxPeer {
	return &pgxPeer{pool: pool, ph: placeholders(Postgres)}
}

func (p *pgxPeer) Name() string { return "pgx" }

// pgxQuerier is what pgxPool and pgx.Tx have in common.
type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// insert inserts us with one statement and sets their ids.
func (p *pgxPeer) insert(ctx context.Context, q pgxQuerier, us []*User) error {
	rows, err := q.Query(ctx, insertSQL(p.ph, len(us)), insertArgs(us)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		if err := rows.Scan(&us[i].ID); err != nil {
			return err
		}
		i++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return wantRows(i, len(us))
}

func (p *pgxPeer) InsertOne(ctx context.Context, k int64) error {
	u := NewUser(k)
	// The one-row path: QueryRow, as hand-written code inserts one row.
	err := p.pool.QueryRow(ctx, rawInsert+`($1, $2, $3) RETURNING "id"`, u.Name, u.Fullname, u.Nickname).Scan(&u.ID)
	p.keep(&u, nil)
	return err
}

func (p *pgxPeer) InsertMany(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	return p.insert(ctx, p.pool, us)
}

func (p *pgxPeer) InsertManyTx(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		for i := 0; i < len(us); i += BatchRows {
			if err := p.insert(ctx, tx, us[i:min(i+BatchRows, len(us))]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (p *pgxPeer) UpdateOne(ctx context.Context, id int64, fullname string) error {
	p.keep(nil, nil)
	_, err := p.pool.Exec(ctx, `UPDATE "ops_users" SET "fullname" = $1 WHERE "id" = $2`, fullname, id)
	return err
}

func (p *pgxPeer) ReadOne(ctx context.Context, id int64) error {
	u := new(User)
	err := p.pool.QueryRow(ctx, rawSelect+` WHERE "id" = $1`, id).Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname)
	p.keep(u, nil)
	return err
}

func (p *pgxPeer) ReadMany(ctx context.Context, n int) error {
	p.keep(nil, nil)
	rows, err := p.pool.Query(ctx, rawSelect+` WHERE "id" <= $1 ORDER BY "id"`, int64(n))
	if err != nil {
		return err
	}
	defer rows.Close()
	var us []*User
	for rows.Next() {
		u := new(User)
		if err := rows.Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname); err != nil {
			return err
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	p.keep(nil, us)
	return wantRows(len(us), n)
}

// sqlPeer is hand-written SQL through database/sql.
type sqlPeer struct {
	rawResult
	db *sql.DB
	ph func(int) string
}

func newSQLPeer(db *sql.DB, kind string) *sqlPeer {
	return &sqlPeer{db: db, ph: placeholders(kind)}
}

func (p *sqlPeer) Name() string { return "database/sql" }

// sqlQuerier is what *sql.DB and *sql.Tx have in common.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (p *sqlPeer) insert(ctx context.Context, q sqlQuerier, us []*User) error {
	rows, err := q.QueryContext(ctx, insertSQL(p.ph, len(us)), insertArgs(us)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		if err := rows.Scan(&us[i].ID); err != nil {
			return err
		}
		i++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return wantRows(i, len(us))
}

func (p *sqlPeer) InsertOne(ctx context.Context, k int64) error {
	u := NewUser(k)
	q := rawInsert + "(" + p.ph(1) + ", " + p.ph(2) + ", " + p.ph(3) + `) RETURNING "id"`
	err := p.db.QueryRowContext(ctx, q, u.Name, u.Fullname, u.Nickname).Scan(&u.ID)
	p.keep(&u, nil)
	return err
}

func (p *sqlPeer) InsertMany(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	return p.insert(ctx, p.db, us)
}

func (p *sqlPeer) InsertManyTx(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for i := 0; i < len(us); i += BatchRows {
		if err := p.insert(ctx, tx, us[i:min(i+BatchRows, len(us))]); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func (p *sqlPeer) UpdateOne(ctx context.Context, id int64, fullname string) error {
	p.keep(nil, nil)
	_, err := p.db.ExecContext(ctx, `UPDATE "ops_users" SET "fullname" = `+p.ph(1)+` WHERE "id" = `+p.ph(2), fullname, id)
	return err
}

func (p *sqlPeer) ReadOne(ctx context.Context, id int64) error {
	u := new(User)
	err := p.db.QueryRowContext(ctx, rawSelect+` WHERE "id" = `+p.ph(1), id).Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname)
	p.keep(u, nil)
	return err
}

func (p *sqlPeer) ReadMany(ctx context.Context, n int) error {
	p.keep(nil, nil)
	rows, err := p.db.QueryContext(ctx, rawSelect+` WHERE "id" <= `+p.ph(1)+` ORDER BY "id"`, int64(n))
	if err != nil {
		return err
	}
	defer rows.Close()
	var us []*User
	for rows.Next() {
		u := new(User)
		if err := rows.Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname); err != nil {
			return err
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	p.keep(nil, us)
	return wantRows(len(us), n)
}
