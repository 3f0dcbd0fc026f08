package histories_test

import (
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// TestAnomalyOfEachCorpusCounterexample: every bug variant's minimal
// counterexample is named with the anomaly people search for, every
// violated finding carries it, and the calls involved are listed.
func TestAnomalyOfEachCorpusCounterexample(t *testing.T) {
	want := map[string]string{
		"join-check-then-insert":      histories.DuplicateInsert,
		"join-count-then-insert":      histories.WriteSkew,
		"transfer-check-then-debit":   histories.Overdraft,
		"wallet-read-modify-write":    histories.LostUpdate,
		"leave-double-refund":         histories.DoubleRefund,
		"balance-async-recompute":     histories.StaleRead,
		"join-fee-outside-tx":         histories.HalfDoneCall,
		"deposit-async-commit":        histories.LostWrite,
		"deposit-retry-double-credit": histories.DuplicatedWrite,
	}
	for bug, name := range want {
		t.Run(bug, func(t *testing.T) {
			h, err := histories.ReadFile("corpus/" + bug + ".jsonl")
			if err != nil {
				t.Fatal(err)
			}
			v := histories.Check(h, histories.CheckOptions{})
			if len(v.Anomalies) != 1 {
				t.Fatalf("%d anomalies, want 1: %+v", len(v.Anomalies), v.Anomalies)
			}
			a := v.Anomalies[0]
			if a.Name != name {
				t.Errorf("anomaly %q, want %q (%s)", a.Name, name, a.Story)
			}
			if !strings.HasPrefix(v.Headline(), name+": ") || a.Story == "" {
				t.Errorf("headline %q: want the name and a one-line story", v.Headline())
			}
			if strings.Contains(a.Story, "\n") {
				t.Errorf("story is more than one line: %q", a.Story)
			}
			if len(a.Calls) == 0 || len(a.Calls) != len(a.Lines) {
				t.Errorf("calls involved %q (lines %v): want at least one, each with its line", a.Calls, a.Lines)
			}
			for _, f := range v.Findings {
				if f.Status == histories.Violated && f.Anomaly != name {
					t.Errorf("%s finding named %q, want %q", f.Guarantee, f.Anomaly, name)
				}
				if strings.Contains(f.Detail, "world 2: world") || strings.Contains(f.Detail, " 1 operations") {
					t.Errorf("finding reads badly: %s", f.Detail)
				}
			}
		})
	}
}

// TestAnomalyNamesNothingWhenEverythingHeld: a passing verdict names no
// anomaly and has no headline.
func TestAnomalyNamesNothingWhenEverythingHeld(t *testing.T) {
	h, err := histories.ReadFile("corpus/wallet-read-modify-write.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// Keep the calls, drop the audit: two deposits answered ok are
	// linearizable, and I1–I6 are unknown, not violated.
	h.Audits = nil
	v := histories.Check(h, histories.CheckOptions{})
	if len(v.Violated()) != 0 {
		t.Fatalf("without the audit, %v violated", v.Violated())
	}
	if len(v.Anomalies) != 0 || v.Headline() != "" {
		t.Errorf("no violation, yet anomalies %+v", v.Anomalies)
	}
}
