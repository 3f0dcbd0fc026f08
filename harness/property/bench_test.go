package property_test

import (
	"context"
	"testing"

	"jbcheck.dev/jbcheck/harness/property"
	"jbcheck.dev/jbcheck/harness/protocol"
)

// BenchmarkCatchAndShrink: for each bug variant, one op is the whole hunt
// that TestPropertyBugVariantsAreCaughtAndShrunk makes — rounds of the
// schedule-mode property until it fails, rapid's shrinking, then
// schedule.Minimize — at 100 checks a round. The hunt is deterministic
// (fixed seeds), so the spread is the machine's.
func BenchmarkCatchAndShrink(b *testing.B) {
	for _, v := range protocol.All() {
		if v.Info().Correct() {
			continue
		}
		b.Run(v.Info().Name, func(b *testing.B) {
			e := executor(b, v)
			calls := 0
			for b.Loop() {
				caught, err := property.Catch(context.Background(), e, 1, 10, 100)
				if err != nil || caught == nil {
					b.Fatalf("not caught: %v", err)
				}
				calls = caught.Minimal.Calls()
			}
			b.ReportMetric(float64(calls), "calls")
		})
	}
}
