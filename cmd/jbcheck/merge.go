package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"jbcheck.dev/jbcheck/harness/merge"
)

func init() {
	register(command{
		name:    "merge",
		summary: "combine the reports of the shards of one run (verify, explore, spec --explore) into its verdict",
		usage: `jbcheck merge [--out DIR] [--json] DIR...

Reads the report directories the shards of one run wrote — jbcheck verify
--shard I/N, jbcheck explore --shard I/N --out DIR, jbcheck spec --explore
--shard I/N --out DIR — and writes the report the unsharded run would have
written: its verdict, summary.json, junit.xml and index.html, into DIR
(default merged-report/). For a gate: every check of the run, in its order,
judged as verify judges them. For an exploration: the schedules, statements
and outcomes added up, the first violation with the files of the shard that
found it.

It first proves the directories are the shards of one run: reports of one
kind, with the same target, options, seed and jbcheck version, shards 1..N
of one N each exactly once, and for a gate every check of the run exactly
once. Anything else is refused, naming what differs or what is missing
(docs/scale-out.md).

Exit 0 when the merged run passes; 1 when it violated a guarantee (a bug
variant escaped, for a gate); 2 when the directories are not the shards of
one run, a shard was cut short or a check could not run.`,
		run: runMerge,
	})
}

func runMerge(_ context.Context, args []string) error {
	fs := newFlagSet("merge")
	out := fs.String("out", "merged-report", "the merged report's directory")
	asJSON := fs.Bool("json", false, "print the merged summary.json's content (docs/json.md)")
	dirs, err := parseFlags(fs, args, manyArgs)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return fmt.Errorf("%w: merge needs the shards' report directories: jbcheck merge [--out DIR] DIR... (run `jbcheck help merge`)", errUsage)
	}
	for _, d := range dirs {
		if filepath.Clean(d) == filepath.Clean(*out) {
			return fmt.Errorf("%w: --out %s is one of the shards' directories: name another", errUsage, *out)
		}
	}
	m, err := merge.Merge(dirs, *out)
	if errors.Is(err, merge.ErrMismatch) {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return err
	}
	dir, err := openOutput(*out)
	if err != nil {
		return err
	}
	defer closeOutput(dir)
	if err := m.Write(*out); err != nil {
		return err
	}
	if *asJSON {
		var v any = m.Exploration
		if m.Gate != nil {
			v = m.Gate
		}
		if err := printJSON(v); err != nil {
			return err
		}
	} else {
		if m.Gate != nil {
			printMatrix(*m.Gate)
			fmt.Println()
		}
		fmt.Printf("merged %d shards: %s/index.html (summary.json, junit.xml)\n%s\n", m.Shards, *out, paint(os.Stdout, m.Verdict(), m.Passed()))
	}
	if err := m.Err(); err != nil {
		return err
	}
	if !m.Passed() {
		return fmt.Errorf("%w: %s", errViolation, m.Verdict())
	}
	return nil
}
