package verify

import (
	"context"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// TestTheGateFailsOnUnknownViolatedOrEscaped: a correct variant's check
// passes only if nothing is violated or undecided; a bug variant's check
// passes only if something is violated; the verdict names what failed, and
// an interrupted gate fails.
func TestTheGateFailsOnUnknownViolatedOrEscaped(t *testing.T) {
	with := func(g model.Guarantee, s histories.Status) map[model.Guarantee]histories.Status {
		m := held()
		m[g] = s
		return m
	}
	cases := []struct {
		check report.Check
		pass  bool
	}{
		{report.Check{Correct: true, Statuses: held()}, true},
		{report.Check{Correct: true, Statuses: with(model.Linearizable, histories.Unknown)}, false},
		{report.Check{Correct: true, Statuses: with(model.Capacity, histories.Violated)}, false},
		{report.Check{Correct: false, Statuses: with(model.Capacity, histories.Violated)}, true},
		{report.Check{Correct: false, Statuses: held()}, false},
		{report.Check{Correct: false, Statuses: with(model.Linearizable, histories.Unknown)}, false},
	}
	for i, c := range cases {
		if got := passed(c.check); got != c.pass {
			t.Errorf("case %d (%+v): passed %v, want %v", i, c.check.Statuses, got, c.pass)
		}
	}

	g := report.Gate{Checks: []report.Check{
		{Variant: "locking", Correct: true, Name: "stress: 8 clients", Passed: true},
		{Variant: "a-bug", Correct: false, Name: "stress: 8 clients", Passed: true},
	}}
	if ok, v := verdict(g, nil); !ok || !strings.HasPrefix(v, "PASSED") {
		t.Errorf("all passed: %v %q", ok, v)
	}
	g.Checks = append(g.Checks, report.Check{Variant: "a-bug", Correct: false, Name: "explore preempt=2: x", Passed: false})
	if ok, v := verdict(g, nil); ok || !strings.Contains(v, "a-bug escaped explore preempt=2") {
		t.Errorf("an escape: %v %q", ok, v)
	}
	g.Checks = g.Checks[:2]
	if ok, v := verdict(g, context.Canceled); ok || !strings.Contains(v, "interrupted") {
		t.Errorf("interrupted: %v %q", ok, v)
	}
}
