package quarry_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/postgres"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// The seven operations of the usual ORM benchmark, each three ways on the
// same database in the same run: by hand on the raw driver (database/sql
// over modernc.org/sqlite, pgxpool), through quarry's statement API, and
// through a fresh Session per operation. Statements are built per call,
// as a handler builds them:
//
//	go test -run '^$' -bench 'Ops' -benchmem -count 6 . | benchstat -col /impl -
//
// Compare within one run: the ratio of quarry to raw is the figure.

type OpsUser struct {
	ID       int64
	Name     string
	Fullname string
	Nickname *string
}

type OpsUserTable struct {
	quarry.Entity[OpsUser]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Name     quarry.Column[string]
	Fullname quarry.Column[string]
	Nickname quarry.Column[*string]
}

var OpsUsers = quarry.Table[OpsUser, OpsUserTable]("ops_users")

// opsEnv is one database opened twice over one pool: raw and through quarry.
type opsEnv struct {
	db   *quarry.DB
	sdb  *sql.DB       // SQLite
	pool *pgxpool.Pool // PostgreSQL
	ph   func(int) string
	seq  atomic.Int64
}

var opsMemSeq atomic.Int64

func opsOpen(b *testing.B, backend string) *opsEnv {
	ctx := context.Background()
	env := &opsEnv{}
	switch backend {
	case testdb.SQLiteMemory:
		dsn := fmt.Sprintf("file:/ops-%d?vfs=memdb&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_time_format=sqlite", opsMemSeq.Add(1))
		sdb, err := sql.Open("sqlite", dsn)
		if err != nil {
			b.Fatal(err)
		}
		sdb.SetMaxIdleConns(4)
		sdb.SetConnMaxIdleTime(0)
		b.Cleanup(func() { sdb.Close() })
		db, err := sqlite.OpenDB(ctx, sdb)
		if err != nil {
			b.Fatal(err)
		}
		env.db, env.sdb = db, sdb
		env.ph = func(int) string { return "?" }
	case testdb.PostgreSQL:
		env.db = testdb.Postgres(b)
		env.pool = postgres.Pool(env.db)
		env.ph = func(n int) string { return fmt.Sprintf("$%d", n) }
	}
	if err := env.db.CreateAll(ctx, OpsUsers); err != nil {
		b.Fatal(err)
	}
	return env
}

func (e *opsEnv) user() *OpsUser {
	n := e.seq.Add(1)
	return &OpsUser{Name: "user" + fmt.Sprint(n), Fullname: "Full Name"}
}

func (e *opsEnv) users(n int) []*OpsUser {
	us := make([]*OpsUser, n)
	for i := range us {
		us[i] = e.user()
	}
	return us
}

// seed makes sure rows 1..n exist.
func (e *opsEnv) seed(b *testing.B, n int) {
	ctx := context.Background()
	have, err := quarry.Select(quarry.CountAll()).SelectFrom(OpsUsers).Scalar(ctx, e.db)
	if err != nil {
		b.Fatal(err)
	}
	for have < int64(n) {
		k := min(int64(n)-have, 1000)
		if _, err := quarry.Insert(OpsUsers).Values(e.users(int(k))...).Exec(ctx, e.db); err != nil {
			b.Fatal(err)
		}
		have += k
	}
}

// insertSQL is a hand-written multi-row INSERT ... RETURNING id.
func (e *opsEnv) insertSQL(rows int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO "ops_users" ("name", "fullname", "nickname") VALUES `)
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "(%s, %s, %s)", e.ph(r*3+1), e.ph(r*3+2), e.ph(r*3+3))
	}
	sb.WriteString(` RETURNING "id"`)
	return sb.String()
}

// upsertSQL is a hand-written multi-row upsert of users by id.
func (e *opsEnv) upsertSQL(rows int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO "ops_users" ("id", "name", "fullname", "nickname") VALUES `)
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "(%s, %s, %s, %s)", e.ph(r*4+1), e.ph(r*4+2), e.ph(r*4+3), e.ph(r*4+4))
	}
	sb.WriteString(` ON CONFLICT ("id") DO UPDATE SET "fullname" = excluded."fullname"`)
	return sb.String()
}

// keyedUsers returns users with the ids 1..n, named for round i.
func (e *opsEnv) keyedUsers(n, i int) []*OpsUser {
	us := e.users(n)
	for j, u := range us {
		u.ID, u.Fullname = int64(j+1), fmt.Sprint("u", i)
	}
	return us
}

// rawQuery runs a query on the raw driver and scans each row into a new
// user, as hand-written code does.
func (e *opsEnv) rawUsers(ctx context.Context, q string, args ...any) ([]*OpsUser, error) {
	var out []*OpsUser
	if e.sdb != nil {
		rows, err := e.sdb.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			u := new(OpsUser)
			if err := rows.Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname); err != nil {
				return nil, err
			}
			out = append(out, u)
		}
		return out, rows.Err()
	}
	rows, err := e.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		u := new(OpsUser)
		if err := rows.Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// rawInsert inserts users with one multi-row statement per chunk of 1000
// and fills in their ids.
func (e *opsEnv) rawInsert(ctx context.Context, us []*OpsUser) error {
	for i := 0; i < len(us); i += 1000 {
		chunk := us[i:min(i+1000, len(us))]
		args := make([]any, 0, 3*len(chunk))
		for _, u := range chunk {
			args = append(args, u.Name, u.Fullname, u.Nickname)
		}
		q := e.insertSQL(len(chunk))
		var ids []int64
		if e.sdb != nil {
			rows, err := e.sdb.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
		} else {
			rows, err := e.pool.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
		}
		for j, id := range ids {
			chunk[j].ID = id
		}
	}
	return nil
}

func (e *opsEnv) rawExec(ctx context.Context, q string, args ...any) error {
	if e.sdb != nil {
		_, err := e.sdb.ExecContext(ctx, q, args...)
		return err
	}
	_, err := e.pool.Exec(ctx, q, args...)
	return err
}

// rawTxInsert inserts in one transaction.
func (e *opsEnv) rawTxInsert(ctx context.Context, us []*OpsUser) error {
	if e.sdb != nil {
		tx, err := e.sdb.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i := 0; i < len(us); i += 1000 {
			chunk := us[i:min(i+1000, len(us))]
			args := make([]any, 0, 3*len(chunk))
			for _, u := range chunk {
				args = append(args, u.Name, u.Fullname, u.Nickname)
			}
			rows, err := tx.QueryContext(ctx, e.insertSQL(len(chunk)), args...)
			if err != nil {
				tx.Rollback()
				return err
			}
			j := 0
			for rows.Next() {
				rows.Scan(&chunk[j].ID)
				j++
			}
			rows.Close()
		}
		return tx.Commit()
	}
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return err
	}
	for i := 0; i < len(us); i += 1000 {
		chunk := us[i:min(i+1000, len(us))]
		args := make([]any, 0, 3*len(chunk))
		for _, u := range chunk {
			args = append(args, u.Name, u.Fullname, u.Nickname)
		}
		rows, err := tx.Query(ctx, e.insertSQL(len(chunk)), args...)
		if err != nil {
			tx.Rollback(ctx)
			return err
		}
		j := 0
		for rows.Next() {
			rows.Scan(&chunk[j].ID)
			j++
		}
		rows.Close()
	}
	return tx.Commit(ctx)
}

// opsImpl is one way of doing one operation.
type opsImpl struct {
	name string
	run  func(ctx context.Context, e *opsEnv, i int) error
}

type opsCase struct {
	op    string
	seed  int
	impls []opsImpl
}

func opsCases() []opsCase {
	const updSQL = `UPDATE "ops_users" SET "fullname" = %s WHERE "id" = %s`
	const selSQL = `SELECT "id", "name", "fullname", "nickname" FROM "ops_users"`
	commit := func(ctx context.Context, s *quarry.Session) error {
		defer s.Close(ctx)
		return s.Commit(ctx)
	}
	readN := func(n int) []opsImpl {
		return []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, _ int) error {
				us, err := e.rawUsers(ctx, selSQL+` WHERE "id" <= `+e.ph(1)+` ORDER BY "id"`, int64(n))
				return wantLen(us, err, n)
			}},
			{"quarry", func(ctx context.Context, e *opsEnv, _ int) error {
				us, err := quarry.Select(OpsUsers).Where(OpsUsers.ID.Le(int64(n))).OrderBy(OpsUsers.ID).All(ctx, e.db)
				return wantLen(us, err, n)
			}},
			{"session", func(ctx context.Context, e *opsEnv, _ int) error {
				s := e.db.Session()
				defer s.Close(ctx)
				us, err := quarry.Select(OpsUsers).Where(OpsUsers.ID.Le(int64(n))).OrderBy(OpsUsers.ID).All(ctx, s)
				return wantLen(us, err, n)
			}},
		}
	}
	return []opsCase{
		{op: "InsertOne", impls: []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, _ int) error { return e.rawInsert(ctx, []*OpsUser{e.user()}) }},
			{"quarry", func(ctx context.Context, e *opsEnv, _ int) error {
				_, err := quarry.Insert(OpsUsers).Values(e.user()).ReturningDefaults().Exec(ctx, e.db)
				return err
			}},
			{"session", func(ctx context.Context, e *opsEnv, _ int) error {
				s := e.db.Session()
				if err := s.Add(e.user()); err != nil {
					return err
				}
				return commit(ctx, s)
			}},
		}},
		{op: "Insert100", impls: []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, _ int) error { return e.rawInsert(ctx, e.users(100)) }},
			{"quarry", func(ctx context.Context, e *opsEnv, _ int) error {
				_, err := quarry.Insert(OpsUsers).Values(e.users(100)...).ReturningDefaults().Exec(ctx, e.db)
				return err
			}},
			{"session", func(ctx context.Context, e *opsEnv, _ int) error {
				s := e.db.Session()
				if err := quarry.AddAll(s, e.users(100)); err != nil {
					return err
				}
				return commit(ctx, s)
			}},
		}},
		{op: "UpdateOne", seed: 1000, impls: []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, i int) error {
				return e.rawExec(ctx, fmt.Sprintf(updSQL, e.ph(1), e.ph(2)), fmt.Sprint("n", i), int64(i%1000+1))
			}},
			{"quarry", func(ctx context.Context, e *opsEnv, i int) error {
				_, err := quarry.Update(OpsUsers).Set(quarry.Set(OpsUsers.Fullname, fmt.Sprint("n", i))).
					Where(OpsUsers.ID.Eq(int64(i%1000+1))).Exec(ctx, e.db)
				return err
			}},
			{"session", func(ctx context.Context, e *opsEnv, i int) error {
				s := e.db.Session()
				u, err := quarry.Get(ctx, s, OpsUsers, int64(i%1000+1))
				if err != nil {
					s.Close(ctx)
					return err
				}
				u.Fullname = fmt.Sprint("n", i)
				return commit(ctx, s)
			}},
		}},
		{op: "Update1000", seed: 1000, impls: []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, i int) error {
				return e.rawExec(ctx, `UPDATE "ops_users" SET "fullname" = `+e.ph(1)+` WHERE "id" <= `+e.ph(2), fmt.Sprint("m", i), int64(1000))
			}},
			{"quarry", func(ctx context.Context, e *opsEnv, i int) error {
				_, err := quarry.Update(OpsUsers).Set(quarry.Set(OpsUsers.Fullname, fmt.Sprint("m", i))).
					Where(OpsUsers.ID.Le(1000)).Exec(ctx, e.db)
				return err
			}},
		}},
		{op: "Upsert1000", seed: 1000, impls: []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, i int) error {
				us := e.keyedUsers(1000, i)
				args := make([]any, 0, 4*len(us))
				for _, u := range us {
					args = append(args, u.ID, u.Name, u.Fullname, u.Nickname)
				}
				return e.rawExec(ctx, e.upsertSQL(len(us)), args...)
			}},
			{"quarry", func(ctx context.Context, e *opsEnv, i int) error {
				_, err := quarry.Insert(OpsUsers).Values(e.keyedUsers(1000, i)...).
					OnConflict(OpsUsers.ID).DoUpdate(quarry.SetExpr(OpsUsers.Fullname, quarry.Excluded(OpsUsers.Fullname))).Exec(ctx, e.db)
				return err
			}},
		}},
		{op: "ReadOne", seed: 1000, impls: []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, i int) error {
				us, err := e.rawUsers(ctx, selSQL+` WHERE "id" = `+e.ph(1), int64(i%1000+1))
				return wantLen(us, err, 1)
			}},
			{"quarry", func(ctx context.Context, e *opsEnv, i int) error {
				_, err := quarry.Select(OpsUsers).Where(OpsUsers.ID.Eq(int64(i%1000+1))).One(ctx, e.db)
				return err
			}},
			{"session", func(ctx context.Context, e *opsEnv, i int) error {
				s := e.db.Session()
				defer s.Close(ctx)
				_, err := quarry.Get(ctx, s, OpsUsers, int64(i%1000+1))
				return err
			}},
		}},
		{op: "Read100", seed: 1000, impls: readN(100)},
		{op: "Read10000", seed: 10000, impls: readN(10000)},
		{op: "Insert10000Tx", impls: []opsImpl{
			{"raw", func(ctx context.Context, e *opsEnv, _ int) error { return e.rawTxInsert(ctx, e.users(10000)) }},
			{"quarry", func(ctx context.Context, e *opsEnv, _ int) error {
				us := e.users(10000)
				return e.db.Transaction(ctx, func(s *quarry.Session) error {
					_, err := quarry.Insert(OpsUsers).Values(us...).ReturningDefaults().Exec(ctx, s)
					return err
				})
			}},
			{"session", func(ctx context.Context, e *opsEnv, _ int) error {
				s := e.db.Session()
				if err := quarry.AddAll(s, e.users(10000)); err != nil {
					return err
				}
				return commit(ctx, s)
			}},
		}},
	}
}

func wantLen(us []*OpsUser, err error, n int) error {
	if err == nil && len(us) != n {
		err = fmt.Errorf("read %d rows, want %d", len(us), n)
	}
	return err
}

// BenchmarkOps runs every operation, implementation and backend: names
// are op/backend/impl=name, so benchstat can put the implementations in
// columns.
func BenchmarkOps(b *testing.B) {
	ctx := context.Background()
	for _, backend := range []string{testdb.SQLiteMemory, testdb.PostgreSQL} {
		b.Run(backend, func(b *testing.B) {
			env := opsOpen(b, backend)
			for _, c := range opsCases() {
				env.seed(b, c.seed)
				b.Run(c.op, func(b *testing.B) {
					for _, impl := range c.impls {
						b.Run("impl="+impl.name, func(b *testing.B) {
							b.ReportAllocs()
							i := 0
							for b.Loop() {
								if err := impl.run(ctx, env, i); err != nil {
									b.Fatal(err)
								}
								i++
							}
						})
					}
				})
			}
		})
	}
}
