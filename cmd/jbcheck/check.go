package main

import (
	"context"
	"fmt"
	"time"

	"jbcheck/histories"
)

func init() {
	register(command{
		name:    "check",
		summary: "check a history file offline: linearizability and invariants",
		usage: `jbcheck check [--check-timeout D] [--json] FILE

Reads a history (a .jsonl file written by jbcheck run, explore or shrink) and
checks it with porcupine (linearizability, world by world) and the invariants
I1–I6 on its final audits. Writes history.html next to FILE when a guarantee
is violated. Exit 0 when every guarantee held, 1 when one was violated or
could not be decided, 2 when FILE is not a readable history (the error names
file:line).`,
		run: runCheck,
	})
}

func runCheck(_ context.Context, args []string) error {
	fs := newFlagSet("check")
	timeout := fs.Duration("check-timeout", 30*time.Second, "porcupine's time limit per world; past it the world is `unknown`")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	path, h, err := parseHistoryArg(fs, args)
	if err != nil {
		return err
	}
	if h.Truncated {
		fmt.Printf("note: the last line of %s was cut short and was ignored\n", path)
	}
	v := histories.Check(h, histories.CheckOptions{Timeout: *timeout})
	picture, err := histories.WritePictureFile(histories.FilesOf(path).Picture, h, v)
	if err != nil {
		return err
	}
	return finishVerdict(v, path, picture, *asJSON, nil)
}
