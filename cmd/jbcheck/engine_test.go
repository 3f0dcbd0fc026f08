package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "jbcheck.dev/jbcheck/harness/protocol/testvariants"
)

// TestExploreAtTheEnginesEdges runs jbcheck explore, replay and shrink on
// the test variants that stand at the engine's edges.
func TestExploreAtTheEnginesEdges(t *testing.T) {
	explore := func(t *testing.T, out string, args ...string) error {
		t.Helper()
		err := dispatch(context.Background(), append([]string{"explore", "--out", out}, args...))
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("explore %v: %v", args, err)
		}
		return err
	}
	t.Run("a read served from a cache explores, replays and shrinks", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "explore")
		if err := explore(t, out, "--variant", "test-cached-balance", "--scenario", "c0: balance(u0) deposit(u0,5) balance(u0)"); !errors.Is(err, errViolation) {
			t.Fatalf("explore: %v, want the stale read", err)
		}
		history := filepath.Join(out, "history.jsonl")
		if err := dispatch(context.Background(), []string{"replay", "--out", filepath.Join(t.TempDir(), "replay"), history}); !errors.Is(err, errViolation) {
			t.Errorf("replay: %v, want the stale read again", err)
		}
		shrunk := filepath.Join(t.TempDir(), "shrunk", "history.jsonl")
		if err := dispatch(context.Background(), []string{"shrink", "--out", filepath.Dir(shrunk), history}); err != nil {
			t.Errorf("shrink: %v, want a minimal stale read", err)
		}
		if _, err := os.Stat(shrunk); err != nil {
			t.Errorf("shrink wrote no history: %v", err)
		}
	})
	t.Run("money in flight between two autocommit statements is caught by a mid-flight audit", func(t *testing.T) {
		args := []string{"--variant", "test-split-transfer", "--scenario", "c0: transfer(u0,u1,10); c1: balance(u1)"}
		if err := explore(t, filepath.Join(t.TempDir(), "a"), append(args, "--audits", "1")...); !errors.Is(err, errViolation) {
			t.Errorf("explore --audits 1: %v, want I4 violated mid-flight", err)
		}
		if err := explore(t, filepath.Join(t.TempDir(), "b"), args...); err != nil {
			t.Errorf("explore without audits: %v, want every schedule to hold (only a mid-flight audit can see it)", err)
		}
	})
	t.Run("a stale read across clients with one call each", func(t *testing.T) {
		err := explore(t, filepath.Join(t.TempDir(), "x"), "--variant", "test-read-own-writes", "--scenario", "c0: deposit(u0,5); c1: balance(u0)")
		if !errors.Is(err, errViolation) {
			t.Errorf("explore: %v, want the stale read", err)
		}
	})
}
