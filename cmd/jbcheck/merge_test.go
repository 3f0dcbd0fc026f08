package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/report"
)

// TestMergeExitCodes: jbcheck merge exits 0 for the shards of one passing
// exploration, 1 when a shard found a violation, 2 when a shard is missing,
// when --out is a shard's directory and when no directory is given.
func TestMergeExitCodes(t *testing.T) {
	dir := t.TempDir()
	shardDir := func(name, shardText string, passed bool) string {
		x := report.Exploration{Schema: report.ExplorationSchema, Kind: "explore", Target: "locking: c0: join(u0,g0)",
			Options: map[string]string{"strategy": "exhaustive"}, Version: "v", Shard: shardText, Started: time.Now(),
			Schedules: 3, Complete: true, Passed: passed, Outcomes: []report.ExploredOutcome{{Key: "k", Schedules: 3}}}
		if !passed {
			x.Violating = 1
			x.Violation = &report.ExploredViolation{Schedule: []int{0, 1}, Violated: []string{"I1"}}
		}
		d := filepath.Join(dir, name)
		if err := report.WriteExploration(d, x); err != nil {
			t.Fatal(err)
		}
		return d
	}
	one, two, bad := shardDir("one", "1/2", true), shardDir("two", "2/2", true), shardDir("bad", "2/2", false)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--out", filepath.Join(dir, "m1"), one, two}, 0},
		{[]string{"--out", filepath.Join(dir, "m2"), one, bad}, 1},
		{[]string{"--out", filepath.Join(dir, "m3"), one}, 2},
		{[]string{"--out", one, one, two}, 2},
		{nil, 2},
	} {
		if got := exitStatus(dispatch(context.Background(), append([]string{"merge"}, tc.args...))); got != tc.code {
			t.Errorf("merge %v: exit %d, want %d", tc.args, got, tc.code)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "m1", "summary.json"))
	if err != nil || !strings.Contains(string(data), `"schedules": 6`) {
		t.Errorf("merged summary.json: %v\n%s", err, data)
	}
}

// TestAShardFromTheEnvironment: JBCHECK_SHARD and an indexed Job's
// JOB_COMPLETION_INDEX name the shard when --shard does not, and a
// sharded pct exploration without --seed is refused (each shard would
// draw other schedules) before any server starts.
func TestAShardFromTheEnvironment(t *testing.T) {
	pct := []string{"explore", "--variant", "locking", "--scenario", "c0: join(u0,g0)", "--strategy", "pct"}
	for env, want := range map[[2]string]string{
		{"JBCHECK_SHARD", "2/3"}:        "shard 2/3: give --seed",
		{"JOB_COMPLETION_INDEX", "0"}:   "shard 1/4: give --seed",
		{"JBCHECK_SHARD", "4/3"}:        "expected i/n",
		{"JOB_COMPLETION_INDEX", "bad"}: "JOB_COMPLETION_INDEX",
	} {
		t.Run(env[0]+"="+env[1], func(t *testing.T) {
			t.Setenv(env[0], env[1])
			t.Setenv("JBCHECK_SHARDS", "4")
			err := dispatch(context.Background(), pct)
			if exitStatus(err) != 2 || !strings.Contains(err.Error(), want) {
				t.Errorf("%s=%s: %v, want a usage error naming %q", env[0], env[1], err, want)
			}
		})
	}
}
