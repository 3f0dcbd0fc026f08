package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
)

func init() {
	register(command{
		name:    "report",
		summary: "write a Markdown bug report for a failing history",
		usage: `jbcheck report [--out DIR] FILE

Writes a bug report for the history FILE, in Markdown to paste into a bug
tracker, at most about 80 lines: the anomaly (lost update (P4), duplicate
insert, …) and its one-line story first; expected vs actual for each broken
value, with the arithmetic; the findings; the calls of the anomaly as a
table; the final audit; the transcript, every statement's SQL whole (read
from beside FILE: transcript.txt next to history.jsonl, or X.transcript.txt
next to X.jsonl); the picture's file name (written beside FILE if it is
missing) and the shortest command that reproduces it from a fresh clone.
Works offline: no database needed.

Exit 0 when the report was written, 2 on a usage error.`,
		run: runReport,
	})
}

func runReport(ctx context.Context, args []string) error {
	fs := newFlagSet("report")
	out := fs.String("out", "", "directory to write bug-report.md into, instead of standard output")
	path, h, err := parseHistoryArg(fs, args)
	if err != nil {
		return err
	}
	c, err := counterexample(ctx, path, h)
	if err != nil {
		return err
	}
	var w io.Writer = os.Stdout
	if *out != "" {
		// --out is a directory, as for every command.
		dir, err := openOutput(*out)
		if err != nil {
			return err
		}
		defer closeOutput(dir)
		*out = filepath.Join(*out, "bug-report.md")
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := report.BugReport(w, c); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(os.Stderr, "report: %s\n", *out)
	}
	return nil
}

// counterexample gathers a history's verdict and the files beside it; it
// writes the picture if it is missing.
func counterexample(ctx context.Context, path string, h *histories.History) (report.Counterexample, error) {
	files := histories.FilesOf(path)
	verdict, err := histories.CheckContext(ctx, h, histories.CheckOptions{})
	if err != nil {
		return report.Counterexample{}, err
	}
	c := report.Counterexample{History: h, Verdict: verdict, Files: files}
	if v, err := protocol.Lookup(h.Header.Variant); err == nil {
		c.VariantSummary = v.Info().Summary
	}
	switch text, err := os.ReadFile(files.Transcript); {
	case err == nil:
		c.Transcript = strings.Split(strings.TrimRight(string(text), "\n"), "\n")
	case !errors.Is(err, os.ErrNotExist):
		return c, err
	}
	if _, err := os.Stat(files.Picture); err == nil && len(c.Verdict.ViolatingWorlds()) > 0 {
		return c, nil
	}
	c.Files.Picture, err = histories.WritePictureFile(files.Picture, h, c.Verdict)
	return c, err
}
