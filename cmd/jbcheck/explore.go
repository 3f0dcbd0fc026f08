package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

func init() {
	register(command{
		name:    "explore",
		summary: "run a scenario under every interleaving of its SQL statements (schedule mode)",
		usage: `jbcheck explore (--variant NAME | --app CONFIG) --scenario SPEC [--world SPEC]
               [--strategy exhaustive|preempt=K|pct[=DEPTH]] [--max N] [--seed S]
               [--keep-going] [--no-reduce] [--audits N] [--faults LIST [--max-faults N]]
               [--parallel N] [--out DIR] [--dsn DSN] [--shard I/N]

Runs the scenario in schedule mode: every SQL statement of every client is a
scheduling point and exactly one moves at a time, so each schedule is a pure
function of (scenario, choices) and replays exactly. Each schedule is checked
(linearizability, I1–I6, and with faults D and A); the first violation stops
the exploration and writes its history.jsonl, transcript.txt and history.html
to DIR.

With --app CONFIG the clients are HTTP calls to a real application, whose
SQL reaches PostgreSQL through jbcheck's relay, one statement per step
(docs/real-apps.md); it runs on one lane, without faults.

  --audits N      a schedule may take N audits between two statements of a
                  call, explored like preemptions (a state only mid-call)
  --faults crash,kill,lose-reply
                  inject one of these at every point (at most --max-faults
                  per schedule, default 1): a server crash and restart, a
                  client's backend killed, a client's next commit reply lost;
                  with faults the exploration runs on one lane

  --scenario "c0: join(u0,g0); c1: join(u0,g0)"   what each client calls, in order
  --world "users=u0:100,u1:50 groups=g0:cap=2:fee=10"
                  default: every user named gets 100, every group cap 2, fee 10

Strategies: exhaustive (every schedule), preempt=K (every schedule with at most
K preemptions — most concurrency bugs need two or fewer), pct[=DEPTH] (random
priorities, --max schedules, default 200). Reductions (a BEGIN, and the end of a
transaction an error aborted, commute with everything; clients with the same calls left and the same answers so far are
interchangeable) are on unless --no-reduce.

--out DIR (given, or with --shard) also gets the exploration's
summary.json, junit.xml and index.html.
--shard I/N (or $JBCHECK_SHARD, or a Kubernetes indexed Job's
$JOB_COMPLETION_INDEX with $JBCHECK_SHARDS) explores only part I of N of the
schedules — the same subtrees of the exploration in every run, pct's
schedules by index (with the --seed every shard is given) — and
` + "`jbcheck merge DIR...`" + ` adds the N reports up into the whole exploration's.
--max is then each shard's own bound (pct: the whole run's schedules).

Exit 0 when every schedule explored held, 1 on a violation, 2 on a usage or
environment error (or an internal error: never a verdict).`,
		run: runExplore,
	})
}

func runExplore(ctx context.Context, args []string) error {
	fs := newFlagSet("explore")
	variantName := fs.String("variant", "", "the variant (see `jbcheck variants`); this or --app")
	appPath := appFlag(fs)
	spec := fs.String("scenario", "", "what each client does; required")
	worldSpec := fs.String("world", "", "the world (default: from the scenario's names)")
	strategyText := fs.String("strategy", "exhaustive", "exhaustive, preempt=K or pct[=DEPTH]")
	maxRuns := fs.Int("max", 0, "stop after this many schedules (0: none; pct: 200)")
	seed := fs.Int64("seed", 0, "seed for pct (0: pick one and print it)")
	keepGoing := fs.Bool("keep-going", false, "explore past the first violation")
	noReduce := fs.Bool("no-reduce", false, "turn the reductions off (to compare counts)")
	audits := fs.Int("audits", 0, "mid-flight audits a schedule may take, each between two statements of a call (default: final audit only)")
	faultList := fs.String("faults", "", "faults to inject between steps, at every point: crash, kill, lose-reply (comma-separated)")
	maxFaults := fs.Int("max-faults", 1, "faults one schedule may inject, at most")
	parallel := fs.Int("parallel", schedule.DefaultLanes(), "explore this many subtrees at once, each on connections of its own")
	outDir := fs.String("out", "", "directory for the counterexample (default out/explore-VARIANT-TIME)")
	dsn := fs.String("dsn", "", "an existing server instead of the embedded one")
	asJSON := fs.Bool("json", false, "print the report as JSON (docs/json.md)")
	shardText := shardFlag(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if (*variantName == "" && *appPath == "") || *spec == "" {
		return fmt.Errorf("%w: explore needs --variant (or --app) and --scenario (run `jbcheck help explore`)", errUsage)
	}
	sc, err := model.ParseScenario(*spec, *worldSpec)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	t, err := loadTarget(*variantName, *appPath, &sc)
	if err != nil {
		return err
	}
	if t.app != nil {
		if *faultList != "" {
			return fmt.Errorf("%w: --faults with --app: an application's connections are the relay's, and faults are not scheduled on them", errUsage)
		}
		*parallel = 1 // one service: a statement is the one moving participant's
	}
	seedGiven := *seed != 0
	if *seed == 0 {
		*seed = rand.Int64N(1<<31) + 1
	}
	strategy, err := schedule.ParseStrategy(*strategyText, *seed)
	if err != nil {
		return fmt.Errorf("%w: --strategy: %v", errUsage, err)
	}
	sh, err := resolveShard(*shardText, seedGiven || strategy.Name != "pct")
	if err != nil {
		return err
	}
	if *parallel < 1 {
		return fmt.Errorf("%w: --parallel must be at least 1", errUsage)
	}
	if *audits < 0 {
		return fmt.Errorf("%w: --audits must be 0 or more", errUsage)
	}
	var faults []fault.Fault
	if *faultList != "" {
		if faults, err = fault.Parse(*faultList); err != nil {
			return fmt.Errorf("%w: --faults: %v", errUsage, err)
		}
		if *maxFaults < 1 {
			return fmt.Errorf("%w: --max-faults must be at least 1 with --faults", errUsage)
		}
		*parallel = 1 // a crash hits every lane's connections
	}
	writeSummary := *outDir != "" || sh.Sharded() // a report asked for, or a shard's to merge
	if *outDir == "" {
		*outDir = filepath.Join("out", fmt.Sprintf("explore-%s-%s", t.name(), time.Now().Format("20060102-150405")))
	}
	out, err := openOutput(*outDir)
	if err != nil {
		return err
	}
	defer closeOutput(out)
	execs, closeExecs, err := t.executors(ctx, *dsn, *parallel)
	if err != nil {
		return err
	}
	defer closeExecs()
	for _, exec := range execs {
		exec.Reduce = !*noReduce
		exec.Audits = *audits
		if err := exec.SetFaults(faults, *maxFaults); err != nil {
			return fmt.Errorf("%w: --faults: %v", errUsage, err)
		}
		exec.Command = commandLine("explore", args)
	}
	var progress func(int)
	if isTerminal(os.Stderr) {
		total := ""
		if *maxRuns > 0 {
			total = fmt.Sprintf(" of at most %d", *maxRuns)
		}
		progress = func(n int) { fmt.Fprintf(os.Stderr, "\r%d%s schedules ", n, total) }
	}
	rep, err := schedule.Explore(ctx, execs, sc, schedule.ExploreOptions{Strategy: strategy, Max: *maxRuns, KeepGoing: *keepGoing, Progress: progress, Shard: sh})
	if progress != nil {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return err
	}
	reductions := "on"
	if *noReduce {
		reductions = "off"
	}
	// What decides the schedules run: the shards of one exploration agree
	// on all of it (jbcheck merge checks).
	options := map[string]string{"world": sc.World.String(), "strategy": strategy.String(), "reductions": reductions,
		"audits": fmt.Sprint(*audits), "faults": *faultList, "max_faults": fmt.Sprint(*maxFaults), "max": fmt.Sprint(*maxRuns), "keep_going": fmt.Sprint(*keepGoing)}
	summary := rep.Summary(t.name(), sc, options, sh, versionLine())
	var ev histories.Files
	if rep.Violation != nil {
		if ev, err = schedule.WriteEvidence(*outDir, rep.Violation); err != nil {
			return err
		}
		for _, f := range []string{ev.History, ev.Transcript, ev.Picture} {
			if f != "" {
				summary.Violation.Files = append(summary.Violation.Files, filepath.Base(f))
			}
		}
	}
	if writeSummary {
		if err := report.WriteExploration(*outDir, summary); err != nil {
			return err
		}
	}
	if *asJSON {
		return exploreAsJSON(t.name(), sc, strategy.String(), *seed, !*noReduce, rep, ev, *keepGoing)
	}
	fmt.Printf("explore %s: %s\nworld: %s\nseed: %d%s\n", t.name(), sc, sc.World.String(), *seed, shardNote(sh))
	fmt.Printf("strategy %s, reductions %s, up to %d mid-flight audits: %d schedules (%d statements) in %.2fs, %.0f schedules/s, %.0f statements/s; %d distinct outcomes\n",
		strategy, reductions, *audits, rep.Explored, rep.Steps, rep.Elapsed.Seconds(), rep.SchedulesPerSecond(),
		float64(rep.Steps)/rep.Elapsed.Seconds(), len(rep.Outcomes))
	if !*noReduce {
		fmt.Println("(the raw count, without reductions: the same command with --no-reduce)")
	}
	if sh.Sharded() {
		fmt.Printf("(and %d schedules run to split the exploration, each counted by the shard that owns it)\n", rep.Uncounted)
	}
	if rep.Violation == nil {
		if rep.Complete {
			fmt.Printf("verdict%s: every schedule the strategy allows%s was run, and every guarantee held in each\n", shardNote(sh), map[bool]string{true: " (this shard's share)"}[sh.Sharded()])
		} else {
			fmt.Printf("verdict%s: every guarantee held in every schedule run (the strategy's space was not exhausted)\n", shardNote(sh))
		}
		if sh.Sharded() {
			fmt.Printf("shard %s of the exploration: `jbcheck merge` with every shard's --out directory adds them up\n", sh)
		}
		return nil
	}
	res := rep.Violation
	fmt.Printf("\nVIOLATED %s in schedule %v (%d preemptions): %s\n\n%s\n\n",
		guaranteeList(res.Verdict.Violated()), res.Choices, res.Preemptions(), res.Verdict.AnomalyNames(), strings.Join(res.Transcript, "\n"))
	printAnomalies(os.Stdout, res.Verdict)
	for _, f := range res.Verdict.Findings {
		fmt.Printf("%s %s: %s\n", f.Guarantee, f.Status, f.Detail)
	}
	fmt.Printf("\nhistory:    %s\ntranscript: %s\npicture:    %s\nreplay:     jbcheck replay %s%s\n", ev.History, ev.Transcript, ev.Picture, appArg(*appPath), ev.History)
	if *keepGoing {
		fmt.Printf("%d of %d schedules violated a guarantee\n", len(rep.Violating), rep.Explored)
	}
	return fmt.Errorf("%w: %s violated", errViolation, guaranteeList(res.Verdict.Violated()))
}
