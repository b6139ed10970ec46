package quarry_test

import "github.com/quarry-orm/quarry"

// The tables of the tests of locking, CTEs, window functions, CASE and
// keyset pagination (sql_*_test.go).

// SqEmp is an employee; ManagerID makes the table a tree.
type SqEmp struct {
	ID        int64
	Name      string
	Dept      string
	Salary    int64
	ManagerID *int64
}

type SqEmpTable struct {
	quarry.Entity[SqEmp]
	ID        quarry.Column[int64]  `quarry:"id,pk,noauto"`
	Name      quarry.Column[string] `quarry:",len=40"`
	Dept      quarry.Column[string] `quarry:",len=20"`
	Salary    quarry.Column[int64]
	ManagerID quarry.Column[*int64] `quarry:"manager_id,fk=sq_emps.id"`
}

// SqJob is a job of a queue that workers take with SKIP LOCKED.
type SqJob struct {
	ID     int64
	Worker string
	Done   bool
}

type SqJobTable struct {
	quarry.Entity[SqJob]
	ID     quarry.Column[int64]  `quarry:"id,pk,noauto"`
	Worker quarry.Column[string] `quarry:",len=20"`
	Done   quarry.Column[bool]
}

// SqBonus is the bonus of a department, joined by UPDATE ... FROM and
// DELETE ... USING.
type SqBonus struct {
	ID     int64
	Dept   string
	Amount int64
}

type SqBonusTable struct {
	quarry.Entity[SqBonus]
	ID     quarry.Column[int64]  `quarry:"id,pk"`
	Dept   quarry.Column[string] `quarry:",len=20"`
	Amount quarry.Column[int64]
}

var (
	SqEmps    = quarry.Table[SqEmp, SqEmpTable]("sq_emps")
	SqJobs    = quarry.Table[SqJob, SqJobTable]("sq_jobs")
	SqBonuses = quarry.Table[SqBonus, SqBonusTable]("sq_bonuses")
)
