package report_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// A passing gate's page reads green: a caught bug's violated guarantees are
// its catch, the result column says holds and caught, and nothing is
// marked as a failure.
func TestPassingGatePageReadsGreen(t *testing.T) {
	held, caught := map[model.Guarantee]histories.Status{}, map[model.Guarantee]histories.Status{}
	for _, g := range model.Guarantees {
		held[g], caught[g] = histories.Held, histories.Held
	}
	caught[model.UniqueMembership] = histories.Violated
	g := report.Gate{Schema: report.GateSchema, Passed: true, Verdict: "PASSED", Checks: []report.Check{
		{Variant: "locking", Correct: true, ID: "property", Name: "property", Statuses: held, Passed: true},
		{Variant: "join-check-then-insert", ID: "explore/flaky-test-1", Name: "explore", Statuses: caught, Passed: true},
	}}
	dir := t.TempDir()
	if err := report.WriteGate(dir, g); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{`<td class="ok">holds (1 checks)</td>`, `<td class="ok">caught by all 1 checks</td>`,
		`<tr class="bug">`, `violated (caught)`, `explore/flaky-test-1`} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if regexp.MustCompile(`class="(bad|fail)"`).MatchString(html) {
		t.Error("a passing gate's page marks something as failed")
	}
	junit, _ := report.JUnit(g)
	if !strings.Contains(string(junit), `name="join-check-then-insert/explore/flaky-test-1"`) {
		t.Errorf("junit.xml:\n%s", junit)
	}
}
