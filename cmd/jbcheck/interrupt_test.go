package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
)

// TestAnInterruptedRunIsNotAPass: SIGINT (Ctrl-C) or SIGTERM (what CI's
// timeout sends) in the middle of a run of a correct variant ends it with
// 128 + the signal's number and "interrupted", never 0, and the history
// recorded up to then is kept, final audits included.
func TestAnInterruptedRunIsNotAPass(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			p := start(t, "run", "--variant", "locking", "--duration", "5m", "--out", dir)
			p.waitForFile(t, filepath.Join(dir, "history.jsonl"), `"type":"ok"`)
			p.cmd.Process.Signal(sig)
			r := p.wait(t)
			if r.code != 128+int(sig) || !strings.Contains(r.stderr, "interrupted") {
				t.Errorf("exit %d, want %d, and 'interrupted'; stdout:\n%s\nstderr:\n%s", r.code, 128+int(sig), r.stdout, r.stderr)
			}
			h, err := histories.ReadFile(filepath.Join(dir, "history.jsonl"))
			if err != nil {
				t.Fatalf("the partial history is not kept: %v", err)
			}
			if len(h.Audits) == 0 {
				t.Errorf("the partial history has no audit")
			}
		})
	}
}

// TestAnInterruptedGateFails: SIGINT during jbcheck verify exits 130 with a
// report that says the gate failed, interrupted, and keeps the checks that
// finished.
func TestAnInterruptedGateFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	p := start(t, "verify", "--quick", "--variants", "locking,serializable", "--out", dir)
	p.waitFor(t, &p.stdout, "\nlocking ")
	p.cmd.Process.Signal(syscall.SIGINT)
	r := p.wait(t)
	if r.code != 130 || !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("exit %d, want 130, and 'interrupted'; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	text, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatalf("the partial report is not kept: %v", err)
	}
	var g report.Gate
	if err := json.Unmarshal(text, &g); err != nil {
		t.Fatal(err)
	}
	if g.Passed || !strings.Contains(g.Verdict, "interrupted") || len(g.Checks) == 0 {
		t.Errorf("summary.json: passed %v, %d checks, verdict %q; want failed, interrupted, with the checks that finished", g.Passed, len(g.Checks), g.Verdict)
	}
}
