// Command mvpkg analyses and moves files of a Go package into a new
// package, for cutting quarry's root package into internal layers.
//
//	mvpkg deps  DIR                    which files use which (declarations per file)
//	mvpkg check DIR a.go,b.go          upward references the move would create:
//	                                   uses from the moved files of what stays, and
//	                                   methods declared in staying files on moved types
//	mvpkg move  DIR a.go,b.go PATH NAME  export what crosses the boundary, qualify the
//	                                   staying files' references, move the files
//
// It is a development tool in a module of its own, not part of quarry.
package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

var fset = token.NewFileSet()

func load(dir string) *packages.Package {
	cfg := &packages.Config{Mode: packages.LoadAllSyntax, Dir: dir, Fset: fset}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		for _, p := range pkgs {
			for _, e := range p.Errors {
				fmt.Fprintln(os.Stderr, e)
			}
		}
		os.Exit(1)
	}
	return pkgs[0]
}

func fileOf(pos token.Pos) string { return filepath.Base(fset.Position(pos).Filename) }

func origin(o types.Object) types.Object {
	switch x := o.(type) {
	case *types.Func:
		return x.Origin()
	case *types.Var:
		return x.Origin()
	}
	return o
}

func main() {
	if len(os.Args) < 3 || (os.Args[1] != "deps" && len(os.Args) < 4) || (os.Args[1] == "move" && len(os.Args) < 6) {
		fmt.Fprintln(os.Stderr, "usage: mvpkg deps DIR | check DIR FILES | move DIR FILES IMPORTPATH NAME")
		os.Exit(2)
	}
	pkg := load(os.Args[2])
	switch os.Args[1] {
	case "deps":
		deps(pkg)
	case "check":
		check(pkg, strings.Split(os.Args[3], ","))
	case "move":
		move(pkg, strings.Split(os.Args[3], ","), os.Args[4], os.Args[5])
	}
}

// deps prints, per file, the files whose declarations it uses.
func deps(pkg *packages.Package) {
	g := map[string]map[string]int{}
	for id, o := range pkg.TypesInfo.Uses {
		o = origin(o)
		if o.Pkg() != pkg.Types || !o.Pos().IsValid() {
			continue
		}
		from, to := fileOf(id.Pos()), fileOf(o.Pos())
		if from == to {
			continue
		}
		if g[from] == nil {
			g[from] = map[string]int{}
		}
		g[from][to]++
	}
	var files []string
	for f := range g {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		var ts []string
		for t, n := range g[f] {
			ts = append(ts, fmt.Sprintf("%s(%d)", strings.TrimSuffix(t, ".go"), n))
		}
		sort.Strings(ts)
		fmt.Printf("%s -> %s\n", strings.TrimSuffix(f, ".go"), strings.Join(ts, " "))
	}
}

func isMoved(set map[string]bool, pos token.Pos) bool { return set[fileOf(pos)] }

// check lists uses from moved files of declarations that stay, and methods
// declared in staying files on types that move.
func check(pkg *packages.Package, files []string) bool {
	set := map[string]bool{}
	for _, f := range files {
		set[f] = true
	}
	bad := map[string][]string{}
	for id, o := range pkg.TypesInfo.Uses {
		o = origin(o)
		if o.Pkg() != pkg.Types || !o.Pos().IsValid() {
			continue
		}
		if isMoved(set, id.Pos()) && !isMoved(set, o.Pos()) {
			k := fmt.Sprintf("%s (%s)", o.Name(), fileOf(o.Pos()))
			bad[k] = append(bad[k], fmt.Sprintf("%s:%d", fileOf(id.Pos()), fset.Position(id.Pos()).Line))
		}
	}
	for id, o := range pkg.TypesInfo.Defs {
		f, ok := o.(*types.Func)
		if !ok || isMoved(set, id.Pos()) {
			continue
		}
		sig := f.Type().(*types.Signature)
		if sig.Recv() == nil {
			continue
		}
		rt := sig.Recv().Type()
		if p, ok := rt.(*types.Pointer); ok {
			rt = p.Elem()
		}
		if n, ok := rt.(*types.Named); ok && isMoved(set, n.Obj().Pos()) {
			k := fmt.Sprintf("method %s.%s", n.Obj().Name(), f.Name())
			bad[k] = append(bad[k], fmt.Sprintf("%s:%d", fileOf(id.Pos()), fset.Position(id.Pos()).Line))
		}
	}
	var ks []string
	for k := range bad {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		v := bad[k]
		sort.Strings(v)
		if len(v) > 4 {
			v = append(v[:4], fmt.Sprintf("... %d", len(v)))
		}
		fmt.Printf("%s <- %s\n", k, strings.Join(v, " "))
	}
	return len(bad) == 0
}

type edit struct {
	pos  token.Pos
	end  token.Pos
	text string
}

func exported(name string) string {
	if name == "" || ast.IsExported(name) {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// move exports what crosses the new boundary, qualifies the references in the
// staying files, and rewrites the moved files' package clause.
func move(pkg *packages.Package, files []string, importPath, name string) {
	if !check(pkg, files) {
		fmt.Fprintln(os.Stderr, "upward references remain")
		if os.Getenv("FORCE") == "" {
			os.Exit(1)
		}
	}
	set := map[string]bool{}
	for _, f := range files {
		set[f] = true
	}
	info := pkg.TypesInfo
	// objects to export: declared in moved files, used from staying files.
	export := map[types.Object]bool{}
	// methods used across: exactly those objects; methodNames holds the
	// methods of moved interfaces, whose implementations anywhere must be
	// renamed with them.
	methodObjs := map[types.Object]bool{}
	methodNames := map[string]bool{}
	for id, o := range info.Uses {
		o = origin(o)
		if o.Pkg() != pkg.Types || !o.Pos().IsValid() || isMoved(set, id.Pos()) || !isMoved(set, o.Pos()) {
			continue
		}
		if ast.IsExported(o.Name()) {
			continue
		}
		if f, ok := o.(*types.Func); ok && f.Type().(*types.Signature).Recv() != nil {
			methodObjs[o] = true
			continue
		}
		export[o] = true
	}
	// Methods of staying types whose interfaces move: any interface method
	// declared in moved files used by a staying type must be exported too.
	for id, o := range info.Defs {
		if o == nil || !isMoved(set, id.Pos()) {
			continue
		}
		if f, ok := o.(*types.Func); ok {
			if r := f.Type().(*types.Signature).Recv(); r != nil {
				if _, isIface := r.Type().Underlying().(*types.Interface); isIface && !ast.IsExported(f.Name()) {
					// interface method of a moved interface: implementations anywhere must match.
					if usedAcross(pkg, set, f.Name()) {
						methodNames[f.Name()] = true
					}
				}
			}
		}
	}
	var edits []edit
	rename := func(id *ast.Ident, o types.Object) {
		o = origin(o)
		if o.Pkg() != pkg.Types {
			return
		}
		newName := o.Name()
		isMethod := false
		if f, ok := o.(*types.Func); ok && f.Type().(*types.Signature).Recv() != nil {
			isMethod = true
			if methodObjs[o] || methodNames[o.Name()] {
				newName = exported(o.Name())
			}
		} else if export[o] {
			newName = exported(o.Name())
		}
		qualify := !isMoved(set, id.Pos()) && isMoved(set, o.Pos()) && o.Parent() == pkg.Types.Scope() && !isMethod
		if newName == id.Name && !qualify {
			return
		}
		text := newName
		if qualify {
			text = name + "." + newName
		}
		edits = append(edits, edit{id.Pos(), id.End(), text})
	}
	for id, o := range info.Defs {
		if o != nil {
			if v, ok := o.(*types.Var); ok && v.Embedded() {
				continue
			}
			rename(id, o)
		}
	}
	for id, o := range info.Uses {
		rename(id, o)
	}
	// Embedded fields: the Defs ident is the type name, handled via Uses.
	byFile := map[string][]edit{}
	for _, e := range edits {
		fn := fset.Position(e.pos).Filename
		byFile[fn] = append(byFile[fn], e)
	}
	dir := filepath.Join(filepath.Dir(pkg.GoFiles[0]), strings.TrimPrefix(importPath, pkg.PkgPath+"/"))
	os.MkdirAll(dir, 0o755)
	for _, f := range pkg.Syntax {
		fn := fset.Position(f.Pos()).Filename
		src, _ := os.ReadFile(fn)
		es := byFile[fn]
		sort.Slice(es, func(i, j int) bool { return es[i].pos > es[j].pos })
		last := token.NoPos
		for _, e := range es {
			if e.pos == last {
				continue
			}
			last = e.pos
			a, b := fset.Position(e.pos).Offset, fset.Position(e.end).Offset
			src = append(src[:a], append([]byte(e.text), src[b:]...)...)
		}
		base := filepath.Base(fn)
		if set[base] {
			s := string(src)
			s = strings.Replace(s, "package "+pkg.Name+"\n", "package "+name+"\n", 1)
			os.WriteFile(filepath.Join(dir, base), []byte(s), 0o644)
			os.Remove(fn)
		} else {
			if len(es) > 0 {
				s := string(src)
				if strings.Contains(s, name+".") {
					s = addImport(s, importPath)
				}
				os.WriteFile(fn, []byte(s), 0o644)
			}
		}
	}
	for m := range methodObjs {
		fmt.Println("exported method", m.Name())
	}
	for m := range methodNames {
		fmt.Println("exported interface method", m)
	}
	for o := range export {
		fmt.Println("exported", o.Name())
	}
}

func usedAcross(pkg *packages.Package, set map[string]bool, method string) bool {
	for id, o := range pkg.TypesInfo.Defs {
		if o == nil || o.Name() != method || isMoved(set, id.Pos()) {
			continue
		}
		if f, ok := o.(*types.Func); ok && f.Type().(*types.Signature).Recv() != nil {
			return true
		}
	}
	return false
}

func addImport(s, path string) string {
	i := strings.Index(s, "\nimport (")
	if i >= 0 {
		return s[:i] + "\nimport (\n\t\"" + path + "\"" + s[i+len("\nimport ("):]
	}
	j := strings.Index(s, "\npackage ")
	if strings.HasPrefix(s, "package ") {
		j = 0
	}
	k := strings.Index(s[j+1:], "\n") + j + 1
	return s[:k] + "\n\nimport \"" + path + "\"\n" + s[k:]
}
