package shrink_test

import (
	"context"
	"testing"

	"jbcheck/harness/protocol"
	"jbcheck/harness/shrink"
	"jbcheck/histories"
)

// BenchmarkShrinkStress: for each bug variant, a stress run (6 clients, 2,000
// operations, fixed seed) made before the timer; one op is `jbcheck shrink`
// of its history: candidates, exploration, Minimize. A variant whose run
// happens to hold is reported, not skipped silently.
func BenchmarkShrinkStress(b *testing.B) {
	for _, v := range protocol.All() {
		if v.Info().Correct() {
			continue
		}
		b.Run(v.Info().Name, func(b *testing.B) {
			h := stressHistory(b, v, 2000)
			if len(histories.Check(h, histories.CheckOptions{}).Violated()) == 0 {
				b.Fatalf("the stress run of %s violated nothing: nothing to shrink", v.Info().Name)
			}
			execs := executors(b, v)
			calls, tried := 0, 0
			for b.Loop() {
				got, err := shrink.Shrink(context.Background(), execs, h, "stress.jsonl", shrink.Options{})
				if err != nil {
					b.Fatal(err)
				}
				calls, tried = 0, got.Tried
				for _, c := range got.Scenario.Clients {
					calls += len(c)
				}
			}
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(float64(tried), "candidates")
		})
	}
}
