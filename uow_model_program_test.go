package quarry_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// rndProgram is what the random-sequence tests of the unit of work share:
// the seed and step counter, the choice of the next operation by weight,
// and the program so far, printed as Go when a check fails.
type rndProgram struct {
	t       *testing.T
	backend string
	seed    uint64
	steps   int
	rnd     *rand.Rand
	ops     []string
	weights map[string]int
	// replay is the flag that selects the op kinds, as "-name=value", and
	// legend the comment lines printed above the program.
	replay string
	legend []string

	step int
	hist []string
}

func (r *rndProgram) pickKind() string {
	total := 0
	for _, k := range r.ops {
		total += r.weights[k]
	}
	n := r.rnd.IntN(total)
	for _, k := range r.ops {
		if n < r.weights[k] {
			return k
		}
		n -= r.weights[k]
	}
	return r.ops[len(r.ops)-1]
}

// log records a line of the program.
func (r *rndProgram) log(format string, args ...any) {
	line := fmt.Sprintf("/* %4d */ ", r.step) + fmt.Sprintf(format, args...)
	r.hist = append(r.hist, line)
	if *uowVerbose {
		r.t.Log(line)
	}
}

// fail stops the test with the program so far.
func (r *rndProgram) fail(format string, args ...any) {
	r.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nseed %d, %s, step %d of %d\n", fmt.Sprintf(format, args...), r.seed, r.backend, r.step, r.steps)
	fmt.Fprintf(&b, "replay: go test -run '^%s$' -count=1 -uow.seed=%d -uow.steps=%d %s .\n\n", r.backend, r.seed, r.step+1, r.replay)
	b.WriteString("// The program so far. without(s, x) is a new slice of s's elements but x.\n")
	for _, l := range r.legend {
		b.WriteString(l + "\n")
	}
	b.WriteString("s := db.Session()\n")
	for _, l := range r.hist {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	r.t.Fatal(b.String())
}

func (r *rndProgram) must(err error, what string) {
	r.t.Helper()
	if err != nil {
		r.fail("%s: unexpected error: %v", what, err)
	}
}
