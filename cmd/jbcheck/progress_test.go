package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Without a terminal the gate prints a line at least every 10 s: the gaps
// are measured between lines as they come out of the pipe of a real run.
func TestGateHeartbeatWithoutTerminal(t *testing.T) {
	cmd := exec.Command(jbcheckBinary(t), "verify", "--quick", "--variants", "locking", "--out", filepath.Join(t.TempDir(), "report"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, worst := time.Now(), time.Duration(0)
	var lines []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		now := time.Now()
		worst = max(worst, now.Sub(last))
		last = now
		lines = append(lines, sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("verify: %v\n%s\n%s", err, strings.Join(lines, "\n"), stderr.String())
	}
	if worst > 10*time.Second {
		t.Errorf("%v without a line (at most 10 s allowed):\n%s", worst, strings.Join(lines, "\n"))
	}
	out := strings.Join(lines, "\n")
	if strings.ContainsAny(out, "\r\033") {
		t.Errorf("a status line was drawn on a pipe:\n%q", out)
	}
}

// On a terminal (a pseudo-terminal from script(1)) a status line shows the
// check running, of how many, and the time elapsed; NO_COLOR turns the
// verdict's color off (the status line is no color and stays).
func TestGateStatusLineOnTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("script(1) is needed for a pseudo-terminal: apt-get install bsdutils")
	}
	line := strings.Join([]string{jbcheckBinary(t), "verify", "--quick", "--variants", "locking", "--out", filepath.Join(t.TempDir(), "report")}, " ")
	cmd := exec.Command(script, "-qfec", line, "/dev/null")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("verify under a pseudo-terminal: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`check \d+ of \d+, elapsed \d+:\d\d`).Match(out) {
		t.Errorf("no status line 'check n of N, elapsed m:ss' on the terminal:\n%q", out)
	}
	if strings.Contains(string(out), "\033[32m") || strings.Contains(string(out), "\033[1;31m") {
		t.Errorf("colored output with NO_COLOR set:\n%q", out)
	}
	for _, want := range []string{"\r\033[K", "PASSED"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in the terminal's output:\n%q", want, out)
		}
	}
}

func TestDevNullIsNoTerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("/dev/null taken for a terminal")
	}
}

func TestShortenNeverCutsAWord(t *testing.T) {
	s := "check 3 of 13 — locking explore preempt=2: flaky test 1: five concurrent joins by one user"
	for n := 10; n < len(s)+2; n++ {
		got := shorten(s, n)
		body := strings.TrimSuffix(got, "…")
		if !strings.HasPrefix(s, body) || (body != s && s[len(body)] != ' ') {
			t.Errorf("shorten(%d) = %q: a word cut", n, got)
		}
		if len(got) > n && strings.Contains(body, " ") {
			t.Errorf("shorten(%d) = %q: longer than %d", n, got, n)
		}
	}
}
