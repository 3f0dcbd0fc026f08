package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
