package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/harness/mutate"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/verify"
)

func init() {
	register(command{
		name:    "matrix",
		summary: "tabulate which guarantees every variant keeps at READ COMMITTED, REPEATABLE READ and SERIALIZABLE",
		usage: `jbcheck matrix [--update FILE] [--variants A,B] [--parallel N] [--jobs N] [--dsn DSN]

Runs every variant, correct and bug, with every transaction forced to READ
COMMITTED, then REPEATABLE READ, then SERIALIZABLE (its sessions' default
and every BEGIN that names a level), over the standard scenarios without
faults, every schedule explored, and tabulates the guarantees some schedule
violated at each level — the way Hermitage tabulates anomalies per
database — and whether a stricter level alone fixes a bug or it needs code.

It prints the table in Markdown. With --update FILE it rewrites the part of
FILE between the lines <!-- matrix:begin --> and <!-- matrix:end -->
instead: make docs runs it on docs/guarantees.md.

Exit 0 when the table was made, 2 on a usage or environment error.`,
		run: runMatrix,
	})
}

func runMatrix(ctx context.Context, args []string) error {
	fs := newFlagSet("matrix")
	update := fs.String("update", "", "a Markdown file whose matrix section to rewrite (default: print the table)")
	names := fs.String("variants", "", "comma-separated variants (default: every variant)")
	parallel := fs.Int("parallel", runtime.NumCPU(), "exploration lanes of each variant")
	jobs := fs.Int("jobs", 4, "cells (a variant at a level) explored at once: each mostly waits for the server")
	dsn := fs.String("dsn", "", "an existing server instead of the embedded one")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *parallel < 1 || *jobs < 1 {
		return fmt.Errorf("%w: --parallel and --jobs must be at least 1", errUsage)
	}
	variants := protocol.All()
	if *names != "" {
		variants = nil
		for _, n := range strings.Split(*names, ",") {
			v, err := protocol.Lookup(strings.TrimSpace(n))
			if err != nil {
				return fmt.Errorf("%w: --variants: %v", errUsage, err)
			}
			variants = append(variants, v)
		}
	}
	var doc string
	if *update != "" {
		b, err := os.ReadFile(*update)
		if err != nil {
			return fmt.Errorf("%w: --update: %v", errUsage, err)
		}
		doc = string(b)
		if _, err := mutate.ReplaceSection(doc, ""); err != nil {
			return fmt.Errorf("%w: --update %s: %v", errUsage, *update, err)
		}
	}
	server, err := startServer(ctx, *dsn)
	if err != nil {
		return err
	}
	defer stopServer(server)
	start := time.Now()
	rows, err := mutate.Matrix(ctx, server, variants, verify.MatrixScenarios, *parallel, *jobs, func(c mutate.Cell) {
		fmt.Fprintf(os.Stderr, "matrix: %s at %s (%.0f s)\n", c.Variant, c.Level, time.Since(start).Seconds())
	})
	if err != nil {
		return err
	}
	section := mutate.MatrixSection(rows)
	if *update == "" {
		fmt.Print(section)
		return nil
	}
	out, err := mutate.ReplaceSection(doc, section)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*update, []byte(out), 0o644); err != nil {
		return err
	}
	fmt.Printf("matrix: %s rewritten (%d variants × %d levels, %.0f s)\n", *update, len(variants), len(mutate.Levels), time.Since(start).Seconds())
	return nil
}
