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
standard input for -) and checks it with porcupine (linearizability, world
by world) and the invariants I1–I6 on its final audits. Writes history.html
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
	h, err := readHistory(ctx, path)
	if err != nil {
		return err
	}
	if h.Truncated {
		fmt.Printf("note: the last line of %s was cut short and was ignored\n", path)
	}
	fmt.Fprintf(os.Stderr, "jbcheck: checking %d events of %d worlds (at most %v per world)\n", len(h.Events)+len(h.Audits), len(h.Header.Worlds), *timeout)
	v, err := histories.CheckContext(ctx, h, histories.CheckOptions{Timeout: *timeout})
	if err != nil {
		return err
	}
	picture := ""
	if path != "-" {
		if picture, err = histories.WritePictureFile(histories.FilesOf(path).Picture, h, v); err != nil {
			return err
		}
	}
	return finishVerdict(v, path, picture, *asJSON, nil)
}

// readHistory reads the history at path, or on standard input for "-",
// until ctx ends.
func readHistory(ctx context.Context, path string) (*histories.History, error) {
	if path != "-" {
		return histories.ReadFile(path)
	}
	type read struct {
		h   *histories.History
		err error
	}
	done := make(chan read, 1)
	go func() {
		h, err := histories.Read(os.Stdin, "standard input")
		done <- read{h, err}
	}()
	select {
	case r := <-done:
		return r.h, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
