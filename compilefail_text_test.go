package quarry_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// coreCompile builds src as package main in a scratch module that uses
// this module through a replace directive, and returns the compiler's
// output and whether the build failed.
func coreCompile(t *testing.T, src string) (string, bool) {
	t.Helper()
	if testing.Short() {
		t.Skip("compiles a program")
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Dir(here)
	dir := t.TempDir()
	gomod := "module corecompilefail\n\ngo 1.26\n\nrequire github.com/quarry-orm/quarry v0.0.0\n\nreplace github.com/quarry-orm/quarry => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(src)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err != nil
}

// TestCoreCompileFailText checks that Text takes only constant SQL: a
// string variable does not compile (use UnsafeText), a constant does.
func TestCoreCompileFailText(t *testing.T) {
	src := `package main

import "github.com/quarry-orm/quarry"

const constSQL = "SELECT 1 WHERE 1 = :x"

func main() {
	_ = quarry.Text("SELECT :literal")
	_ = quarry.Text(constSQL)
	_ = quarry.Text("a" + "b")
	_ = quarry.UnsafeText(userInput())
	someStringVar := userInput()
	_ = quarry.Text(someStringVar) // line 13: must not compile
}

func userInput() string { return "SELECT 1" }
`
	out, failed := coreCompile(t, src)
	if !failed {
		t.Fatalf("quarry.Text(someStringVar) compiled; it must not")
	}
	errLine := regexp.MustCompile(`main\.go:(\d+):\d+: (.*)`)
	var lines []string
	for _, m := range errLine.FindAllStringSubmatch(out, -1) {
		lines = append(lines, m[1])
		if m[1] == "13" && !strings.Contains(m[2], "cannot use someStringVar") {
			t.Errorf("unexpected message: %s", m[2])
		}
	}
	if strings.Join(lines, ",") != "13" {
		t.Fatalf("want exactly one error, on line 13 (the constant forms compile); got:\n%s", out)
	}
}
