package stress_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// childEnv makes the test binary a child that runs a stress run into the
// file it names, for TestAKilledRunLeavesAReadableHistory.
const childEnv = "JBCHECK_TEST_STRESS_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(runChild(path))
	}
	os.Exit(pgtest.Main(m))
}

func runChild(path string) int {
	server, err := postgres.Start(context.Background(), postgres.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer server.Stop()
	fmt.Println("cluster", server.DataDir())
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	v, _ := protocol.Lookup("locking")
	_, err = stress.Run(context.Background(), stress.Config{Server: server, Variant: v, Clients: 4, Worlds: 2, Duration: time.Minute, Seed: 1, History: f})
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// runAndCheck runs a stress run into a file and checks the history read
// back from it, as `jbcheck run` does.
func runAndCheck(t *testing.T, ctx context.Context, cfg stress.Config) (stress.Summary, histories.Verdict) {
	t.Helper()
	summary, _, verdict := runAndRead(t, ctx, cfg)
	return summary, verdict
}

// interruptMidRun returns a context for stress.Run and the Progress that
// cancels it at the first report, from the reports-th on (reports come
// every 200 ms once the clients run), that counts an operation done: the
// interrupt lands mid-run however long the set-up took on a loaded machine.
func interruptMidRun(t *testing.T, reports int) (context.Context, func(done int64)) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	seen := 0
	return ctx, func(done int64) {
		if seen++; seen >= reports && done > 0 {
			cancel()
		}
	}
}

// runAndRead is runAndCheck that returns the history read back too.
func runAndRead(t *testing.T, ctx context.Context, cfg stress.Config) (stress.Summary, *histories.History, histories.Verdict) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg.Server, cfg.History = pgtest.Server(t), f
	summary, err := stress.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := histories.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return summary, h, histories.Check(h, histories.CheckOptions{})
}

func TestCorrectVariantsKeepEveryGuarantee(t *testing.T) {
	for _, v := range pgtest.Correct() {
		t.Run(v.Info().Name, func(t *testing.T) {
			summary, verdict := runAndCheck(t, context.Background(), stress.Config{Variant: v, Clients: 8, Worlds: 4, Ops: 2000, Seed: 1})
			if !verdict.Passed() {
				t.Errorf("%d operations: statuses %v, findings %+v", summary.Ops, verdict.Statuses, verdict.Findings)
			}
			if summary.Ops != 2000 || summary.OK < 1900 {
				t.Errorf("ran %d operations, %d ok; want 2000, nearly all ok", summary.Ops, summary.OK)
			}
		})
	}
}

// TestBurstsRaiseNoFalseAlarm: correct variants keep every guarantee
// when every client fires the same kind of call on one hot row at once,
// over and over (Config.BurstEvery) — a lagging variant too, whose
// transfers wait for its worker.
func TestBurstsRaiseNoFalseAlarm(t *testing.T) {
	for _, v := range pgtest.Correct() {
		t.Run(v.Info().Name, func(t *testing.T) {
			summary, verdict := runAndCheck(t, context.Background(), stress.Config{Variant: v, Clients: 8, Worlds: 2, Ops: 1000, Seed: 2, BurstEvery: 5 * time.Millisecond})
			if !verdict.Passed() {
				t.Errorf("%d operations, %d bursts: statuses %v, findings %+v", summary.Ops, summary.Bursts, verdict.Statuses, verdict.Findings)
			}
			if summary.Ops != 1000 || summary.Bursts == 0 {
				t.Errorf("ran %d operations and %d bursts; want 1000 and some", summary.Ops, summary.Bursts)
			}
		})
	}
}

// TestAnInterruptedRunWithBurstsEnds: an interrupt finds clients waiting
// at a burst's gate or in its calls; the run still ends, with its audits.
func TestAnInterruptedRunWithBurstsEnds(t *testing.T) {
	v, _ := protocol.Lookup("locking")
	ctx, progress := interruptMidRun(t, 1)
	summary, verdict := runAndCheck(t, ctx, stress.Config{Variant: v, Clients: 4, Worlds: 1, Duration: time.Hour, Seed: 3, BurstEvery: time.Millisecond, Progress: progress})
	if !verdict.Passed() || summary.Bursts == 0 {
		t.Errorf("after an interrupt: %d operations, %d bursts, statuses %v, findings %+v", summary.Ops, summary.Bursts, verdict.Statuses, verdict.Findings)
	}
}

// TestBugVariantsAreCaught: with the default settings of `jbcheck run`
// (8 clients, 4 worlds, 4000 operations) and a fixed seed, every bug variant
// that needs no fault is caught, and the verdict names linearizability and
// only guarantees the variant says it breaks. (Those only faults reveal:
// TestFaultOnlyBugsAreCaughtUnderFaults.)
func TestBugVariantsAreCaught(t *testing.T) {
	for _, v := range protocol.All() {
		info := v.Info()
		if info.Correct() || info.FaultOnly {
			continue
		}
		t.Run(info.Name, func(t *testing.T) {
			_, verdict := runAndCheck(t, context.Background(), stress.Config{Variant: v, Clients: 8, Worlds: 4, Ops: 4000, Seed: 42})
			violated := verdict.Violated()
			if !slices.Contains(violated, "L") {
				t.Errorf("linearizability held; violated: %v", violated)
			}
			for _, g := range violated {
				if !slices.Contains(info.Breaks, g) {
					t.Errorf("violated %s, which %s does not list among the guarantees it breaks (%v)", g, info.Name, info.Breaks)
				}
			}
		})
	}
}

func TestAnInterruptedRunStillEndsWithAudits(t *testing.T) {
	v, _ := protocol.Lookup("async-watermark")
	ctx, progress := interruptMidRun(t, 1)
	summary, verdict := runAndCheck(t, ctx, stress.Config{Variant: v, Clients: 4, Worlds: 2, Duration: time.Hour, Seed: 3, Progress: progress})
	if !verdict.Passed() || !summary.Quiescent || summary.Ops == 0 {
		t.Errorf("after an interrupt: %d operations, quiescent %v, statuses %v, findings %+v", summary.Ops, summary.Quiescent, verdict.Statuses, verdict.Findings)
	}
}

func TestAKilledRunLeavesAReadableHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), childEnv+"="+path)
	var stderr bytes.Buffer
	child.Stderr = &stderr
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var dataDir string
	if lines := bufio.NewScanner(stdout); lines.Scan() {
		dataDir = strings.TrimPrefix(lines.Text(), "cluster ")
	}
	// Wait until the run has written a good part of its history.
	for deadline := time.Now().Add(60 * time.Second); countLines(path) < 500; {
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("the child wrote %d lines in a minute: %s", countLines(path), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	// The child's cluster goes with it (its janitor's work): wait, so that
	// no server outlives the test.
	for deadline := time.Now().Add(15 * time.Second); len(postgres.Processes(dataDir)) > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the killed child's cluster is still running in %s", dataDir)
		}
		time.Sleep(20 * time.Millisecond)
	}
	lines := countLines(path)
	h, err := histories.ReadFile(path)
	if err != nil {
		t.Fatalf("the history of a killed run does not read: %v", err)
	}
	// Everything up to the last complete line is there (the header aside).
	if got := len(h.Events) + len(h.Audits) + len(h.Barriers); got != lines-1 {
		t.Errorf("read %d events from %d complete lines after the header", got, lines-1)
	}
	v := histories.Check(h, histories.CheckOptions{})
	if v.Status("L") != histories.Held {
		t.Errorf("the operations recorded before the kill do not linearize: %+v", v.Findings)
	}
}

// countLines counts the complete (newline-terminated) lines of a file.
func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	r := bufio.NewReader(f)
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return n
		}
		if strings.HasSuffix(line, "\n") {
			n++
		}
	}
}

// commitsThenErrs is locking whose deposit commits and then fails with an
// error pgx calls safe to retry — a statement that never went out, as
// async-watermark's wait for its worker sends after an interrupted commit.
type commitsThenErrs struct{ protocol.Locking }

func (commitsThenErrs) Info() protocol.Info {
	return protocol.Info{Name: "test-commits-then-errs", Summary: "a deposit that commits, then errs before its next statement goes out"}
}

func (v commitsThenErrs) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	if err := v.Locking.Deposit(ctx, conn, world, user, amount); err != nil {
		return err
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	_, err := conn.Exec(done, "SELECT 1")
	return err
}

// TestACallThatCommittedBeforeItsErrorMayHaveHappened: an error pgx calls
// safe to retry says the call's last statement never went out, not that
// nothing before it committed. Every deposit here commits and then errs
// so: each must be recorded as info (it may have happened), never as a
// fail, and the history must linearize.
func TestACallThatCommittedBeforeItsErrorMayHaveHappened(t *testing.T) {
	summary, h, verdict := runAndRead(t, context.Background(), stress.Config{Variant: commitsThenErrs{}, Clients: 2, Worlds: 1, Ops: 40, Seed: 1,
		Mix: workload.Mix{model.OpDeposit: 1, model.OpBalance: 1}})
	var fails, infos int
	for _, e := range h.Events {
		switch e.Type {
		case histories.Fail:
			fails++
		case histories.Info:
			infos++
		}
	}
	if fails > 0 || infos == 0 || summary.Ops != 40 {
		t.Errorf("%d operations: %d fail, %d info; want the deposits info, none fail", summary.Ops, fails, infos)
	}
	if !verdict.Passed() {
		t.Errorf("statuses %v, findings %+v", verdict.Statuses, verdict.Findings)
	}
}
