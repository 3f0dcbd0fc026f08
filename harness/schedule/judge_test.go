package schedule

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// TestSchedulesAreJudgedAsTheirFilesWouldBe: a schedule's history is judged
// in memory, as written (histories.Writer.History), not read back, and its
// file is made only when asked for (Result.File). For every schedule of
// explorations that reach members and balances, audits between steps, a
// background worker, violations and faults, the file reads back as
// Result.History, and the verdict and the outcome judged from it are the
// ones judged in memory.
func TestSchedulesAreJudgedAsTheirFilesWouldBe(t *testing.T) {
	cases := []struct {
		variant, scenario, faults string
		audits                    int
	}{
		{"locking", "c0: join(u0,g0) members(g0); c1: join(u1,g0) balance(g0)", "", 1},
		{"join-check-then-insert", "c0: join(u0,g0); c1: join(u0,g0) members(g0)", "", 0},
		{"async-watermark", "c0: deposit(u0,5) balance(u0); c1: balance(u0)", "", 1},
		{"join-fee-outside-tx", "c0: join(u0,g0)", "crash", 0},
	}
	for _, tc := range cases {
		t.Run(tc.variant, func(t *testing.T) {
			e := executor(t, tc.variant, true)
			e.Audits = tc.audits
			if tc.faults != "" {
				e = faultyExecutor(t, tc.variant, tc.faults)
			}
			schedules, violating := 0, 0
			visit := func(r *Result) {
				schedules++
				if len(r.Verdict.Violated()) > 0 {
					violating++
				}
				h := readFile(t, r)
				if !reflect.DeepEqual(h, r.History) {
					t.Errorf("schedule %v: its file reads back as another history than Result.History", r.Choices)
				}
				if v := histories.Check(h, histories.CheckOptions{}); !reflect.DeepEqual(v.Statuses, r.Verdict.Statuses) ||
					!reflect.DeepEqual(v.Findings, r.Verdict.Findings) || !reflect.DeepEqual(v.Anomalies, r.Verdict.Anomalies) {
					t.Errorf("schedule %v: judged from its file %+v, in memory %+v", r.Choices, v.Findings, r.Verdict.Findings)
				}
				if o := Outcome(h); o != r.Outcome {
					t.Errorf("schedule %v: outcome from its file %q, in memory %q", r.Choices, o, r.Outcome)
				}
			}
			_, err := Explore(context.Background(), []*Executor{e}, mustParse(t, tc.scenario, ""),
				ExploreOptions{Strategy: Strategy{Name: "exhaustive"}, Max: 150, KeepGoing: true, Visit: visit})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d schedules, %d violating, judged alike", schedules, violating)
		})
	}
}

// readFile reads back the history file of r.
func readFile(t testing.TB, r *Result) *histories.History {
	t.Helper()
	file, err := r.File()
	if err != nil {
		t.Fatalf("the schedule's history file: %v", err)
	}
	h, err := histories.Read(bytes.NewReader(file), "schedule")
	if err != nil {
		t.Fatalf("the schedule's history does not read back: %v", err)
	}
	return h
}
