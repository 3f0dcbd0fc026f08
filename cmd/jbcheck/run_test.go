package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// TestRunFaultFlagsAreCheckedBeforeAnythingStarts: --faults a run cannot
// honour — an unknown or repeated fault, a fault interval that is not
// positive or comes without faults, a server fault on a --dsn server — exit
// 2 with one message before a cluster starts or a server is reached.
func TestRunFaultFlagsAreCheckedBeforeAnythingStarts(t *testing.T) {
	nowhere := "host=" + filepath.Join(t.TempDir(), "nowhere") + " port=1 user=nobody dbname=nothing"
	for _, c := range []struct {
		flags []string
		names string // what the message must name
	}{
		{[]string{"--faults", "explode"}, "crash, kill, cancel, lose-reply, pause"},
		{[]string{"--faults", "kill,kill"}, "twice"},
		{[]string{"--faults", ""}, "--faults"},
		{[]string{"--faults", "kill", "--fault-interval", "0s"}, "--fault-interval"},
		{[]string{"--fault-interval", "1s"}, "--fault-interval without --faults"},
		{[]string{"--faults", "kill,crash", "--dsn", nowhere}, "embedded cluster"},
		{[]string{"--faults", "pause", "--dsn", nowhere}, "embedded cluster"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		r := jbcheck(t, append([]string{"run", "--variant", "locking", "--out", out}, c.flags...)...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], c.names) || r.stdout != "" {
			t.Errorf("run %q: exit %d, want 2 with one message naming %q; stdout:\n%s\nstderr:\n%s", c.flags, r.code, c.names, r.stdout, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("run %q: the output directory was made", c.flags)
		}
	}
}

// TestRunUnderEveryFault: a run of locking under every fault holds every
// guarantee, D and A included; the verdict says how many faults of each
// kind and how many calls they cut off, the history holds the faults, and
// no process of the embedded cluster is left once jbcheck exits.
func TestRunUnderEveryFault(t *testing.T) {
	// The cluster lives under TMPDIR: what is left there afterwards is the
	// run's. The directory must be one the postgres user can enter.
	tmp, err := os.MkdirTemp("", "jbcheck-runtest-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "out")
	p := &process{cmd: exec.Command(jbcheckBinary(t), "run", "--variant", "locking", "--clients", "4", "--worlds", "2",
		"--duration", "4s", "--seed", "3", "--faults", "kill,crash,lose-reply,cancel,pause", "--fault-interval", "150ms", "--out", dir)}
	p.cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := p.wait(t)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	line := regexp.MustCompile(`faults: \d+ kill, \d+ crash, \d+ lose-reply, \d+ cancel, \d+ pause; calls cut off: \d+ info, \d+ sent again after a lost connection`)
	judged := regexp.MustCompile(`(?m)^D +durability +held$[\s\S]*^A +atomicity +held$`)
	if !line.MatchString(r.stdout) || !judged.MatchString(r.stdout) {
		t.Errorf("the verdict does not say what the faults did, or does not hold D and A:\n%s", r.stdout)
	}
	h, err := histories.ReadFile(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Faults) == 0 {
		t.Error("the history holds no fault")
	}
	if left := processesUnder(tmp); len(left) > 0 {
		t.Errorf("processes %v are left in the run's temporary directory", left)
	}
}

// processesUnder lists the processes whose working directory is under dir.
func processesUnder(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var left []string
	for _, e := range entries {
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && strings.HasPrefix(cwd, dir+"/") {
			left = append(left, e.Name())
		}
	}
	return left
}

// TestRunFiresBursts: with --burst-every a run fires bursts — every client
// the same kind of call on one hot row at once — says how many, and the
// correct variant holds every guarantee under them.
func TestRunFiresBursts(t *testing.T) {
	r := jbcheck(t, "run", "--variant", "locking", "--ops", "1500", "--seed", "5", "--burst-every", "5ms", "--out", filepath.Join(t.TempDir(), "out"))
	m := regexp.MustCompile(`(?m)^bursts: (\d+) \(every 5ms\)$`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || m[1] == "0" {
		t.Fatalf("run --burst-every 5ms: exit %d, want 0 and a count of bursts fired:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
