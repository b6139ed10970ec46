package bench

import (
	"context"

	"github.com/quarry-orm/quarry"
)

// UserTable maps User to ops_users for quarry.
type UserTable struct {
	quarry.Entity[User]
	ID       quarry.Column[int64] `quarry:"id,pk"`
	Name     quarry.Column[string]
	Fullname quarry.Column[string]
	Nickname quarry.Column[*string]
}

// Users is quarry's ops_users table.
var Users = quarry.Table[User, UserTable]("ops_users")

// quarryPeer is quarry's statement API on the DB, without a Session.
type quarryPeer struct {
	rawResult
	db *quarry.DB
}

func newQuarryPeer(db *quarry.DB) *quarryPeer { return &quarryPeer{db: db} }

func (p *quarryPeer) Name() string { return "quarry" }

func (p *quarryPeer) InsertOne(ctx context.Context, k int64) error {
	u := NewUser(k)
	p.keep(&u, nil)
	_, err := quarry.Insert(Users).Values(&u).ReturningDefaults().Exec(ctx, p.db)
	return err
}

func (p *quarryPeer) InsertMany(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	_, err := quarry.Insert(Users).Values(us...).ReturningDefaults().Exec(ctx, p.db)
	return err
}

// InsertManyTx gives all the rows to one INSERT statement, which quarry
// runs in batches of 1,000 rows for this table (its parameter budget),
// as the other peers cut them.
func (p *quarryPeer) InsertManyTx(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	return p.db.Transaction(ctx, func(s *quarry.Session) error {
		_, err := quarry.Insert(Users).Values(us...).ReturningDefaults().Exec(ctx, s)
		return err
	})
}

func (p *quarryPeer) UpdateOne(ctx context.Context, id int64, fullname string) error {
	p.keep(nil, nil)
	_, err := quarry.Update(Users).Set(quarry.Set(Users.Fullname, fullname)).Where(Users.ID.Eq(id)).Exec(ctx, p.db)
	return err
}

func (p *quarryPeer) ReadOne(ctx context.Context, id int64) error {
	p.keep(nil, nil)
	u, err := quarry.Select(Users).Where(Users.ID.Eq(id)).One(ctx, p.db)
	p.keep(u, nil)
	return err
}

func (p *quarryPeer) ReadMany(ctx context.Context, n int) error {
	p.keep(nil, nil)
	us, err := quarry.Select(Users).Where(Users.ID.Le(int64(n))).OrderBy(Users.ID).All(ctx, p.db)
	if err != nil {
		return err
	}
	p.keep(nil, us)
	return wantRows(len(us), n)
}

// sessionPeer is quarry through a fresh Session per operation, as a
// request handler uses one: objects added and flushed by Commit, rows
// loaded into the identity map. Its UpdateOne is the unit of work's way:
// Get the object, change it, Commit (a SELECT, then the UPDATE the flush
// finds).
type sessionPeer struct {
	rawResult
	db *quarry.DB
}

func newSessionPeer(db *quarry.DB) *sessionPeer { return &sessionPeer{db: db} }

func (p *sessionPeer) Name() string { return "quarry Session" }

// commit commits the Session and closes it.
func commit(ctx context.Context, s *quarry.Session) error {
	defer s.Close(ctx)
	return s.Commit(ctx)
}

func (p *sessionPeer) InsertOne(ctx context.Context, k int64) error {
	u := NewUser(k)
	p.keep(&u, nil)
	s := p.db.Session()
	if err := s.Add(&u); err != nil {
		s.Close(ctx)
		return err
	}
	return commit(ctx, s)
}

func (p *sessionPeer) InsertMany(ctx context.Context, k int64, n int) error {
	us := newUsers(k, n)
	p.keep(nil, us)
	s := p.db.Session()
	if err := quarry.AddAll(s, us); err != nil {
		s.Close(ctx)
		return err
	}
	return commit(ctx, s)
}

// InsertManyTx adds the objects to one Session, whose Commit flushes them
// in one transaction, in INSERTs of 1,000 rows.
func (p *sessionPeer) InsertManyTx(ctx context.Context, k int64, n int) error {
	return p.InsertMany(ctx, k, n)
}

func (p *sessionPeer) UpdateOne(ctx context.Context, id int64, fullname string) error {
	p.keep(nil, nil)
	s := p.db.Session()
	u, err := quarry.Get(ctx, s, Users, id)
	if err != nil {
		s.Close(ctx)
		return err
	}
	u.Fullname = fullname
	return commit(ctx, s)
}

func (p *sessionPeer) ReadOne(ctx context.Context, id int64) error {
	p.keep(nil, nil)
	s := p.db.Session()
	defer s.Close(ctx)
	u, err := quarry.Get(ctx, s, Users, id)
	p.keep(u, nil)
	return err
}

func (p *sessionPeer) ReadMany(ctx context.Context, n int) error {
	p.keep(nil, nil)
	s := p.db.Session()
	defer s.Close(ctx)
	us, err := quarry.Select(Users).Where(Users.ID.Le(int64(n))).OrderBy(Users.ID).All(ctx, s)
	if err != nil {
		return err
	}
	p.keep(nil, us)
	return wantRows(len(us), n)
}
