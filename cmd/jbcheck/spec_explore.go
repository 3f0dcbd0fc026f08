package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/spec"
)

// explore runs every interleaving the strategy allows, prints each distinct
// outcome with its count, verdict and the permutation that replays it, the
// first violation's transcript, and writes a transcript per outcome under
// --out.
func (s *specRun) explore(ctx context.Context) error {
	var progress func(int)
	if isTerminal(os.Stderr) && !s.flags.json {
		progress = func(n int) { fmt.Fprintf(os.Stderr, "\r%d schedules ", n) }
	}
	rep, err := s.runner.Explore(ctx, s.sp, spec.ExploreOptions{Strategy: s.strategy, Max: s.flags.max,
		KeepGoing: s.flags.keepGoing, NoReduce: s.flags.noReduce, FinalQuery: s.flags.finalQuery,
		Oracle: s.oracle, Progress: progress, Shard: s.flags.shard})
	if progress != nil {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return err
	}
	// The first violation's transcript, as isolationtester prints its
	// permutation, replayed: the same outcome again, or a warning.
	var shown *spec.PermResult
	if v := rep.Violation; v != nil {
		if shown, err = s.replayOutcome(ctx, v); err != nil {
			return err
		}
	}
	if s.flags.out != "" {
		if err := s.writeOutcomes(ctx, rep, shown); err != nil {
			return err
		}
	}
	if s.flags.json {
		if err := s.printJSON(rep); err != nil {
			return err
		}
	} else {
		s.printReport(os.Stdout, rep, shown)
	}
	if rep.Violation != nil {
		return fmt.Errorf("%w: %s", errViolation, rep.Violation.Verdict.Summary())
	}
	return nil
}

// replayOutcome runs an outcome's permutation again and says whether it
// gave the same outcome.
func (s *specRun) replayOutcome(ctx context.Context, o *spec.Outcome) (*spec.PermResult, error) {
	perm, err := s.sp.ParsePermutation(o.Permutation())
	if err != nil {
		return nil, err
	}
	res, err := s.runner.Replay(ctx, s.sp, perm, s.flags.finalQuery)
	if err != nil {
		return nil, fmt.Errorf("replaying %s: %w", o.Permutation(), err)
	}
	if res.Obs.Key() != o.Key {
		res.Errors += "warning: replayed, this permutation gave another outcome: the spec's results depend on more than the order of its steps\n"
	}
	return res, nil
}

func (s *specRun) printReport(w io.Writer, rep *spec.ExploreReport, shown *spec.PermResult) {
	level := "the server's default isolation"
	if s.iso != "" {
		level = s.iso
	}
	fmt.Fprintf(w, "explore %s at %s%s: strategy %s, %d schedules (%d steps) in %.2fs; %d distinct outcomes\n",
		s.path, level, shardNote(s.flags.shard), rep.Strategy, rep.Explored, rep.Steps, rep.Elapsed.Seconds(), len(rep.Outcomes))
	for i, o := range rep.Outcomes {
		fmt.Fprintf(w, "\noutcome %d: %d %s", i+1, o.Count, plural(o.Count, "schedule", "schedules"))
		if o.Verdict != nil {
			fmt.Fprintf(w, " — %s", o.Verdict.Summary())
		}
		fmt.Fprintf(w, "\n  replay: %s\n", s.replayCommand(o.Permutation()))
	}
	if v := rep.Violation; v != nil {
		fmt.Fprintf(w, "\nthe first violation, as isolationtester prints it:\n%s", shown.Output)
		fmt.Fprintf(w, "\nfinal state:\n%s", v.Obs.Final)
		if w == os.Stdout {
			io.WriteString(os.Stderr, shown.Errors)
		}
	}
	fmt.Fprintln(w)
	switch {
	case rep.Violation != nil && s.flags.keepGoing:
		fmt.Fprintf(w, "verdict: %d of %d outcomes are NOT SERIALIZABLE\n", len(rep.Violations()), len(rep.Outcomes))
	case rep.Violation != nil:
		fmt.Fprintf(w, "verdict: NOT SERIALIZABLE (%d schedules explored; --keep-going explores them all)\n", rep.Explored)
	case s.oracle == nil && rep.Complete:
		fmt.Fprintln(w, "verdict: every schedule the strategy allows was run (serializability not checked: --check-serializable)")
	case s.oracle == nil:
		fmt.Fprintln(w, "verdict: the strategy's space was not exhausted (serializability not checked: --check-serializable)")
	case rep.Complete:
		fmt.Fprintf(w, "verdict: every outcome is serializable (%d serial orders run)%s\n", s.oracle.SerialRuns, uncheckedNote(rep))
	default:
		fmt.Fprintf(w, "verdict: every outcome found is serializable, but the strategy's space was not exhausted%s\n", uncheckedNote(rep))
	}
}

// uncheckedNote counts the outcomes the oracle could not judge.
func uncheckedNote(rep *spec.ExploreReport) string {
	n := 0
	for _, o := range rep.Outcomes {
		if o.Verdict != nil && o.Verdict.Status == spec.Unchecked {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d %s not checked", n, plural(n, "outcome was", "outcomes were"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// writeOutcomes writes, for each outcome, its transcript replayed
// (outcome-N.out) with its count, verdict and replay command first, and a
// summary of the exploration.
func (s *specRun) writeOutcomes(ctx context.Context, rep *spec.ExploreReport, shown *spec.PermResult) error {
	for i, o := range rep.Outcomes {
		res, err := s.replayOutcome(ctx, o)
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# outcome %d of %s: %d %s\n", i+1, s.path, o.Count, plural(o.Count, "schedule", "schedules"))
		if o.Verdict != nil {
			fmt.Fprintf(&b, "# %s\n", o.Verdict.Summary())
		}
		fmt.Fprintf(&b, "# replay: %s\n", s.replayCommand(o.Permutation()))
		for _, line := range strings.Split(strings.TrimSpace(res.Errors), "\n") {
			if line != "" {
				fmt.Fprintf(&b, "# %s\n", line)
			}
		}
		fmt.Fprintf(&b, "%s\nfinal state:\n%s", res.Output, o.Obs.Final)
		if err := os.WriteFile(filepath.Join(s.flags.out, fmt.Sprintf("outcome-%d.out", i+1)), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	var summary strings.Builder
	s.printReport(&summary, rep, shown)
	if err := os.WriteFile(filepath.Join(s.flags.out, "summary.txt"), []byte(summary.String()), 0o644); err != nil {
		return err
	}
	return report.WriteExploration(s.flags.out, s.exploration(rep, summary.String()))
}

// exploration is the exploration's summary.json, mergeable with its other
// shards' (jbcheck merge): what decides the schedules run is in Options.
func (s *specRun) exploration(rep *spec.ExploreReport, text string) report.Exploration {
	x := report.Exploration{Schema: report.ExplorationSchema, Kind: "spec-explore", Target: s.path, Version: versionLine(), Shard: s.flags.shard.String(),
		Options: map[string]string{"strategy": rep.Strategy.String(), "isolation": s.iso, "final_query": s.flags.finalQuery,
			"check_serializable": fmt.Sprint(s.oracle != nil), "reductions": fmt.Sprint(!s.flags.noReduce), "max": fmt.Sprint(s.flags.max),
			"keep_going": fmt.Sprint(s.flags.keepGoing)},
		Started: time.Now().Add(-rep.Elapsed).UTC(), Seconds: rep.Elapsed.Seconds(), Schedules: rep.Explored, Statements: rep.Steps,
		Complete: rep.Complete, Passed: rep.Violation == nil}
	x.Verdict, _, _ = strings.Cut(text[strings.LastIndex(text, "verdict: ")+len("verdict: "):], "\n")
	for _, o := range rep.Outcomes {
		xo := report.ExploredOutcome{Key: o.Key, Schedules: o.Count, Replay: s.replayCommand(o.Permutation())}
		if o.Verdict != nil {
			xo.Verdict, xo.Violated = o.Verdict.Summary(), o.Verdict.Violated()
		}
		if xo.Violated {
			x.Violating += o.Count
		}
		x.Outcomes = append(x.Outcomes, xo)
	}
	slices.SortFunc(x.Outcomes, func(a, b report.ExploredOutcome) int { return strings.Compare(a.Key, b.Key) })
	if v := rep.Violation; v != nil {
		x.Violation = &report.ExploredViolation{Schedule: v.Obs.Choices, Violated: []string{"serializability"}}
		if v.Verdict != nil {
			x.Violation.Anomaly = v.Verdict.Anomaly
		}
	}
	return x
}

// exploreJSON is the machine-readable report of --explore --json.
type exploreJSON struct {
	Schema     int           `json:"schema"`
	Spec       string        `json:"spec"`
	Isolation  string        `json:"isolation,omitempty"`
	Strategy   string        `json:"strategy"`
	Schedules  int           `json:"schedules"`
	Complete   bool          `json:"complete"`
	Checked    bool          `json:"checked_serializable"`
	Violations int           `json:"violations"`
	Outcomes   []outcomeJSON `json:"outcomes"`
}

type outcomeJSON struct {
	Schedules   int    `json:"schedules"`
	Permutation string `json:"permutation"`
	Replay      string `json:"replay"`
	Verdict     string `json:"verdict,omitempty"`
	Anomaly     string `json:"anomaly,omitempty"`
	Final       string `json:"final"`
}

func (s *specRun) printJSON(rep *spec.ExploreReport) error {
	out := exploreJSON{Schema: jsonSchema, Spec: s.path, Isolation: s.iso, Strategy: rep.Strategy.String(), Schedules: rep.Explored,
		Complete: rep.Complete, Checked: s.oracle != nil, Violations: len(rep.Violations()), Outcomes: []outcomeJSON{}}
	for _, o := range rep.Outcomes {
		oj := outcomeJSON{Schedules: o.Count, Permutation: o.Permutation(), Replay: s.replayCommand(o.Permutation()), Final: o.Obs.Final}
		if o.Verdict != nil {
			oj.Verdict, oj.Anomaly = o.Verdict.Summary(), o.Verdict.Anomaly
		}
		out.Outcomes = append(out.Outcomes, oj)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
