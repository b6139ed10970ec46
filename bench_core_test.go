package quarry_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/dialect/sqlite"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// coreBenchStmt is a SELECT with two joins and three WHERE clauses.
func coreBenchStmt() *quarry.Query[*CoreUser] {
	U, A, O := CoreUsers, CoreAddresses, CoreOrders
	return quarry.Select(U).
		Join(A, A.UserID.EqExpr(U.ID)).
		OuterJoin(O, quarry.Deref(O.UserID).EqExpr(U.ID)).
		Where(U.Name.Eq("ed"), quarry.Like(A.Email, "%@x.com"), O.Total.Gt(10))
}

func BenchmarkCoreRender(b *testing.B) {
	d := sqlite.Dialect{}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := quarry.Render(d, coreBenchStmt()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		stmt := coreBenchStmt()
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := quarry.Render(d, stmt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

const coreBenchRows = 10000

// coreBenchDB fills core_users with coreBenchRows rows of 5 columns.
func coreBenchDB(b *testing.B, backend string) *quarry.DB {
	b.Helper()
	ctx := context.Background()
	db := testdb.Open(b, backend)
	if err := db.CreateAll(ctx, CoreUsers); err != nil {
		b.Fatal(err)
	}
	const batch = 500
	for start := 0; start < coreBenchRows; start += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO core_users (id, name, fullname, nickname, age) VALUES ")
		for i := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			n := strconv.Itoa(i)
			sb.WriteString("(:id" + n + ", :name" + n + ", :full" + n + ", :nick" + n + ", :age" + n + ")")
		}
		txt := quarry.UnsafeText(sb.String())
		for i := range batch {
			id, n := start+i+1, strconv.Itoa(i)
			var nick *string
			if id%3 == 0 {
				nick = ptr("nick" + strconv.Itoa(id))
			}
			txt = txt.Bind("id"+n, id).Bind("name"+n, "user"+strconv.Itoa(id)).
				Bind("full"+n, "User Number "+strconv.Itoa(id)).Bind("nick"+n, nick).Bind("age"+n, int32(id%90))
		}
		if _, err := db.Exec(ctx, txt); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkCoreHydrate reads 10,000 rows of 5 columns into structs with
// quarry and with a hand-written Scan loop over the same driver.
func BenchmarkCoreHydrate(b *testing.B) {
	ctx := context.Background()
	for _, backend := range []string{testdb.SQLiteMemory, testdb.PostgreSQL} {
		b.Run(backend, func(b *testing.B) {
			db := coreBenchDB(b, backend)
			stmt := quarry.Select(CoreUsers)
			sql, _, err := quarry.Render(db.Dialect(), stmt)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("quarry", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					us, err := stmt.All(ctx, db)
					if err != nil || len(us) != coreBenchRows {
						b.Fatal(len(us), err)
					}
				}
			})
			b.Run("hand", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rows, err := db.Driver().Query(ctx, sql, nil)
					if err != nil {
						b.Fatal(err)
					}
					var us []*CoreUser
					for rows.Next() {
						u := new(CoreUser)
						if err := rows.Scan(&u.ID, &u.Name, &u.Fullname, &u.Nickname, &u.Age); err != nil {
							b.Fatal(err)
						}
						us = append(us, u)
					}
					if err := rows.Close(); err != nil || len(us) != coreBenchRows {
						b.Fatal(len(us), err)
					}
				}
			})
		})
	}
}
