package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/hunt"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shard"
)

func init() {
	register(command{
		name:    "hunt",
		summary: "search for a violation with nothing but the variant: drawn scenarios and schedules, stress, shrinking",
		usage: `jbcheck hunt --variant NAME [--budget D] [--seed S] [--out DIR] [--shard i/n]
               [--parallel N] [--dsn DSN]

Searches for a violation of the variant's guarantees with no scenario given:
first rounds of drawn scenarios and schedules (the schedule-mode property,
worlds and calls at their edges: docs/hunting.md), then stress runs with and
without faults (crash, kill, cancel, lose-reply; a bug only faults reveal
also draws a crash in its schedules) — the runs without faults fire a burst
every 10 ms, every client making the same kind of call on one hot row at
once, for races inside one statement that no schedule shows — then
shrinking. Two thirds of the
budget go to the drawn schedules, a third to stress; shrinking a violation
comes on top of it.

On a violation it prints the minimal counterexample (clients, calls,
schedule, transcript) and writes its history.jsonl, transcript.txt,
history.html and bug-report.md to DIR; it replays with jbcheck replay. When
nothing is found it prints what was searched — scenarios, schedules, stress
operations — and the race-coverage table: which race windows the search
reached, in how many runs (docs/hunting.md, "Race coverage").

With --shard i/n (or JBCHECK_SHARD) the rounds and stress runs are split:
shard i runs those numbered k with k mod n = i-1, so n shards search n
times as much in the same time.

Exit 0 when every guarantee held in everything searched, 1 on a violation,
2 on a usage or environment error.`,
		run: runHunt,
	})
}

func runHunt(ctx context.Context, args []string) error {
	fs := newFlagSet("hunt")
	variantName := fs.String("variant", "", "the variant (see `jbcheck variants`); required")
	budget := fs.Duration("budget", hunt.DefaultBudget, "search time, shrinking not included")
	seed := fs.Uint64("seed", 1, "the first round's seed: the same seed searches the same scenarios and schedules")
	outDir := fs.String("out", "", "directory for the counterexample (default out/hunt-VARIANT-TIME)")
	shardText := fs.String("shard", "", "i/n: this process's share of the rounds and stress runs (default: all, or JBCHECK_SHARD)")
	parallel := fs.Int("parallel", schedule.DefaultLanes(), "exploration lanes while shrinking")
	dsn := fs.String("dsn", "", "an existing server instead of the embedded one")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *variantName == "" {
		return fmt.Errorf("%w: hunt needs --variant (run `jbcheck variants` for the names)", errUsage)
	}
	v, err := protocol.Lookup(*variantName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *budget < time.Second {
		return fmt.Errorf("%w: --budget %s: give at least 1s (e.g. --budget 60s)", errUsage, *budget)
	}
	if *parallel < 1 {
		return fmt.Errorf("%w: --parallel must be at least 1", errUsage)
	}
	sh, err := shard.Resolve(*shardText, nil)
	if err != nil {
		return fmt.Errorf("%w: --shard: %v", errUsage, err)
	}
	if *seed == 0 {
		return fmt.Errorf("%w: --seed must be at least 1", errUsage)
	}
	if *outDir == "" {
		*outDir = filepath.Join("out", fmt.Sprintf("hunt-%s-%s", v.Info().Name, time.Now().Format("20060102-150405")))
	}
	out, err := openOutput(*outDir)
	if err != nil {
		return err
	}
	defer closeOutput(out)
	fmt.Printf("hunt %s: budget %s, seed %d%s\n", v.Info().Name, *budget, *seed, map[bool]string{true: ", shard " + sh.String()}[sh.Sharded()])
	server, err := startServer(ctx, *dsn)
	if err != nil {
		return err
	}
	defer stopServer(server)
	res, err := hunt.Run(ctx, hunt.Options{Server: server, Variant: v, Budget: *budget, Seed: *seed, Out: *outDir, Shard: sh,
		Log: os.Stdout, Lanes: *parallel, Command: commandLine("hunt", args)})
	if err != nil {
		return err
	}
	fmt.Printf("\nrace coverage (runs that reached each window, of %d):\n%s\n\n", res.Coverage.Runs, res.Coverage)
	c := res.Counterexample
	if c == nil {
		fmt.Println(res.Line())
		return nil
	}
	fmt.Println(res.Line())
	if c.Result != nil {
		fmt.Printf("\nworld: %s\nschedule: %v\n\n%s\n", c.Scenario.World.String(), c.Result.Choices, strings.Join(c.Result.Transcript, "\n"))
	}
	fmt.Printf("\nhistory:    %s\n", c.Files.History)
	if c.Files.Transcript != "" {
		fmt.Printf("transcript: %s\n", c.Files.Transcript)
	}
	fmt.Printf("picture:    %s\nbug report: %s\nreplay:     jbcheck replay %s\n", c.Files.Picture, c.BugReport, c.Files.History)
	return fmt.Errorf("%w: %s violated", errViolation, guaranteeList(c.Violated))
}
