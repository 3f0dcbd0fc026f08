package schedule

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/model"
)

// Summary is the exploration's summary.json (report.Exploration): sc
// explored on variant, options naming everything else that decides the
// schedules run. The first violation's files are the caller's to add.
func (r *Report) Summary(variant string, sc model.Scenario, options map[string]string, sh shard.Shard, version string) report.Exploration {
	x := report.Exploration{Schema: report.ExplorationSchema, Kind: "explore", Target: variant + ": " + sc.String(), Options: options,
		Version: version, Shard: sh.String(), Started: time.Now().Add(-r.Elapsed).UTC(), Seconds: r.Elapsed.Seconds(),
		Schedules: r.Explored, Statements: r.Steps, Complete: r.Complete, Passed: r.Violation == nil}
	for _, k := range slices.Sorted(maps.Keys(r.Outcomes)) {
		x.Outcomes = append(x.Outcomes, report.ExploredOutcome{Key: k, Schedules: r.Outcomes[k]})
	}
	if v := r.Violation; v != nil {
		x.Violating = max(1, len(r.Violating))
		var violated []string
		for _, g := range v.Verdict.Violated() {
			violated = append(violated, string(g))
		}
		x.Violation = &report.ExploredViolation{Schedule: v.Choices, Violated: violated, Anomaly: v.Verdict.AnomalyNames()}
		for i := range x.Outcomes {
			x.Outcomes[i].Violated = x.Outcomes[i].Key == v.Outcome ||
				slices.ContainsFunc(r.Violating, func(res *Result) bool { return res.Outcome == x.Outcomes[i].Key })
		}
	}
	x.Verdict = verdictLine(x)
	return x
}

func verdictLine(x report.Exploration) string {
	if v := x.Violation; v != nil {
		return fmt.Sprintf("FAILED: %s violated in schedule %v (%d schedules run)", strings.Join(v.Violated, ", "), v.Schedule, x.Schedules)
	}
	if x.Complete {
		return fmt.Sprintf("PASSED: every guarantee held in all %d schedules; every schedule the strategy allows was run", x.Schedules)
	}
	return fmt.Sprintf("PASSED: every guarantee held in all %d schedules run (the strategy's space was not exhausted)", x.Schedules)
}
