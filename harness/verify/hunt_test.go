package verify

import (
	"context"
	"os"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/property"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/model"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// unscenarioed is a bug variant no standard scenario names.
type unscenarioed struct{ protocol.Locking }

func (unscenarioed) Info() protocol.Info {
	return protocol.Info{Name: "test-bug-without-scenario", Summary: "a test's bug variant", Breaks: []model.Guarantee{model.Linearizable}}
}

// TestABugWithoutAStandardScenarioIsHunted: the gate takes a bug variant no
// standard scenario names and gives it the hunt alone; a bug with a
// standard scenario gets the hunt and its scenario; a correct variant ends
// with the coverage check.
func TestABugWithoutAStandardScenarioIsHunted(t *testing.T) {
	r := &runner{b: budgetFor(true)}
	if n := len(r.checksFor(unscenarioed{})); n != 1 {
		t.Errorf("a bug without a scenario gets %d checks, want the hunt alone", n)
	}
	bug, _ := protocol.Lookup("join-check-then-insert")
	if n := len(r.checksFor(bug)); n != 2 {
		t.Errorf("join-check-then-insert gets %d checks, want the hunt and its scenario", n)
	}
	correct, _ := protocol.Lookup("locking")
	if n, want := len(r.checksFor(correct)), 2+len(Standards(true))+3+len(r.mutantChecks(correct)); n != want {
		t.Errorf("locking gets %d checks, want %d", n, want)
	}
}

// TestCoverageFailsTheGateWhenAGeneratorIsBroken: with a generator broken
// on purpose — every client on a user and a group of its own — the
// property of a correct variant still holds, but never overlaps two calls
// on the same rows: the coverage check fails, naming the window, and so
// does the gate's verdict. With the generator as it is, the same check
// passes.
func TestCoverageFailsTheGateWhenAGeneratorIsBroken(t *testing.T) {
	v, _ := protocol.Lookup("locking")
	e, err := schedule.NewExecutor(context.Background(), pgtest.Server(t), v, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Reduce = true
	t.Cleanup(e.Close)
	run := func(broken bool) report.Check {
		o := Options{Server: pgtest.Server(t), Quick: true, Seed: 1}
		if broken {
			o.Scenarios = property.ScenariosOf(property.Shape{Apart: true})
		}
		r := &runner{o: o, b: budgetFor(true)}
		r.b.checks = 60
		p, err := r.property(context.Background(), v, []*schedule.Executor{e})
		if err != nil || !passed(report.Check{Correct: true, Statuses: p.Statuses}) {
			t.Fatalf("broken=%v: the property: %v %s", broken, err, p.Detail)
		}
		c, err := r.coverageCheck(context.Background(), v, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Variant, c.Correct = v.Info().Name, true
		c.Passed = passed(c)
		return c
	}
	if c := run(false); !c.Passed {
		t.Errorf("the generator as it is: coverage failed: %s", c.Detail)
	}
	c := run(true)
	if c.Passed || !strings.Contains(c.Detail, "never reached same-rows by the property") {
		t.Fatalf("a broken generator: coverage passed=%v: %s", c.Passed, c.Detail)
	}
	if ok, verdict := verdict(report.Gate{Checks: []report.Check{c}}, nil); ok || !strings.Contains(verdict, "locking failed coverage") {
		t.Errorf("the gate's verdict: %v %q", ok, verdict)
	}
}
