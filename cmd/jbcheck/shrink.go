package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shrink"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

func init() {
	register(command{
		name:    "shrink",
		summary: "cut the smallest failing schedule-mode scenario out of a failing history",
		usage: `jbcheck shrink [--out DIR] [--variant NAME | --app CONFIG] [--candidates N] [--neighbors N]
               [--budget N] [--timeout D] [--parallel N] [--dsn DSN] FILE

FILE is a history that violates a guarantee, from any mode (jbcheck run,
explore, replay). shrink re-runs smaller scenarios in schedule mode and
writes the smallest one that still violates one of the same guarantees, as a
schedule-mode history that jbcheck replay reproduces exactly, with its
picture and transcript beside it:

  FILE.shrunk.jsonl, FILE.shrunk.html, FILE.shrunk.transcript.txt
  or, with --out DIR, DIR/history.jsonl, DIR/history.html, DIR/transcript.txt

A stress history records only what each client called and when: shrink cuts
candidates out of the violating world, smallest first — two calls of two
clients that ran close together (within --neighbors calls), a client's two
consecutive calls, then pairs with each client's previous calls; those with
the call the checker could not linearize first — and explores each (at most
one preemption, --budget schedules) until one fails. Then it removes
clients, calls, users and groups, and halves amounts and opening balances,
as long as the violation stays. A history of an application (jbcheck run
or explore --app) shrinks against the application --app CONFIG starts.

Exit 0 when it wrote a counterexample; 1 when FILE violates a guarantee but
no smaller scenario that does was found (within the budgets and --timeout);
2 on a usage error, a history that violates nothing or cannot be replayed,
or an error of the environment (the server, the files).`,
		run: runShrink,
	})
}

func runShrink(ctx context.Context, args []string) error {
	fs := newFlagSet("shrink")
	out := fs.String("out", "", "directory for the shrunk history.jsonl, history.html and transcript.txt (default: FILE.shrunk.jsonl and its files beside FILE)")
	variantName := fs.String("variant", "", "shrink against this variant instead of the recorded one")
	appPath := appFlag(fs)
	candidates := fs.Int("candidates", 600, "stress histories: at most this many candidate scenarios")
	neighbours := fs.Int("neighbors", 8, "stress histories: pair calls invoked within this many calls of each other")
	deprecatedFlag(fs, "neighbours", "neighbors")
	budget := fs.Int("budget", 200, "stress histories: at most this many schedules per candidate")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	parallel := fs.Int("parallel", schedule.DefaultLanes(), "explore this many subtrees at once")
	dsn := fs.String("dsn", "", "an existing server instead of the embedded one")
	asJSON := fs.Bool("json", false, "print the result as JSON (docs/json.md)")
	path, h, err := parseHistoryArg(fs, args)
	if err != nil {
		return err
	}
	if *parallel < 1 || *candidates < 1 || *neighbours < 1 || *budget < 1 {
		return fmt.Errorf("%w: --parallel, --candidates, --neighbors and --budget must be at least 1", errUsage)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	name := h.Header.Variant
	if *variantName != "" {
		name = *variantName
	}
	if *appPath != "" {
		name = ""
	}
	t, err := loadTarget(name, *appPath, nil)
	if err != nil {
		return fmt.Errorf("%s:1: %w", path, err)
	}
	files := histories.FilesOf(strings.TrimSuffix(path, ".jsonl") + ".shrunk.jsonl")
	if *out != "" {
		// --out is a directory, as for every command.
		dir, err := openOutput(*out)
		if err != nil {
			return err
		}
		defer closeOutput(dir)
		files = histories.FilesIn(*out)
	}
	execs, closeExecs, err := t.executors(ctx, *dsn, *parallel)
	if err != nil {
		return err
	}
	defer closeExecs()
	for _, e := range execs {
		e.Reduce = true
		e.Audits = 1 // a broken invariant seen only mid-call needs an audit there
		e.Command = commandLine("shrink", args)
	}
	opts := shrink.Options{Candidates: *candidates, Neighbours: *neighbours, Budget: *budget}
	if isTerminal(os.Stderr) {
		width := terminalWidth(os.Stderr, 100) - 1
		opts.Progress = func(n int, sc model.Scenario) {
			line := shorten(fmt.Sprintf("candidate %d of at most %d: %s", n, *candidates, sc), width)
			fmt.Fprintf(os.Stderr, "\r\033[K%s", line)
		}
	}
	got, err := shrink.Shrink(ctx, execs, h, path, opts)
	if opts.Progress != nil {
		fmt.Fprintln(os.Stderr)
	}
	// Exit 1 only for what the history shows: it violates a guarantee,
	// and no smaller scenario was found that does. Anything else that
	// stopped the search is an error of the environment or the input.
	switch {
	case errors.Is(err, shrink.ErrNothingToShrink):
		return fmt.Errorf("%w: %v", errUsage, err)
	case errors.Is(err, shrink.ErrNotReproduced):
		return fmt.Errorf("%w: %s violates a guarantee, but %v", errViolation, path, err)
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: %s violates a guarantee, but no smaller counterexample was found within --timeout %v", errViolation, path, *timeout)
	case err != nil:
		return err
	}
	ev, err := schedule.WriteFiles(files, got.Result)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(shrinkJSON{Schema: jsonSchema, Input: path, Events: len(h.Events), Variant: t.name(),
			Seconds: got.Elapsed.Seconds(), Tried: got.Tried, From: got.From, Scenario: got.Scenario.String(),
			World: got.Scenario.World.String(), Schedule: got.Result.Choices, Violated: codes(got.Result.Verdict.Violated()),
			Anomaly: got.Result.Verdict.AnomalyNames(), History: ev.History, Transcript: ev.Transcript, Picture: ev.Picture})
	}
	fmt.Printf("shrunk %s (%d events, %s violated) against %s in %.1fs\n", path, len(h.Events), guaranteeList(got.Want), t.name(), got.Elapsed.Seconds())
	if got.Tried > 0 {
		fmt.Printf("%d candidate scenarios tried; the first that failed: %s\n", got.Tried, got.From)
	} else {
		fmt.Printf("started from %s\n", got.From)
	}
	fmt.Printf("minimal: %s\nworld:   %s\nschedule %v violates %s: %s\n\n%s\n\n",
		got.Scenario, got.Scenario.World.String(), got.Result.Choices, guaranteeList(got.Result.Verdict.Violated()), got.Result.Verdict.AnomalyNames(), strings.Join(got.Result.Transcript, "\n"))
	printAnomalies(os.Stdout, got.Result.Verdict)
	fmt.Printf("history:    %s\ntranscript: %s\npicture:    %s\nreplay:     jbcheck replay %s%s\nreport:     jbcheck report %s\n", ev.History, ev.Transcript, ev.Picture, appArg(*appPath), ev.History, ev.History)
	return nil
}
