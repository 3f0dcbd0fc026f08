package shrink_test

import (
	"context"
	"testing"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/shrink"
)

// BenchmarkShrinkStress: for each bug variant, a failing stress run (6
// clients, 2,000 operations) made before the timer; one op is `jbcheck shrink`
// of its history: candidates, exploration, Minimize.
func BenchmarkShrinkStress(b *testing.B) {
	for _, v := range protocol.All() {
		if v.Info().Correct() {
			continue
		}
		b.Run(v.Info().Name, func(b *testing.B) {
			h := failingStressHistory(b, v, 2000)
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
