package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestOutputDirRemovesOnlyWhatJbcheckWrote: a second run into a directory
// removes the first run's files and nothing else; a directory jbcheck did
// not write into is refused untouched; a run killed before Close is cleared
// all the same.
func TestOutputDirRemovesOnlyWhatJbcheckWrote(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	d, err := OpenOutputDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "history.html"))
	write(t, filepath.Join(dir, "counterexamples", "a", "history.jsonl"))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "notes.txt")) // the user's, after the run
	write(t, filepath.Join(dir, "counterexamples", "mine.txt"))
	if _, err := OpenOutputDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"history.html", "counterexamples/a"} {
		if exists(filepath.Join(dir, gone)) {
			t.Errorf("%s of the previous run is still there", gone)
		}
	}
	for _, kept := range []string{"notes.txt", "counterexamples/mine.txt"} {
		if !exists(filepath.Join(dir, kept)) {
			t.Errorf("%s, not jbcheck's, was removed", kept)
		}
	}
	// Killed before Close: its files go next time all the same.
	write(t, filepath.Join(dir, "history.jsonl"))
	if _, err := OpenOutputDir(dir); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(dir, "history.jsonl")) || !exists(filepath.Join(dir, "notes.txt")) {
		t.Errorf("after a killed run: history.jsonl there %v (want gone), notes.txt there %v (want kept)",
			exists(filepath.Join(dir, "history.jsonl")), exists(filepath.Join(dir, "notes.txt")))
	}

	foreign := t.TempDir()
	write(t, filepath.Join(foreign, "main.go"))
	if _, err := OpenOutputDir(foreign); !errors.Is(err, ErrForeignDir) || !exists(filepath.Join(foreign, "main.go")) || exists(filepath.Join(foreign, Marker)) {
		t.Errorf("a directory with someone's file: got %v; want ErrForeignDir and nothing touched", err)
	}

	unused := filepath.Join(t.TempDir(), "unused")
	d, err = OpenOutputDir(unused)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil || exists(unused) {
		t.Errorf("a directory made for output that got none: still there %v (%v)", exists(unused), err)
	}
}
