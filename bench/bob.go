package bench

import (
	"context"
	"database/sql"

	"github.com/stephenafamo/bob"
	"github.com/stephenafamo/bob/dialect/psql"
	pgbob "github.com/stephenafamo/bob/dialect/psql/dialect"
	pgim "github.com/stephenafamo/bob/dialect/psql/im"
	pgsm "github.com/stephenafamo/bob/dialect/psql/sm"
	pgum "github.com/stephenafamo/bob/dialect/psql/um"
	"github.com/stephenafamo/bob/dialect/sqlite"
	litebob "github.com/stephenafamo/bob/dialect/sqlite/dialect"
	liteim "github.com/stephenafamo/bob/dialect/sqlite/im"
	litesm "github.com/stephenafamo/bob/dialect/sqlite/sm"
	liteum "github.com/stephenafamo/bob/dialect/sqlite/um"
	"github.com/stephenafamo/scan"
)

// bob is a query builder: its dialects are packages of their own, with
// types of their own, so each database has its builders here and the
// peer runs what they build through bob's executor and scan mappers. (bob
// also generates models from a schema; a generated-code step is beyond a
// benchmark's module, and what they run is the same builders.)
type bobBuilders struct {
	insert     func(us []*User) bob.Query // INSERT ... RETURNING id
	update     func(id int64, fullname string) bob.Query
	selectID   func(id int64) bob.Query
	selectUpTo func(n int) bob.Query // the rows of ids 1..n in id order
}

// The selected columns, each quoted (Quote of several names writes one
// qualified name).
var (
	pgColumns   = []any{psql.Quote("id"), psql.Quote("name"), psql.Quote("fullname"), psql.Quote("nickname")}
	liteColumns = []any{sqlite.Quote("id"), sqlite.Quote("name"), sqlite.Quote("fullname"), sqlite.Quote("nickname")}
)

var bobPostgres = bobBuilders{
	insert: func(us []*User) bob.Query {
		mods := make([]bob.Mod[*pgbob.InsertQuery], 0, len(us)+2)
		mods = append(mods, pgim.Into(psql.Quote("ops_users"), "name", "fullname", "nickname"))
		for _, u := range us {
			mods = append(mods, pgim.Values(psql.Arg(u.Name, u.Fullname, u.Nickname)))
		}
		return psql.Insert(append(mods, pgim.Returning(psql.Quote("id")))...)
	},
	update: func(id int64, fullname string) bob.Query {
		return psql.Update(
			pgum.Table(psql.Quote("ops_users")),
			pgum.SetCol("fullname").ToArg(fullname),
			pgum.Where(psql.Quote("id").EQ(psql.Arg(id))),
		)
	},
	selectID: func(id int64) bob.Query {
		return psql.Select(
			pgsm.Columns(pgColumns...),
			pgsm.From(psql.Quote("ops_users")),
			pgsm.Where(psql.Quote("id").EQ(psql.Arg(id))),
		)
	},
	selectUpTo: func(n int) bob.Query {
		return psql.Select(
			pgsm.Columns(pgColumns...),
			pgsm.From(psql.Quote("ops_users")),
			pgsm.Where(psql.Quote("id").LTE(psql.Arg(n))),
			pgsm.OrderBy(psql.Quote("id")),
		)
	},
}

var bobSQLite = bobBuilders{
	insert: func(us []*User) bob.Query {
		mods := make([]bob.Mod[*litebob.InsertQuery], 0, len(us)+2)
		mods = append(mods, liteim.Into(sqlite.Quote("ops_users"), "name", "fullname", "nickname"))
		for _, u := range us {
			mods = append(mods, liteim.Values(sqlite.Arg(u.Name, u.Fullname, u.Nickname)))
		}
		return sqlite.Insert(append(mods, liteim.Returning(sqlite.Quote("id")))...)
	},
	update: func(id int64, fullname string) bob.Query {
		return sqlite.Update(
			liteum.Table(sqlite.Quote("ops_users")),
			liteum.SetCol("fullname").ToArg(fullname),
			liteum.Where(sqlite.Quote("id").EQ(sqlite.Arg(id))),
		)
	},
	selectID: func(id int64) bob.Query {
		return sqlite.Select(
			litesm.Columns(liteColumns...),
			litesm.From(sqlite.Quote("ops_users")),
			litesm.Where(sqlite.Quote("id").EQ(sqlite.Arg(id))),
		)
	},
	selectUpTo: func(n int) bob.Query {
		return sqlite.Select(
			litesm.Columns(liteColumns...),
			litesm.From(sqlite.Quote("ops_users")),
			litesm.Where(sqlite.Quote("id").LTE(sqlite.Arg(n))),
			litesm.OrderBy(sqlite.Quote("id")),
		)
	},
}

// bobPeer is bob's query builders, run with bob.One, bob.All and
// bob.Exec, rows scanned by its struct mapper (columns by snake-case
// field name).
type bobPeer struct {
	rawResult
	db bob.DB
	q  bobBuilders
}

func newBobPeer(sdb *sql.DB, q bobBuilders) *bobPeer { return &bobPeer{db: bob.NewDB(sdb), q: q} }

func (p *bobPeer) Name() string { return "bob" }

// insert inserts us with one statement and sets their ids.
func (p *bobPeer) insert(ctx context.Context, ex bob.Executor, us []*User) error {
	ids, err := bob.All(ctx, ex, p.q.insert(us), scan.SingleColumnMapper[int64])
	if err != nil {
		return err
	}
	if err := wantRows(len(ids), len(us)); err != nil {
		return err
	}
	for i, id := range ids {
		us[i].ID = id
	}
	return nil
}

func (p *bobPeer) InsertOne(ctx context.Context, k int64) error {
	u := NewUser(k)
	p.keep(&u, nil)
	id, err := bob.One(ctx, p.db, p.q.insert([]*User{&u}), scan.SingleColumnMapper[int64])
	u.ID = id
	return err
}

func (p *bobPeer) InsertMany(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	return p.insert(ctx, p.db, us)
}

func (p *bobPeer) InsertManyTx(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	return p.db.RunInTx(ctx, nil, func(ctx context.Context, tx bob.Executor) error {
		for i := 0; i < len(us); i += BatchRows {
			if err := p.insert(ctx, tx, us[i:min(i+BatchRows, len(us))]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (p *bobPeer) UpdateOne(ctx context.Context, id int64, fullname string) error {
	p.keep(nil, nil)
	_, err := bob.Exec(ctx, p.db, p.q.update(id, fullname))
	return err
}

func (p *bobPeer) ReadOne(ctx context.Context, id int64) error {
	p.keep(nil, nil)
	u, err := bob.One(ctx, p.db, p.q.selectID(id), scan.StructMapper[*User]())
	p.keep(u, nil)
	return err
}

func (p *bobPeer) ReadMany(ctx context.Context, n int) error {
	p.keep(nil, nil)
	us, err := bob.All(ctx, p.db, p.q.selectUpTo(n), scan.StructMapper[*User]())
	if err != nil {
		return err
	}
	p.keep(nil, us)
	return wantRows(len(us), n)
}
