package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// The CLI tests call dispatch in-process: the same code path as the binary,
// exit status aside (exitStatus is tested on its own).

func TestRunThenCheckGiveTheSameVerdict(t *testing.T) {
	tests := []struct {
		variant string
		want    error
	}{
		{"locking", nil},
		{"wallet-read-modify-write", errViolation},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			dir := t.TempDir()
			err := dispatch(context.Background(), []string{"run", "--variant", tt.variant, "--ops", "1500", "--seed", "5", "--out", dir})
			if !errors.Is(err, tt.want) && err != tt.want {
				t.Fatalf("run: got %v, want %v", err, tt.want)
			}
			_, statErr := os.Stat(filepath.Join(dir, "history.html"))
			if hasPicture := statErr == nil; hasPicture != (tt.want != nil) {
				t.Errorf("history.html written: %v, want %v", hasPicture, tt.want != nil)
			}
			err = dispatch(context.Background(), []string{"check", filepath.Join(dir, "history.jsonl")})
			if !errors.Is(err, tt.want) && err != tt.want {
				t.Errorf("check: got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckOfAMalformedFileNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.jsonl")
	good, err := os.ReadFile("../../histories/testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	lines[2] = "{\"type\": \"ok\", \"client\": 1,\n"
	os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
	err = dispatch(context.Background(), []string{"check", path})
	if err == nil || !strings.Contains(err.Error(), path+":3:") || exitStatus(err) != 2 {
		t.Errorf("got %v (exit %d), want an error naming %s:3 and exit 2", err, exitStatus(err), path)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run"},
		{"run", "--variant", "no-such-variant"},
		{"run", "--variant", "locking", "--mix", "steal=1"},
		{"run", "--variant", "locking", "--clients"},
		{"check"},
		{"check", "a", "b"},
		{"variants", "extra"},
	} {
		if got := exitStatus(dispatch(context.Background(), args)); got != 2 {
			t.Errorf("jbcheck %s: exit %d, want 2", strings.Join(args, " "), got)
		}
	}
	if got := exitStatus(dispatch(context.Background(), []string{"run", "-h"})); got != 0 {
		t.Errorf("jbcheck run -h: exit %d, want 0", got)
	}
}

func TestExploreThenReplay(t *testing.T) {
	dir := t.TempDir()
	scenario := "c0: join(u0,g0); c1: join(u0,g0)"
	err := dispatch(context.Background(), []string{"explore", "--variant", "join-check-then-insert", "--scenario", scenario, "--out", dir})
	if !errors.Is(err, errViolation) {
		t.Fatalf("explore of the duplicate join: got %v, want a violation", err)
	}
	for _, f := range []string{"history.jsonl", "transcript.txt", "history.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("explore did not write %s: %v", f, err)
		}
	}
	history := filepath.Join(dir, "history.jsonl")
	if err := dispatch(context.Background(), []string{"replay", history}); !errors.Is(err, errViolation) {
		t.Errorf("replay on the bug: got %v, want the violation again", err)
	}
	if err := dispatch(context.Background(), []string{"replay", "--variant", "locking", history}); err != nil {
		t.Errorf("replay against locking: got %v, want every guarantee held", err)
	}
	if err := dispatch(context.Background(), []string{"explore", "--variant", "locking", "--scenario", scenario}); err != nil {
		t.Errorf("explore of locking: got %v, want every schedule to hold", err)
	}
	if got := exitStatus(dispatch(context.Background(), []string{"explore", "--variant", "locking", "--scenario", "c0: jion(u0,g0)"})); got != 2 {
		t.Errorf("a scenario typo: exit %d, want 2", got)
	}
	if got := exitStatus(dispatch(context.Background(), []string{"replay", "../../histories/testdata/join-2c-good.jsonl"})); got != 2 {
		t.Errorf("replay of a stress history: exit %d, want 2", got)
	}
}

// TestShrinkAStressRunThenReport: a stress run of wallet-read-modify-write
// (hundreds of operations) loses an update; jbcheck shrink cuts it to at most
// 2 clients and 4 calls, replay reproduces the shrunk history exactly, and
// report writes a Markdown report of it.
func TestShrinkAStressRunThenReport(t *testing.T) {
	// Real concurrency may miss the race: up to 5 runs until one loses.
	var dir string
	for seed := 1; ; seed++ {
		dir = t.TempDir()
		err := dispatch(context.Background(), []string{"run", "--variant", "wallet-read-modify-write", "--clients", "6", "--ops", "600", "--seed", fmt.Sprint(seed), "--out", dir})
		if errors.Is(err, errViolation) {
			break
		}
		if err != nil || seed == 5 {
			t.Fatalf("run %d: got %v, want a violation", seed, err)
		}
	}
	// Without --out, beside its input.
	shrunk := filepath.Join(dir, "history.shrunk.jsonl")
	if err := dispatch(context.Background(), []string{"shrink", filepath.Join(dir, "history.jsonl")}); err != nil {
		t.Fatalf("shrink: %v", err)
	}
	h, err := histories.ReadFile(shrunk)
	if err != nil {
		t.Fatal(err)
	}
	sc, _, err := histories.ScenarioOf(h, shrunk)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, c := range sc.Clients {
		calls += len(c)
	}
	if len(sc.Clients) > 2 || calls > 4 {
		t.Errorf("shrunk to %s: want at most 2 clients and 4 calls", sc)
	}
	if err := dispatch(context.Background(), []string{"replay", shrunk}); !errors.Is(err, errViolation) {
		t.Errorf("replay of the shrunk history: got %v, want the violation again", err)
	}
	md := filepath.Join(dir, "report", "bug-report.md")
	if err := dispatch(context.Background(), []string{"report", "--out", filepath.Dir(md), shrunk}); err != nil {
		t.Fatalf("report: %v", err)
	}
	text, _ := os.ReadFile(md)
	for _, want := range []string{"violated", "| call | client |", "## Transcript", "history.shrunk.html", "jbcheck replay " + shrunk, sc.String()} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	if got := exitStatus(dispatch(context.Background(), []string{"shrink", "../../histories/testdata/join-2c-good.jsonl"})); got != 2 {
		t.Errorf("shrink of a history that violates nothing: exit %d, want 2", got)
	}
}
