package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
)

// TestReportReplayCommandWorks: the reproduction a bug report gives runs as
// written from the root of a clone — its history is tracked by git, and
// the command (run in-process, as `go run ./cmd/jbcheck` would) reproduces
// the violation; for a counterexample outside the repository, the explore
// command it gives finds the violation again from the scenario alone.
func TestReportReplayCommandWorks(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, bug := range []string{"wallet-read-modify-write", "join-count-then-insert"} {
		t.Run(bug, func(t *testing.T) {
			path := filepath.Join(root, "histories", "corpus", bug+".jsonl")
			cx, err := counterexample(context.Background(), path, mustRead(t, path))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := report.BugReport(&b, cx); err != nil {
				t.Fatal(err)
			}
			args := reproduction(t, b.String())
			if args[0] != "replay" {
				t.Fatalf("the reproduction is %q, want a replay of the corpus file", args)
			}
			if out, err := exec.Command("git", "-C", root, "ls-files", "--error-unmatch", args[len(args)-1]).CombinedOutput(); err != nil {
				t.Errorf("%s is not tracked by git, so a fresh clone lacks it: %s", args[len(args)-1], out)
			}
			args[len(args)-1] = filepath.Join(root, args[len(args)-1])
			if err := dispatch(context.Background(), append([]string{args[0], "--out", t.TempDir()}, args[1:]...)); !errors.Is(err, errViolation) {
				t.Errorf("%q: got %v, want the violation again", args, err)
			}

			// The same counterexample outside the repository: explore again.
			elsewhere := filepath.Join(t.TempDir(), "history.jsonl")
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(elsewhere, text, 0o644); err != nil {
				t.Fatal(err)
			}
			cx.Files.History = elsewhere
			b.Reset()
			if err := report.BugReport(&b, cx); err != nil {
				t.Fatal(err)
			}
			args = reproduction(t, b.String())
			if args[0] != "explore" {
				t.Fatalf("the reproduction is %q, want an exploration of the scenario", args)
			}
			if err := dispatch(context.Background(), append(args, "--out", t.TempDir())); !errors.Is(err, errViolation) {
				t.Errorf("%q: got %v, want a violation", args, err)
			}
		})
	}
}

// reproduction is the report's reproduction, `go run ./cmd/jbcheck ARGS`, as
// ARGS (single-quoted words unquoted).
func reproduction(t *testing.T, text string) []string {
	t.Helper()
	m := regexp.MustCompile("(?m)^go run ./cmd/jbcheck (.*)$").FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no `go run ./cmd/jbcheck` command in the report:\n%s", text)
	}
	var args []string
	for _, w := range regexp.MustCompile(`'[^']*'|\S+`).FindAllString(m[1], -1) {
		args = append(args, strings.Trim(w, "'"))
	}
	return args
}
