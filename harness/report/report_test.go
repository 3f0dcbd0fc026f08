package report_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// TestBugReportOfACorpusFile: the report of the duplicate join names the
// guarantees, lists both calls in the table, shows the transcript and the
// command that replays it.
func TestBugReportOfACorpusFile(t *testing.T) {
	path := "../../histories/corpus/join-check-then-insert.jsonl"
	h, err := histories.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	files := histories.FilesOf(path)
	var b strings.Builder
	err = report.BugReport(&b, report.Counterexample{History: h, Verdict: histories.Check(h, histories.CheckOptions{}), Files: files, Transcript: []string{"   1  c0: begin"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# join-check-then-insert: duplicate insert\n",
		"g0's members should be [u0], were [u0 u0]",
		"| 1 | c0 | 2 | 22 | `join(u0,g0)` | joined |",
		"| 2 | c1 | 2 | 25 | `join(u0,g0)` | joined |",
		"1  c0: begin",
		"go run ./cmd/jbcheck replay histories/corpus/join-check-then-insert.jsonl",
		"join-check-then-insert.html",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, b.String())
		}
	}
}

// TestJUnitCountsFailures: one test case per check, a failure element for
// each check that did not pass, of the kind that says why.
func TestJUnitCountsFailures(t *testing.T) {
	held := map[model.Guarantee]histories.Status{model.Linearizable: histories.Held}
	violated := map[model.Guarantee]histories.Status{model.Linearizable: histories.Violated}
	g := report.Gate{Checks: []report.Check{
		{Variant: "locking", Correct: true, Name: "property", Statuses: held, Passed: true},
		{Variant: "broken", Correct: true, Name: "property", Statuses: violated, Passed: false},
		{Variant: "a-bug", Correct: false, Name: "stress", Statuses: held, Passed: false},
	}}
	out, err := report.JUnit(g)
	if err != nil {
		t.Fatal(err)
	}
	var suites report.JUnitSuites
	if err := xml.Unmarshal(out, &suites); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if suites.Tests != 3 || suites.Failures != 2 || len(suites.Suites) != 3 {
		t.Fatalf("tests %d, failures %d, suites %d; want 3, 2, 3\n%s", suites.Tests, suites.Failures, len(suites.Suites), out)
	}
	kinds := map[string]string{}
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil {
				kinds[s.Name] = c.Failure.Type
			}
		}
	}
	if kinds["broken"] != "violation" || kinds["a-bug"] != "escape" {
		t.Errorf("failure kinds %v, want broken: violation, a-bug: escape", kinds)
	}
}
