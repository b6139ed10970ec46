package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/matryer/is"
	"github.com/quarry-orm/quarry/dialect"
)

func openDriver(t *testing.T, dsn string) *driver {
	t.Helper()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.Driver().(*driver)
}

func cached(pc *pconn) int { return pc.stmts.lru.Len() }

// TestStatementCache checks that a connection prepares each text once,
// that a second cursor of the same text on the same connection does not
// disturb the first, and that the cache stays within its bound.
func TestStatementCache(t *testing.T) {
	for _, dsn := range []string{":memory:", filepath.Join(t.TempDir(), "c.db")} {
		t.Run(dsn, func(t *testing.T) {
			is := is.New(t)
			ctx := context.Background()
			d := openDriver(t, dsn)
			_, err := d.Exec(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`, nil)
			is.NoErr(err)
			for i := 1; i <= 5; i++ {
				_, err := d.Exec(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, []any{i, fmt.Sprint("v", i)})
				is.NoErr(err)
			}

			c, err := d.Acquire(ctx)
			is.NoErr(err)
			pc := c.(*conn).pconn
			before := cached(pc)
			const q = `SELECT id, v FROM t WHERE id >= ? ORDER BY id`
			outer, err := c.Query(ctx, q, []any{1})
			is.NoErr(err)
			is.Equal(cached(pc), before+1) // prepared once, kept
			var ids []int
			for outer.Next() {
				var id int
				var v string
				is.NoErr(outer.Scan(&id, &v))
				ids = append(ids, id)
				// The same text again while the outer cursor is open: it
				// runs unprepared and must not reset the outer cursor.
				inner, err := c.Query(ctx, q, []any{id})
				is.NoErr(err)
				n := 0
				for inner.Next() {
					n++
				}
				is.NoErr(inner.Err())
				is.NoErr(inner.Close())
				is.Equal(n, 6-id)
			}
			is.NoErr(outer.Err())
			is.NoErr(outer.Close())
			is.Equal(ids, []int{1, 2, 3, 4, 5})
			is.Equal(cached(pc), before+1)

			// Reused after the cursor closed: nothing new prepared.
			rows, err := c.Query(ctx, q, []any{5})
			is.NoErr(err)
			is.True(rows.Next())
			is.NoErr(rows.Close())
			is.Equal(cached(pc), before+1)

			// A transaction on the held connection uses the same cache.
			tx, err := c.Begin(ctx, dialect.TxOptions{Write: true})
			is.NoErr(err)
			n, err := tx.Exec(ctx, `UPDATE t SET v = ? WHERE id = ?`, []any{"x", 1})
			is.NoErr(err)
			is.Equal(n, int64(1))
			is.NoErr(tx.Rollback(ctx))

			// The bound holds however many texts run.
			for i := 0; i < stmtCacheSize+50; i++ {
				rows, err := c.Query(ctx, fmt.Sprintf(`SELECT %d, v FROM t WHERE id = ?`, i), []any{1})
				is.NoErr(err)
				is.True(rows.Next())
				is.NoErr(rows.Close())
			}
			is.Equal(cached(pc), stmtCacheSize)
			is.NoErr(c.Release())

			// The pool hands the same connection, with its cache, back.
			c2, err := d.Acquire(ctx)
			is.NoErr(err)
			is.Equal(c2.(*conn).pconn, pc)
			is.NoErr(c2.Release())

			// The rollback above took effect.
			rows, err = d.Query(ctx, `SELECT v FROM t WHERE id = ?`, []any{1})
			is.NoErr(err)
			is.True(rows.Next())
			var v string
			is.NoErr(rows.Scan(&v))
			is.NoErr(rows.Close())
			is.Equal(v, "v1")
		})
	}
}

// TestStatementCacheSchemaChange: a cached statement over a table that is
// dropped and created again with other columns is prepared again by
// SQLite, not run against the old table.
func TestStatementCacheSchemaChange(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	d := openDriver(t, ":memory:")
	c, err := d.Acquire(ctx)
	is.NoErr(err)
	defer c.Release()
	_, err = c.Exec(ctx, `CREATE TABLE s (a INTEGER)`, nil)
	is.NoErr(err)
	_, err = c.Exec(ctx, `INSERT INTO s VALUES (1)`, nil)
	is.NoErr(err)
	columns := func() int {
		rows, err := c.Query(ctx, `SELECT * FROM s`, nil)
		is.NoErr(err)
		defer rows.Close()
		is.True(rows.Next())
		return len(rows.Columns())
	}
	is.Equal(columns(), 1)
	_, err = c.Exec(ctx, `DROP TABLE s`, nil)
	is.NoErr(err)
	_, err = c.Exec(ctx, `CREATE TABLE s (a INTEGER, b TEXT)`, nil)
	is.NoErr(err)
	_, err = c.Exec(ctx, `INSERT INTO s VALUES (1, 'x')`, nil)
	is.NoErr(err)
	is.Equal(columns(), 2)
}
