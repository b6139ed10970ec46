package quarry_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Loading 1,000 users with their 10 addresses each: the eager loaders
// against a hand-written two-query load over the same driver.
func BenchmarkLoader(b *testing.B) {
	for _, backend := range []string{testdb.SQLiteMemory, testdb.PostgreSQL} {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			loadHundred(b, db, 1000, 10)
			ctx := context.Background()
			users := quarry.Select(TUsers).OrderBy(TUsers.ID)
			check := func(b *testing.B, us []*TUser) {
				if len(us) != 1000 || len(us[0].Addresses) != 10 || len(us[999].Addresses) != 10 {
					b.Fatalf("loaded %d users", len(us))
				}
			}
			run := func(name string, load func() ([]*TUser, error)) {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						us, err := load()
						if err != nil {
							b.Fatal(err)
						}
						check(b, us)
					}
				})
			}
			run("manual", func() ([]*TUser, error) {
				us, err := users.All(ctx, db)
				if err != nil {
					return nil, err
				}
				ids := make([]int64, len(us))
				byID := make(map[int64]*TUser, len(us))
				for i, u := range us {
					ids[i] = u.ID
					byID[u.ID] = u
					u.Addresses = []*TAddress{}
				}
				as, err := quarry.Select(TAddresses).Where(quarry.Deref[int64](TAddresses.UserID).In(ids...)).OrderBy(TAddresses.ID).All(ctx, db)
				if err != nil {
					return nil, err
				}
				for _, a := range as {
					u := byID[*a.UserID]
					u.Addresses = append(u.Addresses, a)
					a.User = u
				}
				return us, nil
			})
			// The floor of Joined: its SQL on the bare driver, the address
			// columns through sql.Null (the outer join's side may be
			// NULL), a user built once for its run of rows.
			joinSQL := `SELECT users.id, users.name, users.fullname, users.nickname,` +
				` addresses_1.id AS id_1, addresses_1.email_address, addresses_1.user_id` +
				` FROM users LEFT OUTER JOIN addresses AS addresses_1 ON users.id = addresses_1.user_id` +
				` ORDER BY users.id, addresses_1.id`
			run("manual-join", func() ([]*TUser, error) {
				rows, err := db.Driver().Query(ctx, joinSQL, nil)
				if err != nil {
					return nil, err
				}
				defer rows.Close()
				var us []*TUser
				var u *TUser
				var id int64
				var name, fullname, nickname string
				var aid, uid sql.NullInt64
				var email sql.NullString
				dest := []any{&id, &name, &fullname, &nickname, &aid, &email, &uid}
				for rows.Next() {
					if err := rows.Scan(dest...); err != nil {
						return nil, err
					}
					if u == nil || u.ID != id {
						u = &TUser{ID: id, Name: name, Fullname: fullname, Nickname: nickname, Addresses: []*TAddress{}}
						us = append(us, u)
					}
					if aid.Valid {
						a := &TAddress{ID: aid.Int64, EmailAddress: email.String, User: u}
						if uid.Valid {
							a.UserID = new(uid.Int64)
						}
						u.Addresses = append(u.Addresses, a)
					}
				}
				return us, rows.Close()
			})
			sel := users.Options(quarry.SelectIn(TUsers.Addresses))
			run("selectin", func() ([]*TUser, error) { return sel.All(ctx, db) })
			joined := users.Options(quarry.Joined(TUsers.Addresses))
			run("joined", func() ([]*TUser, error) { return joined.All(ctx, db) })
			sub := users.Options(quarry.SubqueryLoad(TUsers.Addresses))
			run("subquery", func() ([]*TUser, error) { return sub.All(ctx, db) })
		})
	}
}
