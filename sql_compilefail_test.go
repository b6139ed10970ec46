package quarry_test

import (
	"os"
	"strings"
	"testing"
)

// TestSQLCompileFail: the typed expressions of CASE, recursive CTEs,
// keyset keys and string functions refuse mismatched types at compile
// time.
func TestSQLCompileFail(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"case_branches_of_two_types",
			`_ = quarry.Case(quarry.When(Users.ID.Eq(1), int64(1)), quarry.When(Users.ID.Eq(2), "x"))`,
			[]string{`"x"`, "int64"}},
		{"case_else_other_type",
			`_ = quarry.Case(quarry.When(Users.ID.Eq(1), "a")).Else(2.5)`,
			[]string{"2.5", "string"}},
		{"recursive_step_other_rows",
			`_ = quarry.RecursiveCTE("t", quarry.Select(Users.ID), func(self *quarry.Subquery) *quarry.Query[string] { return quarry.Select(Users.Name) })`,
			[]string{"Query[string]", "Query[int64]"}},
		{"key_value_other_type",
			`_ = quarry.Key(Users.ID, "7")`,
			[]string{`"7"`, "int64"}},
		{"concat_of_numbers",
			`_ = quarry.Concat(Users.ID)`,
			[]string{"int64 does not satisfy"}},
		{"greatest_of_two_types",
			`_ = quarry.Greatest[int64](Users.ID, Users.Name)`,
			[]string{"Users.Name", "Expression[int64]"}},
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
