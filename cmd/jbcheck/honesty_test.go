package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckOfAHistoryWithNoWorldsFails: a history that declares no world
// is nothing checked, which is not a pass: exit 1, like an undecided check.
func TestCheckOfAHistoryWithNoWorldsFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.jsonl")
	header := `{"format":"jbcheck-history","version":1,"variant":"locking","mode":"stress","worlds":{},"started":"2026-11-28T00:00:00Z"}` + "\n"
	if err := os.WriteFile(path, []byte(header), 0o644); err != nil {
		t.Fatal(err)
	}
	err := dispatch(context.Background(), []string{"check", path})
	if !errors.Is(err, errViolation) || exitStatus(err) != 1 {
		t.Errorf("check of a history with no worlds: got %v (exit %d), want an undecided check, exit 1", err, exitStatus(err))
	}
}

// TestShrinkExitsOneOnlyForAViolation: exit 1 means a guarantee was
// violated. A history shrink cannot use — here its recorded scenario does
// not parse — is an input error, exit 2, not "check failed".
func TestShrinkExitsOneOnlyForAViolation(t *testing.T) {
	text, err := os.ReadFile("../../histories/corpus/join-check-then-insert.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(text), `"clients":"c0: join(u0,g0)`, `"clients":"c0: jion(u0,g0)`, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "broken.jsonl")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	err = dispatch(context.Background(), []string{"shrink", "--out", filepath.Join(dir, "shrunk"), path})
	if errors.Is(err, errViolation) || exitStatus(err) != 2 {
		t.Errorf("shrink of a history whose scenario does not parse: got %v (exit %d), want an input error, exit 2", err, exitStatus(err))
	}
}
