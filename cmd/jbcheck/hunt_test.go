package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestHuntRefusesBadFlagsBeforeAnythingStarts: no variant, an unknown one,
// a budget under a second, a bad shard — each is a usage error (exit 2).
func TestHuntRefusesBadFlagsBeforeAnythingStarts(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--variant", "no-such-variant"},
		{"--variant", "locking", "--budget", "10ms"},
		{"--variant", "locking", "--shard", "3/2"},
		{"--variant", "locking", "--seed", "0"},
	} {
		err := dispatch(context.Background(), append([]string{"hunt", "--out", t.TempDir()}, args...))
		if !errors.Is(err, errUsage) || exitStatus(err) != 2 {
			t.Errorf("hunt %v: got %v (exit %d), want a usage error", args, err, exitStatus(err))
		}
	}
}

// TestHuntFindsAndWritesACounterexample: jbcheck hunt on a bug variant
// exits 1 and leaves a history, a transcript, a picture and a bug report.
func TestHuntFindsAndWritesACounterexample(t *testing.T) {
	dir := t.TempDir()
	err := dispatch(context.Background(), []string{"hunt", "--variant", "join-check-then-insert", "--budget", "30s", "--parallel", "1", "--out", dir})
	if !errors.Is(err, errViolation) || exitStatus(err) != 1 {
		t.Fatalf("got %v (exit %d), want a violation", err, exitStatus(err))
	}
	for _, f := range []string{"history.jsonl", "transcript.txt", "history.html", "bug-report.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}
