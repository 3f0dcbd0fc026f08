package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
)

// TestOutputDirectoriesKeepWhatJbcheckDidNotWrite: verify, run and explore
// refuse an --out directory that holds someone else's files, exit 2, and
// leave it as it was (verify deleted it, and everything in it).
func TestOutputDirectoriesKeepWhatJbcheckDidNotWrite(t *testing.T) {
	for _, args := range [][]string{
		{"verify", "--quick", "--variants", "locking"},
		{"run", "--variant", "locking", "--ops", "200"},
		{"explore", "--variant", "locking", "--scenario", "c0: join(u0,g0)"},
	} {
		dir := t.TempDir()
		keep := filepath.Join(dir, "main.go")
		if err := os.WriteFile(keep, []byte("package main\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := dispatch(context.Background(), append(args, "--out", dir))
		if !errors.Is(err, report.ErrForeignDir) || exitStatus(err) != 2 {
			t.Errorf("%s --out DIR with someone's file in DIR: got %v (exit %d), want a refusal, exit 2", args[0], err, exitStatus(err))
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "main.go" {
			t.Errorf("%s touched the directory it refused: %v", args[0], entries)
		}
	}
}

// TestARunIntoAReusedDirectoryLeavesNoStaleEvidence: a passing run into
// the directory of a failing one leaves no picture of the old violation
// beside the new history; a file someone added in between stays.
func TestARunIntoAReusedDirectoryLeavesNoStaleEvidence(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	for seed := 1; ; seed++ {
		err := dispatch(context.Background(), []string{"run", "--variant", "wallet-read-modify-write", "--clients", "6", "--ops", "600", "--seed", fmt.Sprint(seed), "--out", dir})
		if errors.Is(err, errViolation) {
			break
		}
		if err != nil || seed == 5 {
			t.Fatalf("run %d: got %v, want a violation", seed, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "history.html")); err != nil {
		t.Fatalf("the failing run wrote no picture: %v", err)
	}
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("seen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := dispatch(context.Background(), []string{"run", "--variant", "locking", "--ops", "300", "--out", dir}); err != nil {
		t.Fatalf("run of locking: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "history.html")); err == nil {
		t.Errorf("the old violation's picture is still beside the new, passing history")
	}
	if _, err := os.Stat(notes); err != nil {
		t.Errorf("a file jbcheck did not write was removed: %v", err)
	}
}

// TestReplayWritesUnderOutOrAFreshTemporaryDirectory: replay writes
// nothing next to its input; without --out each replay gets a directory
// of its own, whose path it prints.
func TestReplayWritesUnderOutOrAFreshTemporaryDirectory(t *testing.T) {
	text, err := os.ReadFile("../../histories/corpus/join-check-then-insert.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	input := t.TempDir()
	history := filepath.Join(input, "dup.jsonl")
	if err := os.WriteFile(history, text, 0o644); err != nil {
		t.Fatal(err)
	}
	printed := regexp.MustCompile(`(?m)^output: +(\S+)$`)
	var dirs []string
	for range 2 {
		r := jbcheck(t, "replay", history)
		m := printed.FindStringSubmatch(r.stdout)
		if r.code != 1 || m == nil {
			t.Fatalf("replay: exit %d, want 1 (the violation again) and the output directory printed:\n%s%s", r.code, r.stdout, r.stderr)
		}
		t.Cleanup(func() { os.RemoveAll(m[1]) })
		if _, err := os.Stat(filepath.Join(m[1], "history.jsonl")); err != nil {
			t.Errorf("the printed directory has no history: %v", err)
		}
		dirs = append(dirs, m[1])
	}
	if dirs[0] == dirs[1] || strings.HasPrefix(dirs[0], input) {
		t.Errorf("two replays wrote to %v: want two new directories, away from the input", dirs)
	}
	if entries, _ := os.ReadDir(input); len(entries) != 1 {
		t.Errorf("replay wrote next to its input: %v", entries)
	}
	out := filepath.Join(t.TempDir(), "given")
	if r := jbcheck(t, "replay", "--out", out, history); r.code != 1 {
		t.Errorf("replay --out: exit %d, want 1:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "history.jsonl")); err != nil {
		t.Errorf("replay --out DIR wrote no DIR/history.jsonl: %v", err)
	}
}
