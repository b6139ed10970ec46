package quarry_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/matryer/is"
	"github.com/quarry-orm/quarry"
	"github.com/quarry-orm/quarry/internal/testdb"
)

// Regression tests of issue 9 about the values the unit of work writes:
// refused COMMITs (item 9), zero values and defaults (item 10), changes
// inside fields (item 11), version counters set by hand (item 12) and the
// order of INSERTs (item 17). Tables are prefixed uv_.

// UVFlag has server defaults on columns of every kind of field.
type UVFlag struct {
	ID     int64
	Active bool
	Hits   int64
	Label  string
	Nick   *string
	Tier   int64
}

type UVFlagTable struct {
	quarry.Entity[UVFlag]
	ID     quarry.Column[int64]   `quarry:"id,pk"`
	Active quarry.Column[bool]    `quarry:"active,default=true"`
	Hits   quarry.Column[int64]   `quarry:"hits,default=7"`
	Label  quarry.Column[string]  `quarry:"label,default=anon"`
	Nick   quarry.Column[*string] `quarry:"nick,default=nick"`
	Tier   quarry.Column[int64]   `quarry:"tier,default=3,omitzero"`
}

// UVTags is a Scanner/Valuer over a slice: a mutable value.
type UVTags []string

// Value joins the tags with commas.
func (t UVTags) Value() (driver.Value, error) { return strings.Join(t, ","), nil }

// Scan splits a comma-separated text.
func (t *UVTags) Scan(src any) error {
	s, err := uvText(src)
	if err != nil {
		return err
	}
	*t = nil
	if s != "" {
		*t = strings.Split(s, ",")
	}
	return nil
}

// UVAttrs is a Scanner/Valuer over a map.
type UVAttrs map[string]string

// Value writes the pairs as k=v, sorted by key, separated by semicolons.
func (a UVAttrs) Value() (driver.Value, error) {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k + "=" + a[k])
	}
	return b.String(), nil
}

// Scan reads what Value writes.
func (a *UVAttrs) Scan(src any) error {
	s, err := uvText(src)
	if err != nil {
		return err
	}
	*a = UVAttrs{}
	for _, kv := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			(*a)[k] = v
		}
	}
	return nil
}

// UVList is a Valuer whose value is not comparable (a []string, as a
// driver that takes arrays accepts).
type UVList []string

// Value returns the slice itself.
func (l UVList) Value() (driver.Value, error) { return []string(l), nil }

// Scan splits a comma-separated text.
func (l *UVList) Scan(src any) error {
	s, err := uvText(src)
	if err != nil {
		return err
	}
	*l = strings.Split(s, ",")
	return nil
}

func uvText(src any) (string, error) {
	switch v := src.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("cannot scan %T", src)
}

// UVDoc holds mutable values.
type UVDoc struct {
	ID    int64
	Tags  UVTags
	Attrs UVAttrs
	Blob  []byte
}

type UVDocTable struct {
	quarry.Entity[UVDoc]
	ID    quarry.Column[int64]   `quarry:"id,pk"`
	Tags  quarry.Column[UVTags]  `quarry:"tags,type=TEXT"`
	Attrs quarry.Column[UVAttrs] `quarry:"attrs,type=TEXT"`
	Blob  quarry.Column[[]byte]  `quarry:"blob"`
}

// UVOdd holds a Valuer of an uncomparable value.
type UVOdd struct {
	ID   int64
	List UVList
}

type UVOddTable struct {
	quarry.Entity[UVOdd]
	ID   quarry.Column[int64]  `quarry:"id,pk"`
	List quarry.Column[UVList] `quarry:"list,type=TEXT"`
}

// UVCounter has a version counter.
type UVCounter struct {
	ID      int64
	N       int64
	Version int64
}

type UVCounterTable struct {
	quarry.Entity[UVCounter]
	ID      quarry.Column[int64] `quarry:"id,pk,noauto"`
	N       quarry.Column[int64]
	Version quarry.Column[int64] `quarry:"version,version"`
}

// UVItem has a generated key; UVCode a given one.
type UVItem struct {
	ID   int64
	Name string
}

type UVItemTable struct {
	quarry.Entity[UVItem]
	ID   quarry.Column[int64] `quarry:"id,pk"`
	Name quarry.Column[string]
}

type UVCode struct {
	Code int64
	Name string
}

type UVCodeTable struct {
	quarry.Entity[UVCode]
	Code quarry.Column[int64] `quarry:"code,pk,noauto"`
	Name quarry.Column[string]
}

// UVDParent and UVDChild live in tables created by hand with a deferred
// foreign key (not declared to quarry, so the child may come first).
type UVDParent struct{ ID int64 }

type UVDParentTable struct {
	quarry.Entity[UVDParent]
	ID quarry.Column[int64] `quarry:"id,pk,noauto"`
}

type UVDChild struct {
	ID       int64
	ParentID int64
}

type UVDChildTable struct {
	quarry.Entity[UVDChild]
	ID       quarry.Column[int64] `quarry:"id,pk,noauto"`
	ParentID quarry.Column[int64] `quarry:"parent_id"`
}

// UVTrig lives in a PostgreSQL table with a deferred constraint trigger.
type UVTrig struct {
	ID int64
	N  int64
}

type UVTrigTable struct {
	quarry.Entity[UVTrig]
	ID quarry.Column[int64] `quarry:"id,pk,noauto"`
	N  quarry.Column[int64] `quarry:"n"`
}

var (
	UVFlags     = quarry.Table[UVFlag, UVFlagTable]("uv_flags")
	UVDocs      = quarry.Table[UVDoc, UVDocTable]("uv_docs")
	UVOdds      = quarry.Table[UVOdd, UVOddTable]("uv_odds")
	UVCounters  = quarry.Table[UVCounter, UVCounterTable]("uv_counters")
	UVItems     = quarry.Table[UVItem, UVItemTable]("uv_items")
	UVCodes     = quarry.Table[UVCode, UVCodeTable]("uv_codes")
	UVDParents  = quarry.Table[UVDParent, UVDParentTable]("uv_dparents")
	UVDChildren = quarry.Table[UVDChild, UVDChildTable]("uv_dchildren")
	UVTrigs     = quarry.Table[UVTrig, UVTrigTable]("uv_trigs")
)

func uvExec(t *testing.T, db *quarry.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(context.Background(), quarry.UnsafeText(s)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// uvNoPanic runs fn and fails the test, instead of crashing the binary,
// when it panics.
func uvNoPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("%s panicked: %v", what, p)
		}
	}()
	fn()
}

// TestUVCommitRefusedDeferredFK: a deferred foreign key refuses the
// COMMIT on every backend. The database's error comes back (not
// ErrCommitUnknown), the Session is as after a failed flush, and the
// corrected retry writes everything.
func TestUVCommitRefusedDeferredFK(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		uvExec(t, db,
			"CREATE TABLE uv_dparents (id BIGINT PRIMARY KEY)",
			"CREATE TABLE uv_dchildren (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES uv_dparents (id) DEFERRABLE INITIALLY DEFERRED)")
		s := db.Session()
		defer s.Close(ctx)
		c := &UVDChild{ID: 1, ParentID: 7}
		is.NoErr(s.Add(c))
		log.Reset()
		err := s.Commit(ctx)
		is.True(err != nil)
		is.True(!errors.Is(err, quarry.ErrCommitUnknown)) // the database answered
		is.True(errors.Is(err, quarry.ErrForeignKeyViolation))
		is.Equal(sessSQL(log), []string{"BEGIN", "INSERT INTO uv_dchildren (id, parent_id) VALUES (?, ?)", "COMMIT"})
		is.Equal(s.New(), []any{c}) // pending again
		n, err := quarry.Select(quarry.CountAll()).SelectFrom(UVDChildren).Scalar(ctx, db)
		is.NoErr(err)
		is.Equal(n, int64(0))

		is.NoErr(s.Add(&UVDParent{ID: 7}))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "INSERT INTO uv_dchildren (id, parent_id) VALUES (?, ?)", "INSERT INTO uv_dparents (id) VALUES (?)", "COMMIT"})
		rows, err := quarry.Select2(UVDChildren.ID, UVDChildren.ParentID).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []quarry.Row2[int64, int64]{{V1: 1, V2: 7}})
	})
}

// uvTrigSchema creates uv_trigs with a deferred constraint trigger that
// refuses a negative n at COMMIT. PostgreSQL only: SQLite has no deferred
// triggers.
func uvTrigSchema(t *testing.T, db *quarry.DB) {
	uvExec(t, db,
		"CREATE TABLE uv_trigs (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)",
		`CREATE FUNCTION uv_trigs_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.n < 0 THEN
		RAISE EXCEPTION 'uv_trigs: n must not be negative';
	END IF;
	RETURN NULL;
END $$`,
		"CREATE CONSTRAINT TRIGGER uv_trigs_check AFTER INSERT OR UPDATE ON uv_trigs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION uv_trigs_check()")
}

func uvTrigRows(t *testing.T, db *quarry.DB) []quarry.Row2[int64, int64] {
	t.Helper()
	rows, err := quarry.Select2(UVTrigs.ID, UVTrigs.N).OrderBy(UVTrigs.ID).All(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestUVCommitRefusedDeferredTrigger: a deferred trigger raising at
// COMMIT (an error quarry does not classify) is a refusal too, for an
// INSERT and for an UPDATE. PostgreSQL only (deferred triggers).
func TestUVCommitRefusedDeferredTrigger(t *testing.T) {
	log := testdb.NewLog()
	db := testdb.Postgres(t, quarry.WithLogger(log.Logger()))
	is := is.New(t)
	ctx := context.Background()
	uvTrigSchema(t, db)
	s := db.Session()
	defer s.Close(ctx)

	o := &UVTrig{ID: 1, N: -1}
	is.NoErr(s.Add(o))
	log.Reset()
	err := s.Commit(ctx)
	is.True(err != nil)
	is.True(!errors.Is(err, quarry.ErrCommitUnknown))
	var pe *pgconn.PgError
	is.True(errors.As(err, &pe)) // the driver's error
	is.Equal(pe.Code, "P0001")
	is.True(strings.Contains(err.Error(), "n must not be negative"))
	is.Equal(sessSQL(log), []string{"BEGIN", "INSERT INTO uv_trigs (id, n) VALUES (?, ?)", "COMMIT"})
	is.Equal(s.New(), []any{o})
	is.Equal(len(uvTrigRows(t, db)), 0)

	o.N = 1
	log.Reset()
	is.NoErr(s.Commit(ctx))
	is.Equal(sessSQL(log), []string{"BEGIN", "INSERT INTO uv_trigs (id, n) VALUES (?, ?)", "COMMIT"})
	is.Equal(uvTrigRows(t, db), []quarry.Row2[int64, int64]{{V1: 1, V2: 1}})

	// An UPDATE refused at COMMIT stays a change to write.
	o.N = -5
	log.Reset()
	err = s.Commit(ctx)
	is.True(err != nil && !errors.Is(err, quarry.ErrCommitUnknown))
	is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_trigs SET n = ? WHERE uv_trigs.id = ?", "COMMIT"})
	is.Equal(o.N, int64(-5))
	is.True(s.IsModified(o))
	is.Equal(uvTrigRows(t, db), []quarry.Row2[int64, int64]{{V1: 1, V2: 1}})
	o.N = 2
	log.Reset()
	is.NoErr(s.Commit(ctx))
	is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_trigs SET n = ? WHERE uv_trigs.id = ?", "COMMIT"})
	is.Equal(uvTrigRows(t, db), []quarry.Row2[int64, int64]{{V1: 1, V2: 2}})
}

// TestUVTxAborted: after a failed statement PostgreSQL ignores every
// statement of the transaction; the next one reports ErrTxAborted, and
// COMMIT (which pgx reports as "commit unexpectedly resulted in
// rollback") is a refusal that keeps the changes for a retry.
// PostgreSQL only: SQLite's transactions survive a failed statement.
func TestUVTxAborted(t *testing.T) {
	log := testdb.NewLog()
	db := testdb.Postgres(t, quarry.WithLogger(log.Logger()))
	is := is.New(t)
	ctx := context.Background()
	uvExec(t, db, "CREATE TABLE uv_trigs (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
	s := db.Session()
	defer s.Close(ctx)
	o := &UVTrig{ID: 1, N: 1}
	is.NoErr(s.Add(o))
	is.NoErr(s.Commit(ctx))

	o.N = 5
	log.Reset()
	_, err := quarry.Select(UVTrigs).Where(quarry.Text("1/0 = 1")).All(ctx, s) // autoflush, then division by zero
	is.True(err != nil)
	is.True(!errors.Is(err, quarry.ErrTxAborted))
	_, err = quarry.Select(UVTrigs).All(ctx, s)
	is.True(errors.Is(err, quarry.ErrTxAborted)) // not a bare 25P02
	is.True(strings.Contains(err.Error(), "rolled back"))
	var pe *pgconn.PgError
	is.True(errors.As(err, &pe) && pe.Code == "25P02")

	err = s.Commit(ctx)
	is.True(err != nil)
	is.True(!errors.Is(err, quarry.ErrCommitUnknown))
	is.True(errors.Is(err, quarry.ErrTxAborted))
	is.Equal(sessSQL(log)[len(sessSQL(log))-1], "COMMIT")
	is.Equal(o.N, int64(5))
	is.True(s.IsModified(o))
	is.Equal(uvTrigRows(t, db), []quarry.Row2[int64, int64]{{V1: 1, V2: 1}})

	log.Reset()
	is.NoErr(s.Commit(ctx))
	is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_trigs SET n = ? WHERE uv_trigs.id = ?", "COMMIT"})
	is.Equal(uvTrigRows(t, db), []quarry.Row2[int64, int64]{{V1: 1, V2: 5}})
}

// TestUVCommitUnknownOnCancel: a COMMIT that cannot get its answer (the
// context is done) is still reported as ErrCommitUnknown.
func TestUVCommitUnknownOnCancel(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *quarry.DB) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UVItems))
		s := db.Session()
		defer s.Close(ctx)
		is.NoErr(s.Add(&UVItem{Name: "a"}))
		is.NoErr(s.Flush(ctx))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := s.Commit(cctx)
		is.True(errors.Is(err, quarry.ErrCommitUnknown))
	})
}

// TestUVZeroValuesWritten: the value in the struct is what is written; a
// column default applies to a nil pointer field and, with omitzero, to a
// zero field.
func TestUVZeroValuesWritten(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UVFlags))
		s := db.Session()
		defer s.Close(ctx)
		zero := &UVFlag{}
		set := &UVFlag{Active: true, Hits: 2, Label: "x", Nick: sptr("n"), Tier: 4}
		is.NoErr(s.Add(zero, set))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"INSERT INTO uv_flags (active, hits, label) VALUES (?, ?, ?) RETURNING id, nick, tier",
			"INSERT INTO uv_flags (active, hits, label, nick, tier) VALUES (?, ?, ?, ?, ?) RETURNING id",
			"COMMIT",
		})
		is.Equal(*zero, UVFlag{ID: zero.ID, Nick: zero.Nick, Tier: 3}) // false, 0 and "" kept
		is.Equal(*zero.Nick, "nick")
		got, err := quarry.Select(UVFlags).OrderBy(UVFlags.ID).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(got), 2)
		is.Equal(got[0].Active, false)
		is.Equal(got[0].Hits, int64(0))
		is.Equal(got[0].Label, "")
		is.Equal(*got[0].Nick, "nick")
		is.Equal(got[0].Tier, int64(3))
		is.Equal(got[1].Active, true)
		is.Equal(got[1].Tier, int64(4))
		is.Equal(*got[1].Nick, "n")
	})
}

// TestUVOmitzeroNeedsDefault: omitzero without a default is a mapping
// error.
func TestUVOmitzeroNeedsDefault(t *testing.T) {
	is := is.New(t)
	type uvBad struct {
		ID int64
		N  int64
	}
	type uvBadTable struct {
		quarry.Entity[uvBad]
		ID quarry.Column[int64] `quarry:"id,pk"`
		N  quarry.Column[int64] `quarry:"n,omitzero"`
	}
	_, err := quarry.TryTable[uvBad, uvBadTable]("uv_bad")
	is.True(errors.Is(err, quarry.ErrMapping))
	is.True(strings.Contains(err.Error(), "omitzero"))
}

// TestUVMutableFieldChanges: editing an element of a slice or a key of a
// map inside a Scanner/Valuer field, or a byte of a []byte, is a change
// that the flush writes.
func TestUVMutableFieldChanges(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UVDocs))
		s := db.Session()
		defer s.Close(ctx)
		d := &UVDoc{Tags: UVTags{"a", "b"}, Attrs: UVAttrs{"k": "1"}, Blob: []byte("xy")}
		is.NoErr(s.Add(d))
		is.NoErr(s.Commit(ctx))
		is.True(!s.IsModified(d))

		d.Tags[0] = "z"
		is.True(s.IsModified(d))
		is.Equal(s.Dirty(), []any{d})
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_docs SET tags = ? WHERE uv_docs.id = ?", "COMMIT"})

		d.Attrs["k"] = "2"
		d.Attrs["j"] = "3"
		is.True(s.IsModified(d))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_docs SET attrs = ? WHERE uv_docs.id = ?", "COMMIT"})

		d.Blob[1] = 'z'
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_docs SET blob = ? WHERE uv_docs.id = ?", "COMMIT"})

		log.Reset()
		is.NoErr(s.Flush(ctx)) // nothing changed since
		is.Equal(log.Count(), 0)

		got, err := quarry.Select(UVDocs).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(got), 1)
		is.Equal(got[0].Tags, UVTags{"z", "b"})
		is.Equal(got[0].Attrs, UVAttrs{"j": "3", "k": "2"})
		is.Equal(got[0].Blob, []byte("xz"))

		// Rollback restores deep copies: a later edit of the restored
		// value is seen again.
		d.Tags[1] = "q"
		is.NoErr(s.Rollback(ctx))
		is.Equal(d.Tags, UVTags{"z", "b"})
		d.Tags[1] = "r"
		is.True(s.IsModified(d))
	})
}

// TestUVUncomparableValuer: the dirty check of a Valuer whose value is a
// []string neither panics nor misses an edit.
func TestUVUncomparableValuer(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UVOdds))
		uvExec(t, db, "INSERT INTO uv_odds (id, list) VALUES (1, 'a,b')")
		s := db.Session()
		defer s.Close(ctx)
		o, err := quarry.Get(ctx, s, UVOdds, 1)
		is.NoErr(err)
		uvNoPanic(t, "IsModified", func() { is.True(!s.IsModified(o)) })
		log.Reset()
		uvNoPanic(t, "Flush", func() { is.NoErr(s.Flush(ctx)) })
		is.Equal(log.Count(), 0)
		o.List[1] = "c"
		uvNoPanic(t, "IsModified", func() { is.True(s.IsModified(o)) })
		uvNoPanic(t, "Dirty", func() { is.Equal(s.Dirty(), []any{o}) })
		is.NoErr(s.Rollback(ctx))
		is.Equal(o.List, UVList{"a", "b"})
		is.True(!s.IsModified(o))
		is.Equal(len(sessSQL(log)), 0) // nothing written: no transaction to roll back
	})
}

// TestUVVersionSetByHand: a version counter changed by the program is
// refused at flush with an error that says so, before anything is sent;
// the row and the object never disagree silently.
func TestUVVersionSetByHand(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UVCounters))
		s := db.Session()
		defer s.Close(ctx)
		c := &UVCounter{ID: 1}
		is.NoErr(s.Add(c))
		is.NoErr(s.Commit(ctx))
		is.Equal(c.Version, int64(1))

		c.Version = 5 // alone
		log.Reset()
		err := s.Commit(ctx)
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "version"))
		is.Equal(sessSQL(log), []string(nil))
		is.Equal(c.Version, int64(1)) // the Session's value again

		c.Version, c.N = 9, 3 // with another change
		err = s.Commit(ctx)
		is.True(err != nil && strings.Contains(err.Error(), "version"))
		is.Equal(c.Version, int64(1))
		is.Equal(c.N, int64(3))
		rows, err := quarry.Select3(UVCounters.ID, UVCounters.N, UVCounters.Version).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []quarry.Row3[int64, int64, int64]{{V1: 1, V2: 0, V3: 1}})

		log.Reset()
		is.NoErr(s.Commit(ctx)) // the retry writes the other change
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_counters SET n = ?, version = ? WHERE uv_counters.id = ? AND uv_counters.version = ?", "COMMIT"})
		is.Equal(c.Version, int64(2))
		rows, err = quarry.Select3(UVCounters.ID, UVCounters.N, UVCounters.Version).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []quarry.Row3[int64, int64, int64]{{V1: 1, V2: 3, V3: 2}})

		// A new object taking a deleted one's row is not a hand-set
		// version: the row switch goes on with the Session's counter.
		is.NoErr(s.Delete(c))
		c2 := &UVCounter{ID: 1, N: 7}
		is.NoErr(s.Add(c2))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_counters SET n = ?, version = ? WHERE uv_counters.id = ? AND uv_counters.version = ?", "COMMIT"})
		is.Equal(c2.Version, int64(3))
		rows, err = quarry.Select3(UVCounters.ID, UVCounters.N, UVCounters.Version).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []quarry.Row3[int64, int64, int64]{{V1: 1, V2: 7, V3: 3}})
	})
}

// TestUVInsertAddOrder: rows of one table are inserted in the order they
// were added, whether their keys are given or generated.
func TestUVInsertAddOrder(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UVItems, UVCodes))
		s := db.Session()
		defer s.Close(ctx)
		a, b, c, d := &UVItem{Name: "a"}, &UVItem{ID: 100, Name: "b"}, &UVItem{Name: "c"}, &UVItem{ID: 50, Name: "d"}
		is.NoErr(s.Add(a, b, c, d))
		is.NoErr(s.Add(&UVCode{Code: 3, Name: "x"}, &UVCode{Code: 1, Name: "y"}, &UVCode{Code: 2, Name: "z"}))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{
			"BEGIN",
			"INSERT INTO uv_codes (code, name) VALUES (?, ?), (?, ?), (?, ?)",
			"INSERT INTO uv_items (name) VALUES (?) RETURNING id",
			"INSERT INTO uv_items (id, name) VALUES (?, ?)",
			"INSERT INTO uv_items (name) VALUES (?) RETURNING id",
			"INSERT INTO uv_items (id, name) VALUES (?, ?)",
			"COMMIT",
		})
		var names []any
		for _, e := range log.Entries() {
			if strings.HasPrefix(e.SQL, `INSERT INTO "uv_items"`) {
				names = append(names, e.Args[len(e.Args)-1])
			}
		}
		is.Equal(names, []any{"a", "b", "c", "d"})
		is.Equal(log.Entries()[1].Args, []any{int64(3), "x", int64(1), "y", int64(2), "z"})
		is.True(a.ID != 0 && c.ID != 0 && a.ID != c.ID)
		rows, err := quarry.Select2(UVItems.ID, UVItems.Name).OrderBy(UVItems.Name).All(ctx, db)
		is.NoErr(err)
		is.Equal(rows, []quarry.Row2[int64, string]{{V1: a.ID, V2: "a"}, {V1: 100, V2: "b"}, {V1: c.ID, V2: "c"}, {V1: 50, V2: "d"}})
	})
}

// UVBag is a Scanner/Valuer struct whose state is an unexported map of
// slices: an edit two levels down is a change.
type UVBag struct{ m map[string][]int }

// Value writes k:1,2 pairs sorted by key, separated by semicolons.
func (b UVBag) Value() (driver.Value, error) {
	keys := make([]string, 0, len(b.m))
	for k := range b.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		var ns []string
		for _, n := range b.m[k] {
			ns = append(ns, fmt.Sprint(n))
		}
		parts = append(parts, k+":"+strings.Join(ns, ","))
	}
	return strings.Join(parts, ";"), nil
}

// Scan reads what Value writes.
func (b *UVBag) Scan(src any) error {
	s, err := uvText(src)
	if err != nil {
		return err
	}
	b.m = map[string][]int{}
	for _, part := range strings.Split(s, ";") {
		k, ns, _ := strings.Cut(part, ":")
		for _, n := range strings.Split(ns, ",") {
			var i int
			fmt.Sscan(n, &i)
			b.m[k] = append(b.m[k], i)
		}
	}
	return nil
}

// UVStatus is a named string: it keeps the scalar fast path.
type UVStatus string

type UVBox struct {
	ID     int64
	Bag    UVBag
	Status UVStatus
}

type UVBoxTable struct {
	quarry.Entity[UVBox]
	ID     quarry.Column[int64]    `quarry:"id,pk"`
	Bag    quarry.Column[UVBag]    `quarry:"bag,type=TEXT"`
	Status quarry.Column[UVStatus] `quarry:"status"`
}

var UVBoxes = quarry.Table[UVBox, UVBoxTable]("uv_boxes")

// TestUVNestedFieldChanges: an edit inside a slice held in a map in an
// unexported field of a Valuer struct, and a change of a named string,
// are changes; the snapshot shares nothing with the object.
func TestUVNestedFieldChanges(t *testing.T) {
	testdb.EachLogged(t, func(t *testing.T, db *quarry.DB, log *testdb.Log) {
		is := is.New(t)
		ctx := context.Background()
		is.NoErr(db.CreateAll(ctx, UVBoxes))
		s := db.Session()
		defer s.Close(ctx)
		b := &UVBox{Bag: UVBag{m: map[string][]int{"k": {1, 2}}}, Status: "new"}
		is.NoErr(s.Add(b))
		is.NoErr(s.Commit(ctx))
		is.True(!s.IsModified(b))

		b.Bag.m["k"][0] = 9
		is.True(s.IsModified(b))
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_boxes SET bag = ? WHERE uv_boxes.id = ?", "COMMIT"})

		b.Status = "done"
		log.Reset()
		is.NoErr(s.Commit(ctx))
		is.Equal(sessSQL(log), []string{"BEGIN", "UPDATE uv_boxes SET status = ? WHERE uv_boxes.id = ?", "COMMIT"})

		rows, err := quarry.Select2(UVBoxes.Bag, UVBoxes.Status).All(ctx, db)
		is.NoErr(err)
		is.Equal(len(rows), 1)
		is.Equal(rows[0].V1.m, map[string][]int{"k": {9, 2}})
		is.Equal(rows[0].V2, UVStatus("done"))
	})
}
