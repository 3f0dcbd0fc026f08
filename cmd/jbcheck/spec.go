package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/redact"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/harness/spec"
)

func init() {
	register(command{
		name:    "spec",
		summary: "run an isolation spec as PostgreSQL's isolationtester does, or explore it and check serializability",
		usage: `jbcheck spec [--replay "STEP STEP ..."] [--check-serializable] [--final-query SQL]
             [--isolation LEVEL] [--out DIR] [--json] [--dsn DSN] FILE.spec
jbcheck spec --explore [--strategy exhaustive|preempt=K|pct[=DEPTH]] [--max N] [--seed S]
             [--keep-going] [--no-reduce] [--check-serializable] [--final-query SQL]
             [--isolation LEVEL] [--out DIR] [--json] [--dsn DSN] [--shard I/N] FILE.spec

Reads an isolation test specification — the format of PostgreSQL's
isolationtester: setup and teardown blocks, sessions with named SQL steps,
permutation lines with markers — and runs it on the embedded PostgreSQL
(or --dsn).

Without --explore it runs the spec's permutations (every interleaving of the
sessions' steps when it lists none) and prints exactly what isolationtester
prints on the same server: diff against isolationtester's output is empty.
--replay runs one permutation instead (the schedule --explore names).
--json prints, instead, each permutation with what isolationtester prints
for it and, checked, its verdict (docs/json.md).

With --explore it runs every interleaving of the sessions' steps the
strategy allows (each session's steps in order, a blocked step waiting for
its lock), groups the schedules by outcome — what every step printed and
the final contents of the tables the setup created (or what --final-query
reads) — and prints each outcome with its count and the permutation that
replays it. --out DIR writes each outcome's transcript, and the
exploration's summary.json, junit.xml and index.html. --shard I/N (or the
environment, as in jbcheck explore) explores part I of N of the schedules;
` + "`jbcheck merge DIR...`" + ` adds the N --out directories up (docs/scale-out.md).

--check-serializable compares each outcome (each permutation, without
--explore) with every serial order of its committed transactions, each run
alone on a fresh setup: an outcome no serial order gives is a violation,
named when it is a known anomaly (lost update, write skew, read-only
anomaly). --isolation sets every session's default_transaction_isolation
(serializable, repeatable-read, read-committed), for specs whose sessions
say only BEGIN. See docs/specs.md.

Exit 0 when no outcome violated serializability (or it was not checked),
1 when one did, 2 on a usage error, a spec error (file:line:column) or a
setup that failed.`,
		run: runSpec,
	})
}

// specFlags are the command's flags.
type specFlags struct {
	replay, finalQuery, isolation, out, dsn, strategy string
	explore, check, keepGoing, noReduce, json         bool
	max                                               int
	seed                                              int64
	shard                                             shard.Shard
}

func runSpec(ctx context.Context, args []string) error {
	fs := newFlagSet("spec")
	var f specFlags
	fs.StringVar(&f.replay, "replay", "", "run this permutation (step names, with markers) instead of the spec's")
	fs.BoolVar(&f.explore, "explore", false, "run every interleaving the strategy allows and group the outcomes")
	fs.StringVar(&f.strategy, "strategy", "exhaustive", "exploring: exhaustive, preempt=K or pct[=DEPTH]")
	fs.IntVar(&f.max, "max", 0, "exploring: stop after this many schedules (0: none; pct: 200)")
	fs.Int64Var(&f.seed, "seed", 0, "exploring: the seed of pct (0: pick one; the report prints it)")
	fs.BoolVar(&f.keepGoing, "keep-going", false, "exploring: go on past the first violation")
	fs.BoolVar(&f.noReduce, "no-reduce", false, "exploring: do not grant a bare BEGIN, or the end of a failed transaction, at once (to compare counts)")
	fs.BoolVar(&f.check, "check-serializable", false, "compare each outcome with every serial order of its committed transactions")
	fs.StringVar(&f.finalQuery, "final-query", "", "what reads the final state (default: every table the setup created, in key order)")
	fs.StringVar(&f.isolation, "isolation", "", "every session's default_transaction_isolation: serializable, repeatable-read, read-committed")
	fs.StringVar(&f.out, "out", "", "directory for the transcripts")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON (docs/json.md)")
	fs.StringVar(&f.dsn, "dsn", "", "an existing server instead of the embedded one")
	shardText := shardFlag(fs)
	positional, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	if f.shard, err = resolveShard(*shardText, f.seed != 0 || !strings.HasPrefix(f.strategy, "pct")); err != nil {
		return err
	}
	path := positional[0]
	sp, err := spec.ParseFile(path)
	if err != nil {
		var perr *spec.Error
		if errors.As(err, &perr) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return err
	}
	iso, err := isolationLevel(f.isolation)
	if err != nil {
		return err
	}
	if err := f.checkCombinations(); err != nil {
		return err
	}
	if f.seed == 0 {
		f.seed = rand.Int64N(1<<31) + 1
	}
	strategy, err := interleave.ParseStrategy(f.strategy, f.seed)
	if err != nil {
		return fmt.Errorf("%w: --strategy: %v", errUsage, err)
	}
	var perm *spec.Permutation
	if f.replay != "" {
		if perm, err = sp.ParsePermutation(f.replay); err != nil {
			return fmt.Errorf("%w: --replay: %v", errUsage, err)
		}
	}
	var out *report.OutputDir
	if f.out != "" {
		if out, err = openOutput(f.out); err != nil {
			return err
		}
		defer closeOutput(out)
	}
	server, err := startServer(ctx, f.dsn)
	if err != nil {
		return err
	}
	defer stopServer(server)
	runner, err := spec.NewRunner(ctx, server, spec.Options{Isolation: iso})
	if err != nil {
		return err
	}
	defer runner.Close()
	var oracle *spec.Oracle
	if f.check {
		if oracle, err = runner.NewOracle(ctx, sp, f.finalQuery); err != nil {
			return err
		}
		defer oracle.Close()
	}
	s := &specRun{path: path, sp: sp, flags: f, iso: iso, runner: runner, oracle: oracle, strategy: strategy}
	if f.explore {
		return s.explore(ctx)
	}
	return s.permutations(ctx, perm)
}

// checkCombinations refuses flags that mean nothing together.
func (f specFlags) checkCombinations() error {
	switch {
	case f.explore && f.replay != "":
		return fmt.Errorf("%w: --replay runs one permutation and --explore all of them: choose one", errUsage)
	case !f.explore && (f.keepGoing || f.noReduce || f.max != 0 || f.strategy != "exhaustive" || f.shard.Sharded()):
		return fmt.Errorf("%w: --strategy, --max, --keep-going, --no-reduce and --shard go with --explore", errUsage)
	case f.finalQuery != "" && !f.explore && !f.check:
		return fmt.Errorf("%w: --final-query goes with --explore or --check-serializable", errUsage)
	case f.max < 0:
		return fmt.Errorf("%w: --max must be 0 or more", errUsage)
	}
	return nil
}

// isolationLevel reads --isolation as PostgreSQL spells the level.
func isolationLevel(s string) (string, error) {
	level := strings.ToLower(strings.NewReplacer("-", " ", "_", " ").Replace(strings.TrimSpace(s)))
	switch level {
	case "", "serializable", "repeatable read", "read committed", "read uncommitted":
		return level, nil
	}
	return "", fmt.Errorf("%w: --isolation %q: expected serializable, repeatable-read, read-committed or read-uncommitted", errUsage, s)
}

// specRun is one invocation of jbcheck spec.
type specRun struct {
	path     string
	sp       *spec.Spec
	flags    specFlags
	iso      string
	runner   *spec.Runner
	oracle   *spec.Oracle
	strategy interleave.Strategy
}

// permutations runs the spec's permutations (or --replay's) and prints
// isolationtester's output; with --check-serializable, a verdict per
// permutation after it. With --json, the same as one JSON document.
func (s *specRun) permutations(ctx context.Context, only *spec.Permutation) error {
	var transcript strings.Builder
	stdout := io.MultiWriter(os.Stdout, &transcript)
	report := permutationsJSON{Schema: jsonSchema, Spec: s.path, Isolation: s.iso, Checked: s.oracle != nil, Permutations: []permutationJSON{}}
	if s.flags.json {
		stdout = &transcript
	}
	var verdicts []string
	violations := 0
	each := func(perm *spec.Permutation) error {
		record := permutationJSON{Permutation: strings.Join(perm.Names(), " "), Replay: s.replayCommand(strings.Join(perm.Names(), " "))}
		defer func() { report.Permutations = append(report.Permutations, record) }()
		var res *spec.PermResult
		var err error
		if s.oracle != nil { // the final state is read too
			res, err = s.runner.Replay(ctx, s.sp, perm, s.flags.finalQuery)
		} else {
			res, err = s.runner.Permutation(ctx, s.sp, perm, nil)
		}
		if res != nil {
			io.WriteString(stdout, res.Output)
			io.WriteString(os.Stderr, res.Errors)
			record.Output = res.Output
		}
		if err != nil || s.oracle == nil {
			return err
		}
		v, err := s.oracle.Check(ctx, res.Obs)
		if err != nil {
			return err
		}
		if v.Violated() {
			violations++
		}
		record.Verdict, record.Anomaly = v.Summary(), v.Anomaly
		verdicts = append(verdicts, fmt.Sprintf("  %s: %s", strings.Join(perm.Names(), " "), v.Summary()))
		return nil
	}
	for _, w := range s.sp.Warnings {
		fmt.Fprintln(os.Stderr, w)
	}
	fmt.Fprintf(stdout, "Parsed test spec with %d sessions\n", len(s.sp.Sessions))
	var err error
	switch {
	case only != nil:
		err = each(only)
	case len(s.sp.Permutations) > 0:
		for _, perm := range s.sp.Permutations {
			if err = each(perm); err != nil {
				break
			}
		}
	default:
		s.sp.AllPermutations(func(perm *spec.Permutation) bool { err = each(perm); return err == nil })
	}
	if s.flags.out != "" {
		if werr := os.WriteFile(filepath.Join(s.flags.out, "transcript.out"), []byte(transcript.String()), 0o644); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	if s.flags.json {
		report.Violations = violations
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	}
	if s.oracle == nil {
		return nil
	}
	if !s.flags.json {
		fmt.Printf("\nserializability (%d serial %s run):\n%s\n", s.oracle.SerialRuns, plural(s.oracle.SerialRuns, "order", "orders"), strings.Join(verdicts, "\n"))
	}
	if violations > 0 {
		return fmt.Errorf("%w: %d of %d permutations are not serializable", errViolation, violations, len(verdicts))
	}
	return nil
}

// replayCommand is the command line that replays perm.
func (s *specRun) replayCommand(perm string) string {
	args := []string{"jbcheck", "spec"}
	if s.iso != "" {
		args = append(args, "--isolation", strings.ReplaceAll(s.iso, " ", "-"))
	}
	if s.oracle != nil {
		args = append(args, "--check-serializable")
	}
	if s.flags.finalQuery != "" {
		args = append(args, "--final-query", s.flags.finalQuery)
	}
	return redact.Command(append(args, "--replay", perm, s.path))
}

// permutationsJSON is the machine-readable report of a run of permutations
// (spec --json without --explore).
type permutationsJSON struct {
	Schema       int               `json:"schema"`
	Spec         string            `json:"spec"`
	Isolation    string            `json:"isolation,omitempty"`
	Checked      bool              `json:"checked_serializable"`
	Violations   int               `json:"violations"`
	Permutations []permutationJSON `json:"permutations"`
}

// permutationJSON is one permutation run: what isolationtester prints for
// it and, checked, its verdict.
type permutationJSON struct {
	Permutation string `json:"permutation"`
	Replay      string `json:"replay"`
	Output      string `json:"output"`
	Verdict     string `json:"verdict,omitempty"`
	Anomaly     string `json:"anomaly,omitempty"`
}
