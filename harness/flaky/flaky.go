package flaky

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// RunIndexEnv is set in each run's environment to the run's number (1, 2, …),
// so a command can log it or seed itself from it.
const RunIndexEnv = "JBCHECK_RUN_INDEX"

// Config says how to measure.
type Config struct {
	Command   []string      // the command and its arguments
	Runs      int           // how many runs
	Parallel  int           // how many at once
	Timeout   time.Duration // a run past this is killed (its whole process group) and fails as "timeout"; 0: none
	UntilFail bool          // start no new run after the first failure
	Target    float64       // the failure rate to prove the command below, when nothing fails
	OutDir    string        // each failing run's full output is saved here
	// Progress, if set, is called after each run with the runs done so far
	// and how many failed.
	Progress func(done, failed int)
}

// Run is one run of the command.
type Run struct {
	Index     int           `json:"index"`
	Kind      string        `json:"kind"` // pass, fail or timeout
	Exit      int           `json:"exit"` // -1 when killed
	Duration  time.Duration `json:"duration"`
	Signature string        `json:"signature,omitempty"`
	Output    string        `json:"output_file,omitempty"` // where a failing run's output was saved
}

// Cluster is a group of failures with one signature.
type Cluster struct {
	Signature string `json:"signature"`
	Count     int    `json:"count"`
	Example   int    `json:"example_run"`
	Output    string `json:"example_output,omitempty"`
}

// Report is the measurement.
type Report struct {
	Command  []string `json:"command"`
	Runs     int      `json:"runs"`
	Failures int      `json:"failures"`
	Rate     float64  `json:"rate"`
	Low      float64  `json:"wilson95_low"`
	High     float64  `json:"wilson95_high"`
	Target   float64  `json:"target"`
	// PassesNeeded: with no failure, the number of passes in a row that
	// bring the upper bound below Target.
	PassesNeeded int       `json:"passes_needed,omitempty"`
	Clusters     []Cluster `json:"clusters,omitempty"`
	Passing      Timing    `json:"passing"`
	Failing      Timing    `json:"failing"`
	Interrupted  bool      `json:"interrupted,omitempty"`
	Details      []Run     `json:"runs_detail"`
}

// ErrBadConfig reports a Config that cannot run.
var ErrBadConfig = errors.New("bad flakiness measurement")

// Measure runs the command as configured. ctx ending (Ctrl-C) kills the runs
// in flight and reports on the finished ones.
func Measure(ctx context.Context, cfg Config) (Report, error) {
	if len(cfg.Command) == 0 || cfg.Runs < 1 || cfg.Parallel < 1 {
		return Report{}, fmt.Errorf("%w: need a command, at least one run and a parallelism of at least 1", ErrBadConfig)
	}
	if _, err := exec.LookPath(cfg.Command[0]); err != nil {
		return Report{}, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	if cfg.OutDir != "" {
		if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
			return Report{}, err
		}
	}
	var (
		mu      sync.Mutex
		results []Run
		failed  int
		stop    bool
	)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := 1; i <= cfg.Runs; i++ {
			mu.Lock()
			halt := stop
			mu.Unlock()
			if halt || ctx.Err() != nil {
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var firstErr error
	for range cfg.Parallel {
		wg.Go(func() {
			for i := range next {
				mu.Lock()
				halt := stop
				mu.Unlock()
				if halt {
					continue // --until-fail: a failure came in while this run waited
				}
				r, err := runOnce(ctx, cfg, i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil && ctx.Err() == nil {
					results = append(results, r)
					if r.Kind != "pass" {
						failed++
						stop = stop || cfg.UntilFail
					}
					if cfg.Progress != nil {
						cfg.Progress(len(results), failed)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return Report{}, firstErr
	}
	slices.SortFunc(results, func(a, b Run) int { return a.Index - b.Index })
	rep := summarize(cfg, results)
	rep.Interrupted = ctx.Err() != nil
	return rep, nil
}

// runOnce runs the command once in its own process group, its output in a
// file (a pipe could be held open by a grandchild after the kill).
func runOnce(ctx context.Context, cfg Config, index int) (Run, error) {
	out, err := os.CreateTemp("", "jbcheck-run-*.log")
	if err != nil {
		return Run{}, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := exec.Command(cfg.Command[0], cfg.Command[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), RunIndexEnv+"="+strconv.Itoa(index))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Run{}, fmt.Errorf("starting %s: %w", cfg.Command[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timeout <-chan time.Time
	if cfg.Timeout > 0 {
		t := time.NewTimer(cfg.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	r := Run{Index: index, Kind: "pass"}
	var waitErr error
	select {
	case waitErr = <-done:
	case <-timeout:
		r.Kind = "timeout"
		killGroup(cmd)
		<-done
	case <-ctx.Done():
		killGroup(cmd)
		<-done
		return r, nil
	}
	// Whatever the command left in its group dies with it: a run must not
	// leak processes into the next.
	killGroup(cmd)
	r.Duration = time.Since(start)
	r.Exit = cmd.ProcessState.ExitCode()
	if r.Kind == "pass" && (waitErr != nil || r.Exit != 0) {
		r.Kind = "fail"
	}
	if r.Kind == "pass" {
		return r, nil
	}
	output, err := os.ReadFile(out.Name())
	if err != nil {
		return Run{}, err
	}
	r.Signature = Signature(string(output))
	if r.Kind == "timeout" {
		r.Signature = "timeout after " + cfg.Timeout.String()
	}
	if cfg.OutDir != "" {
		r.Output = filepath.Join(cfg.OutDir, fmt.Sprintf("run-%04d.log", index))
		if err := os.WriteFile(r.Output, output, 0o644); err != nil {
			return Run{}, err
		}
	}
	return r, nil
}

func killGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

func summarize(cfg Config, runs []Run) Report {
	rep := Report{Command: cfg.Command, Runs: len(runs), Target: cfg.Target, Details: runs}
	var passing, failing []time.Duration
	bySignature := map[string]*Cluster{}
	for _, r := range runs {
		if r.Kind == "pass" {
			passing = append(passing, r.Duration)
			continue
		}
		rep.Failures++
		failing = append(failing, r.Duration)
		c, ok := bySignature[r.Signature]
		if !ok {
			c = &Cluster{Signature: r.Signature, Example: r.Index, Output: r.Output}
			bySignature[r.Signature] = c
		}
		c.Count++
	}
	for _, c := range bySignature {
		rep.Clusters = append(rep.Clusters, *c)
	}
	slices.SortFunc(rep.Clusters, func(a, b Cluster) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return a.Example - b.Example
	})
	if rep.Runs > 0 {
		rep.Rate = float64(rep.Failures) / float64(rep.Runs)
	}
	rep.Low, rep.High = Wilson(rep.Failures, rep.Runs)
	if rep.Failures == 0 {
		rep.PassesNeeded = PassesNeeded(cfg.Target)
	}
	rep.Passing, rep.Failing = timing(passing), timing(failing)
	return rep
}
