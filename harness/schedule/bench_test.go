package schedule

import (
	"context"
	"testing"
)

// BenchmarkTwoClientJoin explores, exhaustively and without reductions,
// the first flaky test's smallest form — two clients joining the same group
// as the same user — against locking. One op is one whole exploration.
func BenchmarkTwoClientJoin(b *testing.B) {
	e := executor(b, "locking", false)
	sc := mustParse(b, "c0: join(u0,g0); c1: join(u0,g0)", "")
	ctx := context.Background()
	var schedules, statements int
	for b.Loop() {
		rep, err := Explore(ctx, []*Executor{e}, sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
		if err != nil || rep.Violation != nil {
			b.Fatalf("%v, violation %v", err, rep.Violation != nil)
		}
		schedules += rep.Explored
		statements += rep.Steps
	}
	b.ReportMetric(float64(schedules)/b.Elapsed().Seconds(), "schedules/s")
	b.ReportMetric(float64(statements)/b.Elapsed().Seconds(), "statements/s")
	b.ReportMetric(float64(schedules)/float64(b.N), "schedules/op")
}
