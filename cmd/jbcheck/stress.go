package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/flaky"
	"jbcheck.dev/jbcheck/harness/redact"
)

func init() {
	register(command{
		name:    "stress",
		summary: "run any test command many times and measure how flaky it is",
		usage: `jbcheck stress [-n RUNS] [-p PARALLEL] [--run-timeout D] [--until-fail] [--target RATE]
               [--out DIR] [--json] -- CMD [ARGS...]

Runs CMD RUNS times, PARALLEL at once, each run in its own process group (a
run past --run-timeout is killed with all its children and counts as a failure
of kind timeout). Reports the failure rate with a Wilson 95% interval — with
no failure, the upper bound and how many passes in a row would show the rate
is below --target — the failures clustered by a normalized signature of their
output, and p50/p95/max run times of passing and failing runs. Each failing
run's full output is saved under --out, and DIR/runtimes.svg shows the
distribution of run times, passing and failing runs in their own colors.
Each run sees its number in $JBCHECK_RUN_INDEX.

For go test, add -count=1: a cached pass is not a run.

Exit 0 when every run passed, 1 when any failed, 2 on a usage error.`,
		run: runStress,
	})
}

func runStress(ctx context.Context, args []string) error {
	fs := newFlagSet("stress")
	runs := fs.Int("n", 20, "how many runs")
	parallel := fs.Int("p", 1, "how many runs at once")
	timeout := fs.Duration("run-timeout", 10*time.Minute, "kill a run (and its children) after this long; 0: never")
	deprecatedFlag(fs, "timeout", "run-timeout")
	untilFail := fs.Bool("until-fail", false, "start no new run after the first failure")
	target := fs.Float64("target", 0.01, "with no failure, the rate to show the command is below")
	outDir := fs.String("out", "", "where failing runs' outputs go (default out/stress-TIME)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	command, err := parseFlags(fs, args, commandArgs)
	if err != nil {
		return err
	}
	if len(command) == 0 {
		return fmt.Errorf("%w: stress needs a command after --, for example `jbcheck stress -n 50 -- go test -count=1 ./...`", errUsage)
	}
	if *target <= 0 || *target >= 1 {
		return fmt.Errorf("%w: --target must be between 0 and 1, such as 0.01 for 1%%", errUsage)
	}
	if *outDir == "" {
		*outDir = filepath.Join("out", "stress-"+time.Now().Format("20060102-150405"))
	}
	var progress func(done, failed int)
	if isTerminal(os.Stderr) {
		progress = func(done, failed int) {
			fmt.Fprintf(os.Stderr, "\r%d/%d runs, %d failed ", done, *runs, failed)
		}
	}
	rep, err := flaky.Measure(ctx, flaky.Config{Command: command, Runs: *runs, Parallel: *parallel, Timeout: *timeout,
		UntilFail: *untilFail, Target: *target, OutDir: *outDir, Progress: progress})
	if progress != nil {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	rep.Command = redact.Args(rep.Command)
	plot, err := writeRuntimes(*outDir, rep)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(struct {
			Schema int `json:"schema"`
			flaky.Report
		}{jsonSchema, rep}); err != nil {
			return err
		}
	} else {
		printFlakiness(os.Stdout, rep)
		fmt.Printf("run times: %s\n", plot)
	}
	if rep.Failures > 0 {
		return fmt.Errorf("%w: %d of %d runs failed", errViolation, rep.Failures, rep.Runs)
	}
	return nil
}

func printFlakiness(w io.Writer, rep flaky.Report) {
	pct := func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
	fmt.Fprintf(w, "command: %s\n", strings.Join(rep.Command, " "))
	if rep.Interrupted {
		fmt.Fprintln(w, "interrupted: the numbers are for the runs that finished")
	}
	if rep.Failures == 0 {
		fmt.Fprintf(w, "runs: %d, failures: 0; the failure rate is below %s (Wilson 95%% upper bound)\n", rep.Runs, pct(rep.High))
		if rep.High >= rep.Target {
			fmt.Fprintf(w, "to show it is below %s: %d passes in a row\n", pct(rep.Target), rep.PassesNeeded)
		}
	} else {
		fmt.Fprintf(w, "runs: %d, failures: %d, failure rate %s (Wilson 95%%: %s – %s)\n",
			rep.Runs, rep.Failures, pct(rep.Rate), pct(rep.Low), pct(rep.High))
	}
	line := func(name string, t flaky.Timing) {
		if t.Runs > 0 {
			fmt.Fprintf(w, "%s runs: p50 %v, p95 %v, max %v (%d runs)\n", name, t.P50.Round(time.Millisecond),
				t.P95.Round(time.Millisecond), t.Max.Round(time.Millisecond), t.Runs)
		}
	}
	line("passing", rep.Passing)
	line("failing", rep.Failing)
	if len(rep.Clusters) > 0 {
		fmt.Fprintln(w, "failures by signature:")
		for _, c := range rep.Clusters {
			fmt.Fprintf(w, "  %4d× %s\n        e.g. run %d: %s\n", c.Count, c.Signature, c.Example, c.Output)
		}
	}
}

// writeRuntimes writes DIR/runtimes.svg, the distribution of run times.
func writeRuntimes(dir string, rep flaky.Report) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "runtimes.svg")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := flaky.WriteRuntimes(f, rep); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
