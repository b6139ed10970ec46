package main

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/quarry-orm/quarry"
)

// The tables of the tour's last part, beyond the two documents: comments
// on the tutorial's posts, a tree of employees, and devices keyed by UUID
// with a JSON document and an array column.

// Comment is a row of comments, on a post.
type Comment struct {
	ID     int64
	PostID int64
	Body   string
	At     time.Time
}

// CommentTable maps Comment.
type CommentTable struct {
	quarry.Entity[Comment]
	ID     quarry.Column[int64] `quarry:"id,pk"`
	PostID quarry.Column[int64] `quarry:"post_id,fk=posts.id"`
	Body   quarry.Column[string]
	At     quarry.Column[time.Time]
}

// Employee is a row of employees, each but the first under a manager.
type Employee struct {
	ID        int64
	Name      string
	ManagerID *int64
	Salary    int64
}

// EmployeeTable maps Employee.
type EmployeeTable struct {
	quarry.Entity[Employee]
	ID        quarry.Column[int64]  `quarry:"id,pk"`
	Name      quarry.Column[string] `quarry:"name,type=VARCHAR(30)"`
	ManagerID quarry.Column[*int64] `quarry:"manager_id,fk=employees.id"`
	Salary    quarry.Column[int64]
}

// Device is keyed by a UUID made in Go, with JSON attributes and tags.
type Device struct {
	ID    uuid.UUID
	Name  string
	Attrs quarry.JSON[map[string]any]
	Tags  []string
}

// DeviceTable maps Device: no tags beyond names, the types say it all.
type DeviceTable struct {
	quarry.Entity[Device]
	ID    quarry.Column[uuid.UUID] `quarry:"id,pk"`
	Name  quarry.Column[string]
	Attrs quarry.Column[quarry.JSON[map[string]any]]
	Tags  quarry.Column[[]string]
}

var (
	Comments  = quarry.Table[Comment, CommentTable]("comments")
	Employees = quarry.Table[Employee, EmployeeTable]("employees")
	Devices   = quarry.Table[Device, DeviceTable]("devices")
)

// beyond tells the part of the tour that the two documents do not.
func (t *tour) beyond() error {
	steps := []struct {
		title string
		run   func() error
	}{
		{"Writing with statements", t.writingStatements},
		{"CTEs and window functions", t.ctesAndWindows},
		{"UUID keys, JSON and arrays", t.uuidJSONArrays},
	}
	for _, st := range steps {
		t.section(st.title)
		if err := st.run(); err != nil {
			return fmt.Errorf("%s: %w", st.title, err)
		}
	}
	return nil
}

func (t *tour) writingStatements() error {
	ctx, db := t.ctx, t.db
	t.say("Writes need no Session: CreateAll, then one multi-row INSERT with RETURNING of the generated keys into the objects:")
	if err := db.CreateAll(ctx, Comments, Employees, Devices); err != nil {
		return err
	}
	post, err := quarry.Select(Posts).First(ctx, db)
	if err != nil {
		return err
	}
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	comments := []*Comment{
		{PostID: post.ID, Body: "first!", At: day},
		{PostID: post.ID, Body: "nice post", At: day.Add(time.Hour)},
		{PostID: post.ID, Body: "thanks", At: day.Add(2 * time.Hour)},
	}
	if _, err := quarry.Insert(Comments).Values(comments...).ReturningDefaults().Exec(ctx, db); err != nil {
		return err
	}
	t.say("ids: %d %d %d", comments[0].ID, comments[1].ID, comments[2].ID)
	t.say("An UPDATE by criteria, with an expression; RETURNING hands back typed rows:")
	rows, err := quarry.Returning2(quarry.Update(Comments).
		Set(quarry.SetExpr(Comments.Body, quarry.Concat(Comments.Body, quarry.Value(" (edited)")))).
		Where(Comments.Body.Eq("first!")), Comments.ID, Comments.Body).All(ctx, db)
	if err != nil {
		return err
	}
	t.say("%v", rows)
	t.say("An upsert: the comment with id 1 exists, so ON CONFLICT updates its body instead:")
	_, err = quarry.Insert(Comments).Values(&Comment{ID: comments[0].ID, PostID: post.ID, Body: "first (again)", At: day}).
		OnConflict(Comments.ID).DoUpdate(quarry.SetExpr(Comments.Body, quarry.Excluded(Comments.Body))).Exec(ctx, db)
	if err != nil {
		return err
	}
	t.say("A DELETE by criteria; one without WHERE would refuse to run unless it said All():")
	n, err := quarry.Delete(Comments).Where(Comments.Body.Eq("thanks")).Exec(ctx, db)
	if err != nil {
		return err
	}
	t.say("deleted %d", n)
	return nil
}

func (t *tour) ctesAndWindows() error {
	ctx, db := t.ctx, t.db
	t.say("The employees: ann runs bob and cy; bob runs dee; dee runs eve.")
	_, err := quarry.Insert(Employees).Values(
		&Employee{ID: 1, Name: "ann", Salary: 300},
		&Employee{ID: 2, Name: "bob", ManagerID: ptr(int64(1)), Salary: 200},
		&Employee{ID: 3, Name: "cy", ManagerID: ptr(int64(1)), Salary: 150},
		&Employee{ID: 4, Name: "dee", ManagerID: ptr(int64(2)), Salary: 50},
		&Employee{ID: 5, Name: "eve", ManagerID: ptr(int64(4)), Salary: 20},
	).Exec(ctx, db)
	if err != nil {
		return err
	}
	t.say("A recursive CTE walks the tree under bob in one statement, read as Employee entities:")
	tree := quarry.RecursiveCTE("under_bob", quarry.Select(Employees).Where(Employees.ID.Eq(2)),
		func(self *quarry.Subquery) *quarry.Query[*Employee] {
			return quarry.Select(Employees).Join(self, quarry.Deref(Employees.ManagerID).EqExpr(quarry.Ref(self, Employees.ID)))
		})
	e := quarry.Aliased(Employees, quarry.FromSubquery(tree))
	emps, err := quarry.Select(e).With(tree).OrderBy(e.ID).All(ctx, db)
	if err != nil {
		return err
	}
	for _, x := range emps {
		t.say("  %s (%d)", x.Name, x.Salary)
	}
	t.say("A running total of salaries, by id, with a window over the rows so far:")
	running := quarry.Sum(Employees.Salary).Over(quarry.Window{}.OrderBy(Employees.ID).Rows(quarry.UnboundedPreceding(), quarry.CurrentRow()))
	totals, err := quarry.Select2(Employees.Name, running).OrderBy(Employees.ID).All(ctx, db)
	if err != nil {
		return err
	}
	for _, r := range totals {
		t.say("  %s %d", r.V1, *r.V2)
	}
	t.say("The latest comment per post: row_number() over each post's comments, newest first, in a CTE:")
	rn := quarry.RowNumber().Over(quarry.PartitionBy(Comments.PostID).OrderBy(Comments.At.Desc())).Label("rn")
	ranked := quarry.CTE("ranked", quarry.Select3(Comments.PostID, Comments.Body, rn))
	latest, err := quarry.Select2(quarry.Ref(ranked, Comments.PostID), quarry.Ref(ranked, Comments.Body)).
		With(ranked).Where(quarry.Ref(ranked, rn).Eq(1)).All(ctx, db)
	if err != nil {
		return err
	}
	t.say("%v", latest)
	return nil
}

func (t *tour) uuidJSONArrays() error {
	ctx, db := t.ctx, t.db
	t.say("A UUID key (uuid on PostgreSQL, canonical text on SQLite), a JSON document (jsonb / TEXT) and a text array (text[] / JSON text), through a Session:")
	s := db.Session()
	defer s.Close(ctx)
	id := uuid.MustParse("6f1c2a52-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
	d := &Device{ID: id, Name: "sensor", Attrs: quarry.JSON[map[string]any]{V: map[string]any{"room": "lab", "floor": 2.0}}, Tags: []string{"indoor", "temp"}}
	if err := s.Add(d); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}
	t.say("Filtering on a JSON path and on array membership:")
	got, err := quarry.Select(Devices).
		Where(quarry.JSONText(Devices.Attrs, "room").Eq(ptr("lab")), quarry.ArrayHas(Devices.Tags, "temp")).One(ctx, s)
	if err != nil {
		return err
	}
	t.say("%s %s room=%v tags=%v (the same object: %v)", got.ID, got.Name, got.Attrs.V["room"], got.Tags, got == d)
	t.say("Changing an element of the array is a change the flush sees:")
	d.Tags = append(d.Tags, "wifi")
	return s.Commit(ctx)
}
