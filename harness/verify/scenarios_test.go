package verify_test

import (
	"slices"
	"testing"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/verify"
	"jbcheck.dev/jbcheck/model"
)

// TestEveryBugHasAStandardScenario: every standard scenario parses, names
// only registered bug variants, and every registered bug variant has one —
// so the gate explores each bug's scenario, in both budgets.
func TestEveryBugHasAStandardScenario(t *testing.T) {
	for _, quick := range []bool{false, true} {
		caught := map[string]bool{}
		for _, s := range verify.Standards(quick) {
			if _, err := model.ParseScenario(s.Clients, s.World); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
			for _, name := range s.Catches {
				v, err := protocol.Lookup(name)
				if err != nil || v.Info().Correct() {
					t.Errorf("%s names %q, which is not a registered bug variant", s.Name, name)
				}
				caught[name] = true
			}
		}
		for _, v := range protocol.All() {
			if !v.Info().Correct() && !caught[v.Info().Name] {
				t.Errorf("quick=%v: no standard scenario catches %s", quick, v.Info().Name)
			}
		}
		if !slices.ContainsFunc(verify.Standards(quick), func(s verify.Standard) bool { return s.Strategy.Name == "exhaustive" }) {
			t.Errorf("quick=%v: the second flaky test's scenario should be explored exhaustively", quick)
		}
	}
}
