package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"text/tabwriter"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/verify"
	"jbcheck.dev/jbcheck/model"
)

func init() {
	register(command{
		name:    "verify",
		summary: "the release gate: correct variants hold everything, every bug variant is caught",
		usage: `jbcheck verify [--out DIR] [--quick] [--variants A,B] [--seed S] [--parallel N] [--dsn DSN] [--json]
               [--shard I/N]

Proves two things at once, on the embedded PostgreSQL (or --dsn):
  - every correct variant keeps every guarantee: the schedule-mode rapid
    property, the sequential (differential) property, bounded exploration of
    the standard scenarios — both original flaky tests among them — and a
    stress run;
  - the harness still catches every bug variant (the mutation matrix): a hunt
    with no scenario given (drawn scenarios and schedules, then stress) and
    the bug's standard scenario, if it has one, must each catch it.
Prints one line per check as it ends, the matrix (variant × guarantee, and
each variant's result: holds or caught) and a one-line verdict. On a
terminal a status line shows check n of N, the running check's progress,
the time elapsed and an estimate; on a pipe a line comes at least every 5 s. Every failure leaves a minimal counterexample in DIR with its
history, picture, transcript and bug report.

DIR (default verify-report/) gets summary.json, junit.xml (one test case per
check, named VARIANT/CHECK whatever the seed or budget), index.html (the matrix, every check, links to every
counterexample), counterexamples/NAME/ and runs/NAME/ (failing stress runs).
A second run into DIR removes what the first wrote there (listed in
DIR/.jbcheck-output) and nothing else; a DIR holding other files and no such
list is refused.

--quick cuts every budget; --variants checks only the variants named. A bug
variant is hunted with no scenario given (jbcheck hunt's search, fixed
seeds), so one without a standard scenario is gated too. The race-coverage
table of every search is printed at the end; a correct variant whose
property or stress never reached a race window its scenario set can reach
fails the gate (its guarantees undecided: docs/hunting.md). The time it takes:
2 min 1 s, --quick 1 min 29 s, on 2 idle cores (docs/performance.md, "The
release gate"). --json prints summary.json's content (docs/json.md).

Exit 0 when the gate passes; 1 when a correct variant violated a guarantee,
a check could not decide, or a bug variant escaped; 2 on a usage or
environment error; 130 or 143 when interrupted (the report keeps the checks
that finished).

--shard I/N (or $JBCHECK_SHARD, or a Kubernetes indexed Job's
$JOB_COMPLETION_INDEX with $JBCHECK_SHARDS) runs only every N-th check of
the run's fixed order, from the I-th, with the --seed every shard is given;
` + "`jbcheck merge DIR...`" + ` combines the N reports into the whole gate's
(docs/scale-out.md).`,
		run: runVerify,
	})
}

func runVerify(ctx context.Context, args []string) error {
	fs := newFlagSet("verify")
	out := fs.String("out", "verify-report", "the report directory")
	quick := fs.Bool("quick", false, "smaller budgets")
	only := fs.String("variants", "", "comma-separated variants to check (default: every registered one)")
	fs.StringVar(only, "variant", "", "the same as --variants")
	seed := fs.Uint64("seed", 0, "seed of the correct variants' property and stress runs (0: random, printed)")
	parallel := fs.Int("parallel", schedule.DefaultLanes(), "exploration lanes")
	dsn := fs.String("dsn", "", "an existing server instead of the embedded one")
	asJSON := fs.Bool("json", false, "print summary.json's content on standard output (docs/json.md); the progress goes to standard error")
	shardText := shardFlag(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	sh, err := resolveShard(*shardText, *seed != 0)
	if err != nil {
		return err
	}
	if *parallel < 1 {
		return fmt.Errorf("%w: --parallel must be at least 1", errUsage)
	}
	variants := protocol.All()
	if *only != "" {
		variants = nil
		for _, name := range strings.Split(*only, ",") {
			v, err := protocol.Lookup(strings.TrimSpace(name))
			if err != nil {
				return fmt.Errorf("%w: --variants: %v", errUsage, err)
			}
			variants = append(variants, v)
		}
	}
	// Correct variants first: the matrix reads top-down as "holds", then "caught".
	var ordered []protocol.Variant
	for _, correct := range []bool{true, false} {
		for _, v := range variants {
			if v.Info().Correct() == correct {
				ordered = append(ordered, v)
			}
		}
	}
	if *seed == 0 {
		*seed = rand.Uint64N(1<<31) + 1
	}
	dir, err := openOutput(*out)
	if err != nil {
		return err
	}
	defer closeOutput(dir)
	log := os.Stdout
	if *asJSON {
		log = os.Stderr
	}
	// A first line before the server starts, and heartbeats while it
	// starts: a CI log shows the gate alive from its first second.
	progress := &verify.Progress{}
	status := newGateStatus(log, progress)
	defer status.Close()
	fmt.Fprintf(status, "jbcheck verify: %d variants, seed %d%s%s\n", len(ordered), *seed, map[bool]string{true: ", quick"}[*quick], shardNote(sh))
	server, err := startServer(ctx, *dsn)
	if err != nil {
		return err
	}
	defer stopServer(server)
	fmt.Fprintf(status, "on %s\n", server)
	g, err := verify.Run(ctx, verify.Options{Server: server, Variants: ordered, Quick: *quick, Seed: *seed, Lanes: *parallel, Out: *out, Log: status, Progress: progress,
		Shard: sh, Version: versionLine()})
	status.Close()
	if *asJSON {
		if jerr := printJSON(g); jerr != nil && err == nil {
			err = jerr
		}
		fmt.Fprintf(log, "%s\n", g.Verdict)
	} else {
		fmt.Println()
		printMatrix(g)
		fmt.Printf("\nreport: %s/index.html (summary.json, junit.xml)\n", *out)
		if sh.Sharded() {
			fmt.Printf("shard %s of the gate: `jbcheck merge` with every shard's report directory gives the gate's verdict\n", sh)
		}
		fmt.Println(paint(os.Stdout, g.Verdict, g.Passed))
	}
	if err != nil {
		return err
	}
	if !g.Passed {
		return fmt.Errorf("%w: %s", errViolation, g.Verdict)
	}
	return nil
}

// printMatrix writes variant × guarantee, violated cells in capitals.
func printMatrix(g report.Gate) {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprint(w, "variant\t")
	for _, gu := range model.Guarantees {
		fmt.Fprintf(w, "%s\t", string(gu))
	}
	fmt.Fprintln(w, "result")
	for _, v := range g.Variants() {
		fmt.Fprintf(w, "%s\t", v)
		row := g.Row(v)
		for _, gu := range model.Guarantees {
			s := string(row[gu])
			if row[gu] == "violated" {
				s = "VIOLATED"
			}
			fmt.Fprintf(w, "%s\t", s)
		}
		fmt.Fprintln(w, g.Result(v))
	}
	w.Flush()
}
