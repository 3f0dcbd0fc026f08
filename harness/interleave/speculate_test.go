package interleave_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// TestSpeculationIsExact runs every schedule of every edge case twice — on
// an engine that settles a lone lock wait at once (speculation) and on one
// that waits for the deadlock detector first — and requires the same
// transcript and outcome from both, choice for choice: speculation must
// change nothing but the time a schedule takes. The deadlock case is where
// the server finds a deadlock after a speculative grant; its run is made
// again without speculating. Each case is walked depth-first, at most 120
// schedules (the three-session cycle has about 400).
func TestSpeculationIsExact(t *testing.T) {
	fast := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	exact := engine(t, interleave.Config{StuckTimeout: 20 * time.Second, Conservative: true})
	cases := append(slices.Clone(fidelityCases), fidelityCase{
		name: "a three-session deadlock cycle",
		sessions: [][]string{
			{"BEGIN", "UPDATE t SET v = 1 WHERE id = 1", "UPDATE t SET v = 1 WHERE id = 2", "COMMIT"},
			{"BEGIN", "UPDATE t SET v = 2 WHERE id = 2", "UPDATE t SET v = 2 WHERE id = 3", "COMMIT"},
			{"BEGIN", "UPDATE t SET v = 3 WHERE id = 3", "UPDATE t SET v = 3 WHERE id = 1", "COMMIT"},
		},
	})
	reruns := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			schedules, r := sameRuns(t, exact, fast, tc.sessions, "speculation")
			reruns += r
			t.Logf("%d schedules the same with and without speculation", schedules)
		})
	}
	t.Logf("%d runs made again after a deadlock found past a speculative grant", reruns)
}

// sameRuns walks the schedules of sessions depth-first, at most 120, and
// runs each on both engines: want's and got's choices, transcripts and
// outcomes must be equal, choice for choice — what makes them differ
// (named by change) may change nothing but the time a schedule takes. It
// returns the schedules walked and how many of got's runs were made again
// after a misspeculation.
func sameRuns(t *testing.T, want, got *interleave.Engine, sessions [][]string, change string) (schedules, reruns int) {
	t.Helper()
	setup := table + "; INSERT INTO t VALUES (3, 0)"
	p := &sqlProgram{setup: setup, sessions: sessions, final: "SELECT id, v FROM t ORDER BY id", reduce: true}
	var walk func(prefix []int)
	walk = func(prefix []int) {
		if t.Failed() || schedules >= 120 {
			return
		}
		schedules++
		run := func(e *interleave.Engine) *interleave.Result {
			choices := interleave.Replay(slices.Clone(prefix))
			res, err := e.Run(context.Background(), p, &choices)
			if err != nil {
				t.Fatalf("schedule %v: %v", prefix, err)
			}
			return res
		}
		a, b := run(want), run(got)
		if b.Rerun {
			reruns++
		}
		if !slices.Equal(a.Choices, b.Choices) || a.Outcome.Key != b.Outcome.Key || !slices.Equal(a.Transcript, b.Transcript) {
			t.Errorf("schedule %v: %s changed the run:\nwithout:\n%s\n%s\nwith:\n%s\n%s", prefix, change,
				strings.Join(a.Transcript, "\n"), a.Outcome.Key, strings.Join(b.Transcript, "\n"), b.Outcome.Key)
			return
		}
		for i := len(prefix); i < len(a.Points); i++ {
			for alt := 1; alt < len(a.Points[i].Options); alt++ {
				walk(append(slices.Clone(a.Choices[:i]), alt))
			}
		}
	}
	walk(nil)
	return schedules, reruns
}
