package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"jbcheck.dev/jbcheck/histories/historytest"
)

// TestCommandsRefuseWhatIsNotARegularFile: check, replay, shrink and report
// given a FIFO with no writer, or a directory, exit 2 at once with a clear
// message. (Before, opening the FIFO waited for a writer, deaf to SIGINT
// and SIGTERM: the test plays a writer that sends a good history as soon
// as a reader waits, so the old commands went on with it.)
func TestCommandsRefuseWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("../../histories/testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	fifo := historytest.FIFO(t, dir, "history.jsonl", good)
	for _, path := range []string{fifo, dir} {
		for _, cmd := range []string{"check", "replay", "shrink", "report"} {
			r := jbcheck(t, cmd, path)
			if r.code != 2 || !strings.Contains(r.stderr, "not a regular file") {
				t.Errorf("jbcheck %s %s: exit %d, want 2 and 'not a regular file'; stderr:\n%s", cmd, filepath.Base(path), r.code, r.stderr)
			}
		}
	}
}

// TestCheckReadsStandardInput: `jbcheck check -` reads the history from
// standard input.
func TestCheckReadsStandardInput(t *testing.T) {
	for file, want := range map[string]int{"join-2c-good.jsonl": 0, "join-2c-bad-L-I1.jsonl": 1} {
		in, err := os.Open(filepath.Join("../../histories/testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(jbcheckBinary(t), "check", "-")
		cmd.Stdin = in
		out, err := cmd.CombinedOutput()
		in.Close()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Errorf("jbcheck check - < %s: exit %d, want %d:\n%s", file, code, want, out)
		}
	}
}

// TestCtrlCStopsACheck: a check given an hour per world, of a world
// porcupine cannot settle (historytest.Hard), ends on SIGINT with exit 130
// and "interrupted", not after the hour.
func TestCtrlCStopsACheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hard.jsonl")
	if err := os.WriteFile(path, []byte(historytest.Hard()), 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, "check", "--check-timeout", "1h", path)
	p.waitFor(t, &p.stderr, "jbcheck: checking")
	p.cmd.Process.Signal(syscall.SIGINT)
	if r := p.wait(t); r.code != 130 || !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("exit %d, want 130 and 'interrupted'; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
