package schedule

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
)

// TestLanesExploreTheOneLaneSchedules: an exploration on four lanes, whose
// lanes give each other subtrees in the middle of a schedule, runs exactly
// the schedules one lane runs, each once, with the same outcomes.
func TestLanesExploreTheOneLaneSchedules(t *testing.T) {
	sc := mustParse(t, "c0: join(u0,g0); c1: join(u0,g0)", "")
	explore := func(lanes int) map[string]string {
		var mu sync.Mutex
		seen := map[string]string{}
		visit := func(r *Result) {
			mu.Lock()
			defer mu.Unlock()
			key := fmt.Sprint(r.Choices)
			if _, twice := seen[key]; twice {
				t.Errorf("%d lanes ran schedule %s twice", lanes, key)
			}
			seen[key] = r.Outcome
		}
		rep, err := Explore(context.Background(), lanesOf(t, "locking", lanes), sc,
			ExploreOptions{Strategy: Strategy{Name: "exhaustive"}, Visit: visit})
		if err != nil || !rep.Complete || rep.Violation != nil {
			t.Fatalf("%d lanes: %v, complete %v, violation %v", lanes, err, rep != nil && rep.Complete, rep != nil && rep.Violation != nil)
		}
		return seen
	}
	one, four := explore(1), explore(4)
	if !maps.Equal(one, four) {
		t.Errorf("four lanes ran other schedules than one:\none:  %v\nfour: %v", slices.Sorted(maps.Keys(one)), slices.Sorted(maps.Keys(four)))
	}
	t.Logf("%d schedules, the same on one lane and four", len(one))
}
