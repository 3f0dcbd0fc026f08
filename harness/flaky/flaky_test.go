package flaky

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fixtureEnv makes the test binary a fixture command (see fixture).
const fixtureEnv = "JBCHECK_FLAKY_FIXTURE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fixtureEnv); mode != "" {
		os.Exit(fixture(mode))
	}
	os.Exit(m.Run())
}

// fixture is a command with a known way of failing:
//
//	two          fails in one of two ways, with run-specific numbers, times and paths
func fixture(mode string) int {
	index, _ := strconv.Atoi(os.Getenv(RunIndexEnv))
	switch {
	case mode == "two":
		switch index % 3 {
		case 0:
			fmt.Println("ok")
			return 0
		case 1:
			fmt.Printf("2026-11-28T10:%02d:00Z starting\n--- FAIL: TestJoin (%d.%02ds)\n    join_test.go:%d: got %d joined, want 1 (conn 0x%x, /tmp/jb-%d/sock)\nFAIL\nexit status 1\n",
				index%60, index%3, index%100, 17, index%5+2, 0xc000+index, index)
		case 2:
			fmt.Printf("balance check\nError: timeout waiting for balance %d after %dms\n", index*7, index*13)
		}
		return 1
	}
	return 2
}

func measure(t *testing.T, mode string, cfg Config) Report {
	t.Helper()
	t.Setenv(fixtureEnv, mode)
	cfg.Command = []string{os.Args[0]}
	rep, err := Measure(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// rateFixture fails with probability p: awk draws from MINSTD, seeded from
// seed and the run index, so the same seed gives the same failures (the test
// cannot flake) and runs are independent draws. awk starts in a millisecond;
// the race-built test binary would take a tenth of a second per run.
func rateFixture(p float64, seed int) []string {
	return []string{"awk", "-v", fmt.Sprint("p=", p), "-v", fmt.Sprint("seed=", seed), `BEGIN {
		x = (ENVIRON["JBCHECK_RUN_INDEX"] * 7919 + seed) % 2147483647 + 1
		for (k = 0; k < 8; k++) x = (x * 48271) % 2147483647
		if (x / 2147483647 < p) { print "--- FAIL: TestFlaky (0.01s)"; print "    flaky_test.go:42: unlucky draw " x; exit 1 }
	}`}
}

func TestTheIntervalContainsTheTrueRate(t *testing.T) {
	for _, p := range []float64{0.05, 0.3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			rep, err := Measure(context.Background(), Config{Command: rateFixture(p, 7), Runs: 400, Parallel: 8, Target: 0.01})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Runs != 400 || !(rep.Low <= p && p <= rep.High) {
				t.Errorf("%d/%d failed: interval [%.3f, %.3f] misses the true rate %v", rep.Failures, rep.Runs, rep.Low, rep.High, p)
			}
			if rep.Failures == 0 || len(rep.Clusters) != 1 || rep.Clusters[0].Count != rep.Failures {
				t.Errorf("one way of failing, clusters %+v", rep.Clusters)
			}
		})
	}
}

func TestTwoFailureMessagesMakeTwoClusters(t *testing.T) {
	out := t.TempDir()
	rep := measure(t, "two", Config{Runs: 30, Parallel: 4, OutDir: out})
	if len(rep.Clusters) != 2 {
		t.Fatalf("got %d clusters, want 2: %+v", len(rep.Clusters), rep.Clusters)
	}
	for _, c := range rep.Clusters {
		if c.Count != 10 {
			t.Errorf("cluster %q has %d failures, want 10", c.Signature, c.Count)
		}
		if b, err := os.ReadFile(c.Output); err != nil || len(b) == 0 {
			t.Errorf("example output of cluster %q not saved: %v", c.Signature, err)
		}
	}
	if got := rep.Clusters[0].Signature + " | " + rep.Clusters[1].Signature; !strings.Contains(got, "TestJoin: join_test.go:N: got N joined, want N") {
		t.Errorf("signatures %q lack the go test name and assertion", got)
	}
	if logs, _ := filepath.Glob(filepath.Join(out, "run-*.log")); len(logs) != 20 {
		t.Errorf("%d failing outputs saved, want 20", len(logs))
	}
	if rep.Failing.Runs != 20 || rep.Passing.Runs != 10 || rep.Failing.P50 > rep.Failing.Max {
		t.Errorf("timings %+v %+v", rep.Passing, rep.Failing)
	}
}

// TestAHangingRunIsKilledWithItsChildren: a run that outlives the timeout
// is killed with the child it started. The command is a shell, which starts
// its child and writes the pid in milliseconds even on a loaded machine.
func TestAHangingRunIsKilledWithItsChildren(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("PIDFILE", pidFile)
	rep, err := Measure(context.Background(), Config{Runs: 1, Parallel: 1, Timeout: time.Second,
		Command: []string{"sh", "-c", `sleep 300 & echo $! > "$PIDFILE"; exec sleep 3600`}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failures != 1 || rep.Details[0].Kind != "timeout" || rep.Clusters[0].Signature != "timeout after 1s" {
		t.Fatalf("got %+v, want one timeout", rep.Details)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if state, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); strings.Contains(string(state), ") Z ") {
			break // a zombie waiting for its parent's reaper: dead already
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hanging run's child %d is still alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUntilFailStopsStartingRuns(t *testing.T) {
	rep := measure(t, "two", Config{Runs: 100, Parallel: 1, UntilFail: true})
	if rep.Runs != 1 || rep.Failures != 1 {
		t.Errorf("ran %d, %d failed; want to stop after run 1, the first failure", rep.Runs, rep.Failures)
	}
}

func TestWilson(t *testing.T) {
	tests := []struct {
		failures, runs int
		low, high      float64
	}{
		{0, 10, 0, 0.2775},
		{5, 10, 0.2366, 0.7634},
		{10, 100, 0.0552, 0.1744},
		{100, 100, 0.9630, 1},
	}
	for _, tt := range tests {
		low, high := Wilson(tt.failures, tt.runs)
		if math.Abs(low-tt.low) > 1e-4 || math.Abs(high-tt.high) > 1e-4 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tt.failures, tt.runs, low, high, tt.low, tt.high)
		}
	}
	if got, want := PassesNeeded(0.01), 381; got != want {
		t.Errorf("PassesNeeded(1%%) = %d, want %d", got, want)
	}
	if _, high := Wilson(0, PassesNeeded(0.05)); high >= 0.05 {
		t.Errorf("after PassesNeeded(5%%) passes the upper bound is still %.4f", high)
	}
}

func TestSignature(t *testing.T) {
	tests := []struct{ name, output, want string }{
		{"go test", "=== RUN TestA\n--- FAIL: TestA (0.31s)\n    a_test.go:12: got 3, want 4\nFAIL\nexit status 1\nFAIL\tpkg\t0.3s\n", "TestA: a_test.go:N: got N, want N"},
		{"jest", "FAIL __tests__/x.test.ts (19.2 s)\n  ● Concurrent Operations › should prevent duplicate joins\n\n    expect(received).toBe(expected)\n", "Concurrent Operations › should prevent duplicate joins: expect(received).toBe(expected)"},
		{"pytest", "FAILED tests/test_x.py::test_balance - assert 90 == 100\n", "tests/test_x.py::test_balance"},
		{"no header: the last error line", "starting\nError: connect ECONNREFUSED 127.0.0.1:5432\nbye\n", "Error: connect ECONNREFUSED N.N.N.N:N"},
		{"nothing but text: the last line", "one\ntwo 2\n", "two N"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Signature(tt.output); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
