package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"jbcheck.dev/jbcheck/harness/mutate"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/harness/verify"
)

func init() {
	register(command{
		name:    "mutate",
		summary: "derive SQL mutants of the correct variants and check that the search kills each one",
		usage: `jbcheck mutate [--variant NAME] [--budget-per-mutant D] [--seed S] [--shard i/n]
               [--out DIR] [--json] [--parallel N] [--dsn DSN]

Derives bug variants from the correct ones mechanically: it records every
statement and transaction a variant sends on a tour of its operations and
applies one operator at one site per mutant — drop a FOR UPDATE / FOR SHARE,
lower a transaction's isolation level one step (or the sessions'), split a
transaction into autocommit statements, drop a guard predicate (AND balance
>= $n, [NOT] EXISTS (…)), drop an ON CONFLICT clause, drop a unique index
or primary key (docs/guarantees.md, "Mutants").

Each mutant is explored over the standard scenarios (exhaustively for a
synchronous variant) and then hunted (jbcheck hunt's search) for
--budget-per-mutant: a violation kills it. A mutant nothing kills is
equivalent when every scenario's outcomes are the original's, explored
completely on both sides; otherwise it survived: a gap in the search,
printed with its mutation.

It prints one row per mutant, the counts and the mutation score (killed /
(mutants - equivalent)), each equivalence's proof and each survivor, and
writes mutate.json to DIR. With --shard i/n (or JBCHECK_SHARD) it judges
the mutants numbered k (over every variant, in enumeration order) with
k mod n = i-1.

Exit 0 when no mutant survived, 1 when one did, 2 on a usage or
environment error.`,
		run: runMutate,
	})
}

func runMutate(ctx context.Context, args []string) error {
	fs := newFlagSet("mutate")
	variantName := fs.String("variant", "", "one correct variant to mutate (default: every correct variant)")
	budget := fs.Duration("budget-per-mutant", 10*time.Second, "hunt time per mutant the standard scenarios did not kill (0: no hunt)")
	seed := fs.Uint64("seed", 1, "the hunts' first seed")
	outDir := fs.String("out", "", "directory for mutate.json and the hunts' counterexamples (default out/mutate-TIME)")
	shardText := fs.String("shard", "", "i/n: this process's share of the mutants (default: all, or JBCHECK_SHARD)")
	asJSON := fs.Bool("json", false, "print mutate.json's content on standard output; the progress goes to standard error")
	parallel := fs.Int("parallel", schedule.DefaultLanes(), "exploration lanes")
	dsn := fs.String("dsn", "", "an existing server instead of the embedded one")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	var variants []protocol.Variant
	for _, v := range protocol.All() {
		if v.Info().Correct() && (*variantName == "" || v.Info().Name == *variantName) {
			variants = append(variants, v)
		}
	}
	if len(variants) == 0 {
		if _, err := protocol.Lookup(*variantName); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return fmt.Errorf("%w: --variant %s is a bug variant: mutate derives bugs from a correct one (see `jbcheck variants`)", errUsage, *variantName)
	}
	if *budget < 0 || *parallel < 1 || *seed == 0 {
		return fmt.Errorf("%w: --budget-per-mutant must be ≥ 0, --parallel and --seed at least 1", errUsage)
	}
	sh, err := shard.Resolve(*shardText, nil)
	if err != nil {
		return fmt.Errorf("%w: --shard: %v", errUsage, err)
	}
	if *outDir == "" {
		*outDir = filepath.Join("out", "mutate-"+time.Now().Format("20060102-150405"))
	}
	out, err := openOutput(*outDir)
	if err != nil {
		return err
	}
	defer closeOutput(out)
	var log io.Writer = os.Stdout
	if *asJSON {
		log = os.Stderr
	}
	fmt.Fprintf(log, "mutate: %d variants, hunt %s per mutant%s\n", len(variants), *budget, map[bool]string{true: ", shard " + sh.String()}[sh.Sharded()])
	server, err := startServer(ctx, *dsn)
	if err != nil {
		return err
	}
	defer stopServer(server)
	o := mutate.Options{Server: server, Variants: variants, Scenarios: verify.MutationScenarios, Budget: *budget, Shard: sh, Lanes: *parallel, Log: log}
	if *budget > 0 {
		o.Hunt = mutate.Hunt(server, *seed, *parallel, *outDir)
	}
	rep, err := mutate.Run(ctx, o)
	if err != nil {
		return err
	}
	path, err := rep.Write(*outDir)
	if err != nil {
		return err
	}
	if *asJSON {
		err = printJSON(rep)
	} else {
		fmt.Println()
		err = rep.WriteTable(os.Stdout)
		fmt.Printf("\nreport: %s\n", path)
	}
	if err != nil {
		return err
	}
	if n := len(rep.Gaps()); n > 0 {
		return fmt.Errorf("%w: %d mutants survived: gaps in the search (listed above)", errViolation, n)
	}
	return nil
}
