package schedule

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
)

// BenchmarkTwoClientJoin explores, exhaustively and without reductions,
// the first flaky test's smallest form — two clients joining the same group
// as the same user — against locking, on one lane, one lane per CPU, and
// as many lanes as `jbcheck explore` uses by default (two per CPU). One op
// is one whole exploration. Beside schedule mode's statement rate it measures, in the
// same run and on the same cluster, pgbench's select-only rate at one
// client: one client's statement round trip, the physical limit of one
// lane, which moves one statement at a time. vs-pgbench is their ratio.
func BenchmarkTwoClientJoin(b *testing.B) {
	ctx := context.Background()
	tps, err := pgtest.Server(b).PgbenchSelectOnly(ctx, nil, 3*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	sc := mustParse(b, "c0: join(u0,g0); c1: join(u0,g0)", "")
	for _, lanes := range slices.Compact([]int{1, runtime.NumCPU(), DefaultLanes()}) {
		b.Run(fmt.Sprintf("lanes=%d", lanes), func(b *testing.B) {
			execs := lanesOf(b, "locking", lanes)
			var schedules, statements int
			for b.Loop() {
				rep, err := Explore(ctx, execs, sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
				if err != nil || rep.Violation != nil {
					b.Fatalf("%v, violation %v", err, rep.Violation != nil)
				}
				schedules += rep.Explored
				statements += rep.Steps
			}
			rate := float64(statements) / b.Elapsed().Seconds()
			b.ReportMetric(float64(schedules)/b.Elapsed().Seconds(), "schedules/s")
			b.ReportMetric(rate, "statements/s")
			b.ReportMetric(tps, "pgbench-S-tps")
			b.ReportMetric(rate/tps, "vs-pgbench")
		})
	}
}

// BenchmarkFiveSerializableJoins is the first flaky test as the gate
// explores it at its heaviest: five clients joining as one user against
// serializable, every schedule with at most two preemptions, reductions on,
// on as many lanes as `jbcheck explore` uses by default. One op is one whole
// exploration.
func BenchmarkFiveSerializableJoins(b *testing.B) {
	ctx := context.Background()
	sc := mustParse(b, "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)", "")
	execs := lanesOf(b, "serializable", DefaultLanes())
	for _, e := range execs {
		e.Reduce = true
	}
	var schedules int
	for b.Loop() {
		rep, err := Explore(ctx, execs, sc, ExploreOptions{Strategy: Strategy{Name: "preempt", K: 2}})
		if err != nil || rep.Violation != nil || !rep.Complete {
			b.Fatalf("%v, violation %v, complete %v", err, rep.Violation != nil, rep.Complete)
		}
		schedules = rep.Explored
	}
	b.ReportMetric(float64(schedules), "schedules/op")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
}

// lanesOf opens n executors of a variant, closed when b ends.
func lanesOf(b *testing.B, variant string, n int) []*Executor {
	v, err := protocol.Lookup(variant)
	if err != nil {
		b.Fatal(err)
	}
	execs, err := NewExecutors(context.Background(), pgtest.Server(b), v, n)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { CloseAll(execs) })
	return execs
}
