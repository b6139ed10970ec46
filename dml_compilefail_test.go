package quarry_test

import (
	"os"
	"strings"
	"testing"
)

// TestDMLCompileFail checks that assignments and INSERT ... SELECT of the
// wrong type do not compile (the mechanism is in compilefail_test.go).
func TestDMLCompileFail(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"set_wrong_value_type",
			`_ = quarry.Update(Users).Set(quarry.Set(Users.ID, "7")).Where(Users.ID.Eq(1))`,
			[]string{`cannot use "7"`, "int64"}},
		{"set_expr_wrong_type",
			`_ = quarry.Update(Users).Set(quarry.SetExpr(Users.ID, Users.Name)).AllRows()`,
			[]string{"Users.Name does not match", "Expression[int64]"}},
		{"excluded_wrong_type",
			`_ = quarry.Insert(Users).Set(quarry.Set(Users.Name, "x")).OnConflict(Users.ID).DoUpdate(quarry.SetExpr(Users.Name, quarry.Excluded(Users.ID)))`,
			[]string{"Expression[string]"}},
		{"arith_on_string",
			`_ = quarry.Add(Users.Name, "x")`,
			[]string{"string does not satisfy quarry.Number"}},
		{"insert_select_wrong_type",
			`_ = quarry.InsertSelect(quarry.Insert(Users), Users.ID, quarry.Select(Users.Name))`,
			[]string{"Query[string]", "Query[int64]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := progPrelude + progMapping + "\nfunc main() {\n\t" + tt.body + "\n}\n"
			out, err := goCmd(t, "dml_"+tt.name, src, "build", "-o", os.DevNull)
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
