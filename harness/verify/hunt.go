package verify

// The gate's search with no scenario (jbcheck hunt) for bug variants, and
// the race-coverage check of correct variants.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/coverage"
	"jbcheck.dev/jbcheck/harness/hunt"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// hunt hunts a bug variant with nothing but the variant: rounds of drawn
// scenarios and schedules with fixed seeds, then stress runs, until one
// violates a guarantee; the violation is shrunk and kept. It takes the
// place of the property and stress checks a bug variant had: a new bug
// variant is gated by it before anyone writes its standard scenario.
func (r *runner) hunt(ctx context.Context, v protocol.Variant, _ []*schedule.Executor) (report.Check, error) {
	o := r.huntOptions(v)
	c := report.Check{ID: "hunt", Name: "hunt: caught with no scenario given (drawn scenarios and schedules, then stress), shrunk",
		Params: map[string]string{"rounds": fmt.Sprint(o.MaxRounds), "draws": fmt.Sprint(o.Draws), "seeds": fmt.Sprintf("1-%d", o.MaxRounds),
			"stress_runs": fmt.Sprint(o.MaxStressRuns), "stress_seconds": fmt.Sprint(o.StressRun.Seconds())}}
	r.begin(v, c.Name, 0, "")
	res, err := hunt.Run(ctx, o)
	r.cover(v, "hunt", res.Coverage)
	if err != nil {
		return c, err
	}
	cx := res.Counterexample
	if cx == nil {
		c.Statuses, c.Detail = held(), res.Line()
		return c, nil
	}
	c.Detail = res.Line()
	if cx.Result == nil {
		c.Statuses = map[model.Guarantee]histories.Status{}
		for _, g := range cx.Violated {
			c.Statuses[g] = histories.Violated
		}
	} else {
		c.Statuses = cx.Result.Verdict.Statuses
		c.Anomaly = cx.Result.Verdict.AnomalyNames()
	}
	rel := func(p string) string {
		if q, err := filepath.Rel(r.o.Out, p); err == nil && p != "" {
			return q
		}
		return p
	}
	c.Files = &histories.Files{History: rel(cx.Files.History), Picture: rel(cx.Files.Picture), Transcript: rel(cx.Files.Transcript)}
	c.BugReport = rel(cx.BugReport)
	return c, nil
}

// huntOptions are a bug variant's hunt in the gate: fixed counts, so that
// the gate's hunt is the same on every machine (seeds 1–10, 100 draws
// each, then up to three stress runs of 3 s), and a time limit that only a
// machine many times slower than two cores reaches. A bug only faults
// reveal draws a crash in a schedule at the cost of a restart: one round
// of 40, then stress runs with faults, which find it faster.
func (r *runner) huntOptions(v protocol.Variant) hunt.Options {
	o := hunt.Options{Server: r.o.Server, Variant: v, Budget: 3 * time.Minute, Seed: 1, Lanes: r.o.Lanes, Command: "jbcheck verify",
		Out: filepath.Join(r.o.Out, "counterexamples", v.Info().Name+"-hunt"), Reference: r.standardScenarios(),
		Draws: 100, MaxRounds: r.b.catchRounds, MaxStressRuns: 3, StressRun: r.b.stressFor}
	if v.Info().FaultOnly {
		o.Draws, o.MaxRounds = 40, 1
	}
	return o
}

// standardScenarios are the gate's standard scenarios, which decide
// (besides what a search draws) which race windows are reachable.
func (r *runner) standardScenarios() []model.Scenario {
	var out []model.Scenario
	for _, s := range Standards(r.o.Quick) {
		if sc, err := model.ParseScenario(s.Clients, s.World); err == nil {
			out = append(out, sc)
		}
	}
	return out
}

// cover adds the race coverage of one of v's searches ("property",
// "stress", "hunt") to its table.
func (r *runner) cover(v protocol.Variant, search string, t coverage.Table) {
	key := v.Info().Name + " " + search
	if r.coverage == nil {
		r.coverage = map[string]*coverage.Table{}
	}
	if r.coverage[key] == nil {
		r.coverage[key] = &coverage.Table{}
		r.order = append(r.order, key)
	}
	r.coverage[key].Merge(t)
}

// coverageCheck fails a correct variant one of whose searches never
// reached a race window its scenario set can reach: the property's drawn
// schedules, judged against the standard scenarios and what it drew; the
// stress runs, against what their clients can do. A search that stopped
// at a violation is not judged (the violation fails the gate already). The search got weaker
// than what it searches, and what it did not exercise it cannot vouch for:
// the variant's guarantees are then undecided (the gate fails, exit 1, as
// for any undecided check); no guarantee is violated.
func (r *runner) coverageCheck(ctx context.Context, v protocol.Variant, _ []*schedule.Executor) (report.Check, error) {
	c := report.Check{ID: "coverage", Name: "coverage: the property and stress reached every race window their scenario sets can reach",
		Params: map[string]string{}, Statuses: map[model.Guarantee]histories.Status{}}
	_, worker := v.(protocol.Worker)
	if r.coverage[v.Info().Name+" property"] != nil {
		r.cover(v, "property", coverage.Table{Reachable: coverage.Reachable(r.standardScenarios(), worker)})
	}
	var missed, summary []string
	for _, search := range []string{"property", "stress"} {
		t := r.coverage[v.Info().Name+" "+search]
		if t == nil {
			// Not run here: another shard's (jbcheck verify --shard).
			summary = append(summary, search+": not run in this process")
			continue
		}
		if r.failed(v, search) {
			// It stopped at its violation: its budget was not spent.
			summary = append(summary, search+": stopped at a violation, not judged")
			continue
		}
		for _, row := range t.Lines() {
			c.Params[search+"/"+row.Window] = fmt.Sprintf("%d/%d", row.Reached, t.Runs)
		}
		summary = append(summary, search+": "+t.Summary())
		for _, w := range t.Unreached() {
			missed = append(missed, fmt.Sprintf("%s by the %s (%s)", w, search, w.Describe()))
		}
	}
	c.Detail = strings.Join(summary, "; ")
	if len(missed) > 0 {
		c.Detail = "never reached " + strings.Join(missed, ", ") + "; " + c.Detail
		for _, g := range model.Guarantees {
			if g != model.Durability && g != model.Atomicity {
				c.Statuses[g] = histories.Unknown
			}
		}
	}
	return c, ctx.Err()
}

// failed reports whether v's check id failed in this gate so far.
func (r *runner) failed(v protocol.Variant, id string) bool {
	if r.gate == nil {
		return false
	}
	for _, c := range r.gate.Checks {
		if c.Variant == v.Info().Name && c.ID == id && !c.Passed {
			return true
		}
	}
	return false
}

// printCoverage writes every search's race-coverage table to the log.
func (r *runner) printCoverage() {
	if r.o.Log == nil || len(r.order) == 0 {
		return
	}
	fmt.Fprintln(r.o.Log, "\nrace coverage (runs that reached each window):")
	for _, key := range r.order {
		fmt.Fprintf(r.o.Log, "%s:\n%s\n", key, r.coverage[key])
	}
}
