package merge

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/harness/report"
)

// mergeExplorations adds up the shards of one exploration: schedules,
// statements and outcomes summed, complete when every shard was, passed
// when every shard was; the first violation is the lowest shard's, its
// files named relative to out.
func mergeExplorations(parts []part, out string) (*Merged, error) {
	first := parts[0].exp
	for _, p := range parts[1:] {
		e := p.exp
		fields := [][3]string{
			{"schema", fmt.Sprint(first.Schema), fmt.Sprint(e.Schema)},
			{"the target", first.Target, e.Target},
			{"the jbcheck version", first.Version, e.Version},
		}
		for _, k := range slices.Sorted(maps.Keys(joinKeys(first.Options, e.Options))) {
			fields = append(fields, [3]string{"option " + k, first.Options[k], e.Options[k]})
		}
		if err := differs(parts[0], p, fields); err != nil {
			return nil, err
		}
	}
	m := &Merged{Shards: len(parts)}
	x := report.Exploration{Schema: first.Schema, Kind: first.Kind, Target: first.Target, Options: first.Options, Version: first.Version,
		Started: first.Started, Complete: true, Passed: true}
	outcomes := map[string]*report.ExploredOutcome{}
	for _, p := range parts {
		e := p.exp
		if e.Started.Before(x.Started) {
			x.Started = e.Started
		}
		x.Seconds = max(x.Seconds, e.Seconds) // the shards ran side by side
		x.Schedules += e.Schedules
		x.Statements += e.Statements
		x.Complete = x.Complete && e.Complete
		x.Passed = x.Passed && e.Passed
		x.Violating += e.Violating
		for _, o := range e.Outcomes {
			if have := outcomes[o.Key]; have != nil {
				have.Schedules += o.Schedules
				have.Violated = have.Violated || o.Violated
				continue
			}
			outcomes[o.Key] = &o
		}
		if v := e.Violation; v != nil && x.Violation == nil {
			moved := *v
			moved.Shard = p.shard.String()
			moved.Files = nil
			for _, f := range v.Files {
				moved.Files = append(moved.Files, relative(out, filepath.Join(p.dir, f)))
			}
			x.Violation = &moved
		}
	}
	for _, k := range slices.Sorted(maps.Keys(outcomes)) {
		x.Outcomes = append(x.Outcomes, *outcomes[k])
	}
	x.Verdict = explorationVerdict(x, len(parts))
	m.Exploration = &x
	return m, nil
}

func joinKeys(a, b map[string]string) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// relative names path from dir, if it can.
func relative(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil {
		return r
	}
	return path
}

// explorationVerdict is the merged exploration's one line.
func explorationVerdict(x report.Exploration, shards int) string {
	if v := x.Violation; v != nil {
		return fmt.Sprintf("FAILED: %s violated in schedule %v (shard %s); %d violating schedules among %d run by %d shards",
			strings.Join(v.Violated, ", "), v.Schedule, v.Shard, x.Violating, x.Schedules, shards)
	}
	if !x.Passed {
		return fmt.Sprintf("FAILED: a shard found a violation (%d schedules run by %d shards)", x.Schedules, shards)
	}
	space := "every schedule the strategy allows was run"
	if !x.Complete {
		space = "the strategy's space was not exhausted"
	}
	return fmt.Sprintf("PASSED: no violation in all %d schedules run by %d shards (distinct outcomes: %d); %s", x.Schedules, shards, len(x.Outcomes), space)
}
