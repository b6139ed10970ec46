package quarry_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The compile-fail tests build small programs against this module in a
// temporary module and check that the compiler rejects them with a type
// error; the configure tests run programs whose mappings are wrong in
// ways only configure finds (they would break this binary's shared
// registry) and check the message.

const progPrelude = `package main

import (
	"context"
	"fmt"

	"github.com/quarry-orm/quarry"
)

var _ = context.Background
var _ = fmt.Println

`

// progMapping is a correct one-to-many mapping, for the compile-fail
// programs.
const progMapping = `
type User struct {
	ID        int64
	Name      string
	Addresses []*Address
}

type UserTable struct {
	quarry.Entity[User]
	ID        quarry.Column[int64] ` + "`quarry:\"id,pk\"`" + `
	Name      quarry.Column[string]
	Addresses quarry.Many[User, Address]
}

type Address struct {
	ID     int64
	UserID int64
	User   *User
}

type AddressTable struct {
	quarry.Entity[Address]
	ID     quarry.Column[int64] ` + "`quarry:\"id,pk\"`" + `
	UserID quarry.Column[int64] ` + "`quarry:\"user_id,fk=users.id\"`" + `
	User   quarry.One[Address, User]
}

var (
	Users     = quarry.Table[User, UserTable]("users")
	Addresses = quarry.Table[Address, AddressTable]("addresses")
)
`

var progModule struct {
	once sync.Once
	dir  string
	err  error
}

// tempModule returns a module that requires this one through a replace
// directive; programs go in its subdirectories.
func tempModule(t *testing.T) string {
	t.Helper()
	progModule.once.Do(func() {
		root, err := os.Getwd()
		if err != nil {
			progModule.err = err
			return
		}
		dir, err := os.MkdirTemp("", "quarry-compilefail-")
		if err != nil {
			progModule.err = err
			return
		}
		gomod := "module compilefail\n\ngo 1.26\n\nrequire github.com/quarry-orm/quarry v0.0.0\n\nreplace github.com/quarry-orm/quarry => " + root + "\n"
		progModule.err = os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644)
		if sum, err := os.ReadFile(filepath.Join(root, "go.sum")); err == nil {
			progModule.err = os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
		}
		progModule.dir = dir
	})
	if progModule.err != nil {
		t.Fatal(progModule.err)
	}
	return progModule.dir
}

// goCmd runs the go tool on the program src in its own package directory.
func goCmd(t *testing.T, name, src string, args ...string) (string, error) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds programs")
	}
	mod := tempModule(t)
	dir := filepath.Join(mod, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append(args, "./"+name)...)
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCompileFail(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"of_type_wrong_entity",
			`_ = quarry.Select(Users).Join(Users.Addresses.OfType(quarry.Aliased(Users)))`,
			[]string{"does not implement quarry.Source[Address]"}},
		{"column_other_type",
			`_ = quarry.Select(Users).Where(Users.ID.Eq("7"))`,
			[]string{`cannot use "7"`, "int64"}},
		{"column_expr_other_type",
			`_ = quarry.Select(Users).Where(Users.ID.EqExpr(Users.Name))`,
			[]string{"cannot use Users.Name", "Expression[int64]"}},
		{"row_read_as_wrong_type",
			`var names []string
	names, _ = quarry.Select(Users.ID).All(context.Background(), nil)
	_ = names`,
			[]string{"cannot use", "[]int64", "[]string"}},
		{"with_parent_wrong_parent",
			`_ = quarry.WithParent(&Address{}, Users.Addresses)`,
			[]string{"Users.Addresses", "Rel[Address"}},
		{"contains_wrong_type",
			`_ = Users.Addresses.Contains(&User{})`,
			[]string{"cannot use &User{}", "*Address"}},
		{"loader_path_misaligned",
			`_ = quarry.Select(Users).Options(quarry.SelectIn(Users.Addresses, quarry.Joined(Users.Addresses)))`,
			[]string{"Option[*User]", "Option[*Address]"}},
		{"loader_option_other_entity",
			`_ = quarry.Select(Addresses).Options(quarry.SelectIn(Users.Addresses))`,
			[]string{"Option[*User]", "Option[*Address]"}},
		{"column_option_other_entity",
			`_ = quarry.Select(Addresses).Options(quarry.LoadOnly(Users, Users.Name))`,
			[]string{"Option[*User]", "Option[*Address]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := progPrelude + progMapping + "\nfunc main() {\n\t" + tt.body + "\n}\n"
			out, err := goCmd(t, tt.name, src, "build", "-o", os.DevNull)
			if err == nil {
				t.Fatalf("the program compiled:\n%s", src)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("compiler output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestConfigureErrors runs programs whose relationships configure
// rejects, each with a message naming the entities and the fix.
func TestConfigureErrors(t *testing.T) {
	const user = `
type User struct {
	ID        int64
	Addresses []*Address
}
`
	const addr = `
type Address struct {
	ID       int64
	UserID   int64
	EditorID int64
	User     *User
}
`
	tag := func(s string) string { return "`quarry:\"" + s + "\"`" }
	tests := []struct {
		name string
		decl string
		want []string
	}{
		{"fk_not_found", user + addr + `
type UserTable struct {
	quarry.Entity[User]
	ID        quarry.Column[int64] ` + tag("id,pk") + `
	Addresses quarry.Many[User, Address]
}
type AddressTable struct {
	quarry.Entity[Address]
	ID     quarry.Column[int64] ` + tag("id,pk") + `
	UserID quarry.Column[int64]
	EditorID quarry.Column[int64]
}
`, []string{"UserTable.Addresses", "no foreign key links main.User", "main.Address", "fk=users.id"}},
		{"fk_ambiguous", user + addr + `
type UserTable struct {
	quarry.Entity[User]
	ID        quarry.Column[int64] ` + tag("id,pk") + `
	Addresses quarry.Many[User, Address]
}
type AddressTable struct {
	quarry.Entity[Address]
	ID       quarry.Column[int64] ` + tag("id,pk") + `
	UserID   quarry.Column[int64] ` + tag("user_id,fk=users.id") + `
	EditorID quarry.Column[int64] ` + tag("editor_id,fk=users.id") + `
}
`, []string{"UserTable.Addresses", "several foreign keys", "addresses.user_id -> users.id", "addresses.editor_id -> users.id", "fk=<column>"}},
		{"one_ambiguous_direction", `
type User struct {
	ID        int64
	BestID    int64
	Best      *Address
}
` + addr + `
type UserTable struct {
	quarry.Entity[User]
	ID     quarry.Column[int64] ` + tag("id,pk") + `
	BestID quarry.Column[int64] ` + tag("best_id,fk=addresses.id") + `
	Best   quarry.One[User, Address]
}
type AddressTable struct {
	quarry.Entity[Address]
	ID       quarry.Column[int64] ` + tag("id,pk") + `
	UserID   quarry.Column[int64] ` + tag("user_id,fk=users.id") + `
	EditorID quarry.Column[int64]
}
`, []string{"UserTable.Best", "cannot tell which foreign key", "users.best_id -> addresses.id", "addresses.user_id -> users.id"}},
		{"back_missing_and_secondary_unknown", user + addr + `
type Tag struct {
	ID    int64
	Users []*User
}
type UserTable struct {
	quarry.Entity[User]
	ID        quarry.Column[int64] ` + tag("id,pk") + `
	Addresses quarry.Many[User, Address] ` + tag("back=Owner") + `
}
type AddressTable struct {
	quarry.Entity[Address]
	ID       quarry.Column[int64] ` + tag("id,pk") + `
	UserID   quarry.Column[int64] ` + tag("user_id,fk=users.id") + `
	EditorID quarry.Column[int64]
	User     quarry.One[Address, User]
}
type TagTable struct {
	quarry.Entity[Tag]
	ID    quarry.Column[int64] ` + tag("id,pk") + `
	Users quarry.ManyToMany[Tag, User] ` + tag("secondary=user_tags") + `
}
var Tags = quarry.Table[Tag, TagTable]("tags")
`, []string{"back=Owner", "AddressTable has no relationship Owner (it has relationships User)",
			`secondary="user_tags" names no table`, "quarry.Association"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := progPrelude + tt.decl + `
var (
	Users     = quarry.Table[User, UserTable]("users")
	Addresses = quarry.Table[Address, AddressTable]("addresses")
)

func main() {
	fmt.Println(quarry.Configure())
}
`
			out, err := goCmd(t, tt.name, src, "run")
			if err != nil && !strings.Contains(out, "configuring mappings") {
				t.Fatalf("go run: %v\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}
