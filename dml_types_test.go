package quarry_test

import "github.com/quarry-orm/quarry"

// The tables of the statement-writing tests (dml_*_test.go).

type DMLUser struct {
	ID     int64
	Name   string
	Email  string
	Status string
	Visits int64
}

type DMLUserTable struct {
	quarry.Entity[DMLUser]
	ID     quarry.Column[int64]  `quarry:"id,pk"`
	Name   quarry.Column[string] `quarry:",len=50"`
	Email  quarry.Column[string] `quarry:",len=80,unique"`
	Status quarry.Column[string] `quarry:",len=20,default=new,omitzero"`
	Visits quarry.Column[int64]  `quarry:",default=0"`
}

type DMLArchive struct {
	ID    int64
	Name  string
	Email string
}

type DMLArchiveTable struct {
	quarry.Entity[DMLArchive]
	ID    quarry.Column[int64]  `quarry:"id,pk"`
	Name  quarry.Column[string] `quarry:",len=50"`
	Email quarry.Column[string] `quarry:",len=80"`
}

var (
	DMLUsers    = quarry.Table[DMLUser, DMLUserTable]("dml_users")
	DMLArchives = quarry.Table[DMLArchive, DMLArchiveTable]("dml_archive")
)
