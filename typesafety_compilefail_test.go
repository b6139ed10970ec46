package quarry_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// probeMapping adds, to progMapping, an entity with nullable and
// non-string columns for the operator probes.
const probeMapping = `
type Item struct {
	ID    int64
	Name  string
	Qty   int32
	Note  *string
	Score *float64
}

type ItemTable struct {
	quarry.Entity[Item]
	ID    quarry.Column[int64] ` + "`quarry:\"id,pk\"`" + `
	Name  quarry.Column[string]
	Qty   quarry.Column[int32]
	Note  quarry.Column[*string]
	Score quarry.Column[*float64]
}

var Items = quarry.Table[Item, ItemTable]("items")

type Acct struct {
	ID    int64
	Owner string
}

type AcctTable struct {
	quarry.Keyed[Acct, int64]
	ID    quarry.Column[int64] ` + "`quarry:\"id,pk\"`" + `
	Owner quarry.Column[string]
}

type Line struct {
	OrderID int64
	SKU     string
}

type LineTable struct {
	quarry.Keyed2[Line, int64, string]
	OrderID quarry.Column[int64]  ` + "`quarry:\"order_id,pk\"`" + `
	SKU     quarry.Column[string] ` + "`quarry:\"sku,pk\"`" + `
}

type PlainLineTable struct {
	quarry.Entity[Line]
	OrderID quarry.Column[int64]  ` + "`quarry:\"order_id,pk\"`" + `
	SKU     quarry.Column[string] ` + "`quarry:\"sku,pk\"`" + `
}

var (
	Accts      = quarry.Table[Acct, AcctTable]("accts")
	Lines      = quarry.Table[Line, LineTable]("lines")
	PlainLines = quarry.Table[Line, PlainLineTable]("plain_lines")
	ctx        = context.Background()
	sess       *quarry.Session
)

func userInput() string { return "x" }
`

// typeProbe is one line of the probe program: code that must not compile
// (want names a fragment of the compiler's error on that very line) or,
// with want empty, code that must compile.
type typeProbe struct {
	code string
	want string
}

// mustNotCompile: misuse the compiler rejects, each with the fragment of
// the error the compiler gives on the probe's line.
var mustNotCompile = []typeProbe{
	// Values and expressions of the wrong type.
	{`_ = Users.ID.Eq("7")`, `cannot use "7"`},
	{`_ = Users.ID.Gt("3")`, `cannot use "3"`},
	{`_ = Users.ID.Lt(1.5)`, `1.5`},
	{`_ = Users.ID.In("1", "2")`, `cannot use "1"`},
	{`_ = Users.ID.NotIn("x")`, `cannot use "x"`},
	{`_ = Users.Name.Between(1, 2)`, `cannot use 1`},
	{`_ = Users.Name.Eq(nil)`, `cannot use nil`},
	{`_ = Users.ID.EqExpr(Users.Name)`, `Expression[int64]`},
	{`_ = Users.ID.InSelect(quarry.Select(Users.Name))`, `Query[string]`},
	{`_ = Items.Note.Eq("x")`, `cannot use "x"`},
	{`_ = Items.Score.Eq(2.5)`, `cannot use 2.5`},
	{`_ = quarry.Nullable(Users.ID).Eq(3)`, `cannot use 3`},
	{`_ = quarry.Value[int64]("x")`, `cannot use "x"`},
	{`_ = quarry.Tuple(Users.ID, Users.Name).In(quarry.Row2[string, string]{})`, `Row2[int64, string]`},
	// String operators only on string expressions.
	{`_ = Users.ID.Like("1%")`, `Users.ID.Like undefined`},
	{`_ = Users.Name.Like("e%")`, `Users.Name.Like undefined`},
	{`_ = quarry.Like(Users.ID, "1%")`, `int64 does not satisfy quarry.StringLike`},
	{`_ = quarry.NotLike(Users.ID, "1%")`, `int64 does not satisfy quarry.StringLike`},
	{`_ = quarry.ILike(Users.ID, "1%")`, `int64 does not satisfy quarry.StringLike`},
	{`_ = quarry.NotILike(Items.Score, "1%")`, `*float64 does not satisfy quarry.StringLike`},
	{`_ = quarry.Match(Items.Qty, "x")`, `int32 does not satisfy quarry.StringLike`},
	{`_ = quarry.LikeEscape(Users.ID, "x")`, `int64 does not satisfy quarry.StringLike`},
	{`_ = quarry.Contains(Users.ID, "1")`, `int64 does not satisfy quarry.StringLike`},
	{`_ = quarry.StartsWith(Items.Qty, "1")`, `int32 does not satisfy quarry.StringLike`},
	{`_ = quarry.EndsWith(Items.Score, "1")`, `*float64 does not satisfy quarry.StringLike`},
	{`_ = quarry.Like(Users.Name, 1)`, `cannot use 1`},
	{`_ = quarry.Lower(Users.ID)`, `int64 does not satisfy`},
	// Relationships are not conditions, groupings, orderings or columns.
	{`_ = quarry.Select(Users).Where(Users.Addresses)`, `does not implement quarry.Expression[bool]`},
	{`_ = quarry.Select(Users).Having(Users.Addresses)`, `does not implement quarry.Expression[bool]`},
	{`_ = quarry.Not(Users.Addresses)`, `does not implement quarry.Expression[bool]`},
	{`_ = quarry.And(Users.Name.Eq("x"), Addresses.User)`, `does not implement quarry.Expression[bool]`},
	{`_ = quarry.Select(Users).Join(Addresses, Users.Addresses)`, `does not implement quarry.Expression[bool]`},
	{`_ = quarry.Select(Users).JoinFrom(Users, Addresses, Users.Addresses)`, `does not implement quarry.Expression[bool]`},
	{`_ = quarry.Select(Users).GroupBy(Users.Addresses)`, `does not implement quarry.Grouping`},
	{`_ = quarry.Count(Users.Addresses)`, `does not implement quarry.Grouping`},
	{`_ = quarry.Select(Users).OrderBy(Users.Addresses)`, `does not implement quarry.Orderable`},
	{`_ = quarry.Select(Users.Addresses)`, `Users.Addresses`},
	{`_ = quarry.Select(Users).Where(Users.ID)`, `does not implement quarry.Expression[bool]`},
	{`_ = quarry.Select(Users).Where(Users.Name.Eq("x"), "y")`, `cannot use "y"`},
	// Aggregates: one argument to Count, nullable columns through the Null forms.
	{`_ = quarry.Count(Users.ID, Users.Name)`, `too many arguments`},
	{`_ = quarry.Count()`, `not enough arguments`},
	{`_ = quarry.Sum(Users.Name)`, `string does not satisfy quarry.Number`},
	{`_ = quarry.Sum(Items.Score)`, `*float64 does not satisfy quarry.Number`},
	{`_ = quarry.Avg(Items.Score)`, `*float64 does not satisfy quarry.Number`},
	{`_ = quarry.Avg(Users.Name)`, `string does not satisfy quarry.Number`},
	{`_ = quarry.Max(Items.Score)`, `*float64 does not satisfy quarry.Ordered`},
	{`_ = quarry.Min(Items.Note)`, `*string does not satisfy quarry.Ordered`},
	{`_ = quarry.SumNull(Items.Qty)`, `Expression[*T]`},
	{`_ = quarry.SumNull(Items.Note)`, `string does not satisfy quarry.Number`},
	{`_ = quarry.MaxNull(Users.Name)`, `Expression[*T]`},
	{`var _ quarry.Expr[*int64] = quarry.Sum(Items.Qty)`, `Expr[*int32]`},
	{`var _ quarry.Expr[**float64] = quarry.MaxNull(Items.Score)`, `Expr[*float64]`},
	// Literals for nullable columns.
	{`_ = quarry.EqValue(Items.Note, 1)`, `cannot use 1`},
	{`_ = quarry.EqValue(Users.Name, "x")`, `Expression[*T]`},
	{`_ = quarry.NeValue(Items.Score, "x")`, `cannot use "x"`},
	{`_ = quarry.Coalesce(Users.Name, "x")`, `Expression[*T]`},
	{`_ = quarry.Deref(Users.ID)`, `Expression[*T]`},
	// Arithmetic and assignments.
	{`_ = quarry.Add(Users.Name, "x")`, `string does not satisfy quarry.Number`},
	{`_ = quarry.Set(Users.Name, 1)`, `cannot use 1`},
	// Relationships, aliases and loader paths.
	{`_ = quarry.Select(Users).Join(Users.Addresses.OfType(quarry.Aliased(Users)))`, `does not implement quarry.Source[Address]`},
	{`_ = Users.Addresses.Contains(&User{})`, `cannot use &User{}`},
	{`_ = Addresses.User.Eq(&Address{})`, `cannot use &Address{}`},
	{`_ = quarry.WithParent(&Address{}, Users.Addresses)`, `Users.Addresses`},
	{`_ = quarry.Select(Users).Options(quarry.SelectIn(Users.Addresses, quarry.Joined(Users.Addresses)))`, `Option[*Address]`},
	{`_ = quarry.Select(Addresses).Options(quarry.SelectIn(Users.Addresses))`, `Option[*User]`},
	{`_ = quarry.Select(Users).Options(quarry.Joined(Addresses.User))`, `Option[*Address]`},
	// Rows read as the selected types.
	{`var _ []string = must(quarry.Select(Users.ID).All(context.Background(), nil))`, `[]int64`},
	{`var _ []*Address = must(quarry.Select(Users).All(context.Background(), nil))`, `[]*User`},
	{`var _ []quarry.Row2[int64, int64] = must(quarry.Select2(Users.ID, Users.Name).All(context.Background(), nil))`, `Row2[int64, string]`},
	// Text takes constant SQL only.
	{`_ = quarry.Text(userInput())`, `cannot use userInput()`},
	{`const typed string = "SELECT 1"; _ = quarry.Text(typed)`, `cannot use typed`},
	{`sql := "SELECT 1"; _ = quarry.Text(sql)`, `cannot use sql`},
	// A table struct maps its own entity.
	{`_ = quarry.Table[User, AddressTable]("users2")`, `does not satisfy`},
	{`type NoEntity struct{ ID quarry.Column[int64] }; _, _ = quarry.TryTable[User, NoEntity]("users2")`, `does not satisfy`},
	{`_, _ = quarry.TableIn[Address, UserTable](quarry.NewMetadata(), "addresses2")`, `does not satisfy`},
	// The typed view of a Session takes its entity's objects only.
	{`_ = quarry.For((*quarry.Session)(nil), Users).Add(&Address{})`, `cannot use &Address{}`},
	{`_ = quarry.For((*quarry.Session)(nil), Users).Delete(42)`, `cannot use 42`},
	{`var _ []*Address = quarry.For((*quarry.Session)(nil), Users).Dirty()`, `[]*User`},
	// FromStatement reads rows of the target's own type; text goes through FromText.
	{`_ = quarry.Select(Users).FromStatement(quarry.Select(Addresses))`, `TypedStatement[*User]`},
	{`_ = quarry.Select(Users).FromStatement(quarry.Union(quarry.Select(Addresses), quarry.Select(Addresses)))`, `TypedStatement[*User]`},
	{`_ = quarry.Select(Users.Name).FromStatement(quarry.UnionAll(quarry.Select(Users.ID), quarry.Select(Users.ID)))`, `TypedStatement[string]`},
	{`_ = quarry.Select(Users).FromStatement(quarry.Text("SELECT * FROM users"))`, `missing method rowsOf`},
	{`_ = quarry.Select(Users).FromText(quarry.Select(Users))`, `*quarry.TextClause`},
	// Typed primary keys: a Keyed table takes its key's types, as many
	// parts as it has, and only through its own Get.
	{`_, _ = Accts.Get(ctx, sess, "1")`, `cannot use "1"`},
	{`var id string; _, _ = Accts.Get(ctx, sess, id)`, `cannot use id`},
	{`_, _ = Accts.Get(ctx, sess, 1.5)`, `1.5`},
	{`_, _ = Accts.Get(ctx, sess, 1, 2)`, `too many arguments`},
	{`_, _ = Accts.Get(ctx, sess)`, `not enough arguments`},
	{`_, _ = Lines.Get(ctx, sess, 7, 8)`, `cannot use 8`},
	{`_, _ = Lines.Get(ctx, sess, "sku", 7)`, `cannot use "sku"`},
	{`_, _ = Lines.Get(ctx, sess, 7)`, `not enough arguments`},
	{`_, _ = Lines.Get(ctx, sess, 7, "a", "b")`, `too many arguments`},
	{`_, _ = quarry.Get(ctx, sess, Accts, "1")`, `does not match inferred type quarry.UntypedKeySource`},
	{`_, _ = quarry.Get(ctx, sess, Accts, 1)`, `does not match inferred type quarry.UntypedKeySource`},
	{`_, _ = quarry.Get(ctx, sess, Lines, 7, "a")`, `does not match inferred type quarry.UntypedKeySource`},
	{`_, _ = quarry.Get(ctx, sess, quarry.Aliased(Accts), 1)`, `does not match inferred type quarry.UntypedKeySource`},
	{`_, _ = Accts.GetWith(ctx, sess, quarry.Select(Accts), "1")`, `cannot use "1"`},
	{`_, _ = Accts.GetWith(ctx, sess, quarry.Select(Users), 1)`, `Query[*Acct]`},
	{`var _ *User = must(Accts.Get(ctx, sess, 1))`, `*Acct`},
}

// mustCompile: natural code from the reference documents.
var mustCompile = []typeProbe{
	{code: `_ = quarry.Select(Users).Where(Users.Name.Eq("ed"))`},
	{code: `_ = quarry.Select(Users).Where(quarry.Like(Users.Name, "%ed"))`},
	{code: `_ = quarry.Select(Items).Where(quarry.Like(Items.Note, "r%"))`},
	{code: `_ = quarry.Select(Users).Where(quarry.ILike(quarry.Lower(Users.Name), "ed"))`},
	{code: `_ = quarry.Select(Users).Where(quarry.NotLike(Users.Name, "%ed"), quarry.NotILike(Users.Name, "x"))`},
	{code: `_ = quarry.Select(Users).Where(quarry.Contains(Users.Name, "50%"), quarry.StartsWith(Users.Name, "e"), quarry.EndsWith(Items.Note, "d"))`},
	{code: `_ = quarry.Select(Users).Where(quarry.Match(Users.Name, "ed"), quarry.LikeEscape(Users.Name, "a\\_%"))`},
	{code: `_ = quarry.Select(Items).Where(quarry.EqValue(Items.Score, 2.5), quarry.EqValue(Items.Note, "x"))`},
	{code: `_ = quarry.Select(Items).Where(quarry.NeValue(Items.Note, "x"), Items.Note.IsNull(), Items.Note.Eq(nil))`},
	{code: `var _ quarry.Expr[*float64] = quarry.SumNull(Items.Score)`},
	{code: `var _ quarry.Expr[*float64] = quarry.MaxNull(Items.Score)`},
	{code: `var _ quarry.Expr[*string] = quarry.MinNull(Items.Note)`},
	{code: `var _ quarry.Expr[*float64] = quarry.AvgNull(Items.Score)`},
	{code: `var _ quarry.Expr[*int64] = quarry.Sum(Users.ID)`},
	{code: `var _ quarry.Expr[*string] = quarry.Max(Users.Name)`},
	{code: `var _ quarry.Expr[*float64] = quarry.Avg(Items.Qty)`},
	{code: `_ = quarry.Select3(quarry.Count(Users.ID), quarry.CountAll(), quarry.CountDistinct(Users.Name))`},
	{code: `_ = quarry.Select(quarry.CountAll()).SelectFrom(Users)`},
	{code: `_ = quarry.Select2(Users.Name, quarry.Count(Addresses.ID)).Join(Users.Addresses).GroupBy(Users.Name).Having(quarry.Count(Addresses.ID).Gt(1))`},
	{code: `_ = quarry.Select(Users).Join(Users.Addresses)`},
	{code: `_ = quarry.Select(Users).Join(Users.Addresses.OfType(quarry.Aliased(Addresses)))`},
	{code: `_ = quarry.Select(Users).Join(Users.Addresses.OfType(Addresses))`},
	{code: `_ = quarry.Select(Users).Join(Addresses)`},
	{code: `_ = quarry.Select(Users).Join(Addresses, Addresses.UserID.EqExpr(Users.ID))`},
	{code: `_ = quarry.Select(Users).JoinFrom(Users, Users.Addresses)`},
	{code: `_ = quarry.Select(Users).Join(Users.Addresses.And(quarry.Like(Users.Name, "%ed")))`},
	{code: `_ = quarry.Select(Users.Name).Where(quarry.Not(Users.Addresses.Any(quarry.Like(Users.Name, "%ed"))))`},
	{code: `_ = quarry.Select(Addresses).Where(Addresses.User.Has(Users.Name.Eq("ed")))`},
	{code: `_ = quarry.Select2(Users.Name, Users.ID).Where(Users.Name.In("ed", "wendy"))`},
	{code: `_ = quarry.Select(Users).Options(quarry.SelectIn(Users.Addresses, quarry.Joined(Addresses.User)))`},
	{code: `_ = quarry.Select(Users).OrderBy(Users.Name.Desc(), Users.ID)`},
	{code: `var _ quarry.Expr[float64] = quarry.Coalesce(Items.Score, 0.0)`},
	{code: `_ = Addresses.UserID.EqExpr(Users.ID)`},
	{code: `var _ []string = must(quarry.Select(Users.Name).All(context.Background(), nil))`},
	{code: `_ = quarry.Select(Users).Where(quarry.Or(Users.ID.Gt(3), Users.ID.In(1, 2)), Users.Name.Between("a", "m"))`},
	{code: `_ = quarry.Select(Users).FromStatement(quarry.Union(quarry.Select(Users).Where(Users.ID.Lt(2)), quarry.Select(quarry.Aliased(Users))))`},
	{code: `_ = quarry.Select2(Users.ID, Users.Name).FromStatement(quarry.Select2(Users.ID, Users.Name).Where(Users.ID.Gt(1)))`},
	{code: `_ = quarry.Select(Users).FromText(quarry.Text("SELECT * FROM users WHERE name = :name").Bind("name", "ed"))`},
	{code: `_ = quarry.Select2(Users.Name, Addresses.ID).AllowCartesian()`},
	{code: `const untyped = "SELECT id FROM users"; _ = quarry.Text(untyped)`},
	{code: `var _ []*User = quarry.For((*quarry.Session)(nil), quarry.Aliased(Users)).New()`},
	{code: `for u, err := range quarry.Select(Users).Rows(context.Background(), nil) { _, _ = u.Name, err }`},
	{code: `_, _ = Accts.Get(ctx, sess, 1)`},
	{code: `var id int64 = 3; _, _ = Accts.Get(ctx, sess, id)`},
	{code: `_, _ = quarry.Aliased(Accts).Get(ctx, sess, 1)`},
	{code: `_, _ = Accts.GetWith(ctx, sess, quarry.Select(Accts).ForUpdate(), 1)`},
	{code: `_, _ = Lines.Get(ctx, sess, 7, "sku-1")`},
	{code: `var o int64; var k string; _, _ = Lines.GetWith(ctx, sess, quarry.Select(Lines), o, k)`},
	{code: `_ = quarry.Select(Accts).Where(Accts.ID.Eq(1), Accts.Owner.Eq("ed"))`},
	{code: `_ = quarry.For(sess, Accts).Add(&Acct{Owner: "ed"})`},
	{code: `_, _ = quarry.Get(ctx, sess, Users, 1)`},
	{code: `var id int64; _, _ = quarry.Get(ctx, sess, Users, id)`},
	{code: `_, _ = quarry.Get(ctx, sess, PlainLines, 7, "sku-1")`},
	{code: `var o int64; _, _ = quarry.Get(ctx, sess, PlainLines, o, userInput())`},
	{code: `_, _ = quarry.GetWith(ctx, sess, quarry.Select(Users), 1)`},
}

// TestTypeSafetyProbes compiles one program holding every probe, one per
// line, with -gcflags=-e so the compiler reports every error, and checks
// that each must-not-compile line has the expected error on that line and
// that no other line has any.
func TestTypeSafetyProbes(t *testing.T) {
	if len(mustNotCompile) < 60 || len(mustCompile) < 30 {
		t.Fatalf("%d must-not-compile and %d must-compile probes; want at least 60 and 30", len(mustNotCompile), len(mustCompile))
	}
	var b strings.Builder
	b.WriteString(progPrelude + progMapping + probeMapping)
	b.WriteString("\nfunc must[T any](v T, _ error) T { return v }\n\nfunc main() {\n")
	line := strings.Count(b.String(), "\n") + 1
	want := map[int]typeProbe{} // line -> probe
	for _, group := range [][]typeProbe{mustNotCompile, mustCompile} {
		for _, p := range group {
			b.WriteString("\t{\n\t\t" + p.code + "\n\t}\n")
			want[line+1] = p
			line += 3
		}
	}
	b.WriteString("}\n")
	src := b.String()
	out, err := goCmd(t, "typeprobes", src, "build", "-gcflags=-e", "-o", os.DevNull)
	if err == nil {
		t.Fatalf("the probe program compiled; %d probes must not", len(mustNotCompile))
	}
	errLine := regexp.MustCompile(`main\.go:(\d+):\d+: (.*)`)
	got := map[int][]string{}
	for _, m := range errLine.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		got[n] = append(got[n], m[2])
	}
	if len(got) == 0 {
		t.Fatalf("no compiler errors found in:\n%s", out)
	}
	for n, msgs := range got {
		p, ok := want[n]
		if !ok {
			t.Errorf("error outside any probe, line %d: %v", n, msgs)
		} else if p.want == "" {
			t.Errorf("must-compile probe %q does not compile: %v", p.code, msgs)
		}
	}
	for n, p := range want {
		if p.want == "" {
			continue
		}
		msgs, ok := got[n]
		if !ok {
			t.Errorf("probe compiled: %s", p.code)
			continue
		}
		if !strings.Contains(strings.Join(msgs, "\n"), p.want) {
			t.Errorf("probe %s: error does not mention %q: %v", p.code, p.want, msgs)
		}
	}
}
