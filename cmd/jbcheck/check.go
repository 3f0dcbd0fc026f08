package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"jbcheck.dev/jbcheck/histories"
)

func init() {
	register(command{
		name:    "check",
		summary: "check a history file offline: linearizability and invariants",
		usage: `jbcheck check [--check-timeout D] [--json] FILE|-

Reads a history (a .jsonl file written by jbcheck run, explore or shrink, or
standard input for -) one event at a time and checks it with porcupine
(linearizability, world by world, one segment between two barriers at a
time: memory bounded by the longest segment, time linear in the history's
length) and the invariants I1–I6 on its audits and barriers. Writes history.html
next to FILE when a guarantee is violated (not for standard input). Ctrl-C
stops the check at once (exit 130). Exit 0 when every guarantee held, 1 when
one was violated or could not be decided (a history with no world decides
nothing), 2 when FILE is not a readable history (the error names file:line)
or not a regular file.`,
		run: runCheck,
	})
}

func runCheck(ctx context.Context, args []string) error {
	fs := newFlagSet("check")
	timeout := fs.Duration("check-timeout", 30*time.Second, "porcupine's time limit per world; past it the world is `unknown`")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	positional, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return fmt.Errorf("%w: --check-timeout must be positive", errUsage)
	}
	path := positional[0]
	fmt.Fprintf(os.Stderr, "jbcheck: checking %s segment by segment (at most %v per segment of a world)\n", path, *timeout)
	v, truncated, err := checkHistory(ctx, path, histories.CheckOptions{Timeout: *timeout})
	if err != nil {
		return err
	}
	if truncated {
		fmt.Printf("note: the last line of %s was cut short and was ignored\n", path)
	}
	picture := ""
	if path != "-" {
		if picture, err = histories.WritePictureFile(histories.FilesOf(path).Picture, nil, v); err != nil {
			return err
		}
	}
	return finishVerdict(v, path, picture, *asJSON, nil)
}

// checkHistory checks the history at path, or on standard input for "-",
// reading it one event at a time, until ctx ends. It reports whether the
// last line was cut short.
func checkHistory(ctx context.Context, path string, opts histories.CheckOptions) (histories.Verdict, bool, error) {
	in, name := os.Stdin, "standard input"
	if path != "-" {
		f, err := histories.OpenFile(path)
		if err != nil {
			return histories.Verdict{}, false, err
		}
		defer f.Close()
		in, name = f, path
	}
	type checked struct {
		v         histories.Verdict
		truncated bool
		err       error
	}
	done := make(chan checked, 1)
	go func() {
		s, err := histories.Scan(in, name)
		if err != nil {
			done <- checked{err: err}
			return
		}
		v, err := histories.CheckScanner(ctx, s, opts)
		done <- checked{v, s.Truncated(), err}
	}()
	select {
	case c := <-done:
		return c.v, c.truncated, c.err
	case <-ctx.Done():
		return histories.Verdict{}, false, ctx.Err()
	}
}
