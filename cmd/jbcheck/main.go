// Command jbcheck checks the join and balance protocol against a real
// PostgreSQL server: it drives concurrent operations, records them as a
// history, and checks the history for linearizability and invariants.
//
// Each subcommand lives in its own file and has a Run(ctx, args) error and a
// usage text. Exit status: 0 every guarantee held, 1 a violation (or a check
// that could not decide), 2 a usage or environment error, 130 or 143
// interrupted by SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"jbcheck.dev/jbcheck/harness/redact"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the full usage text, flags included
	run     func(ctx context.Context, args []string) error
}

// commands is filled by each subcommand's file, in its init.
var commands []command

func register(c command) { commands = append(commands, c) }

// Errors that choose the exit status.
var (
	// errViolation: a check did not pass — a guarantee was violated or could
	// not be decided, or a command under `stress` failed (exit 1).
	errViolation = errors.New("check failed")
	// errUsage: the command line was wrong (exit 2).
	errUsage = errors.New("usage")
	// errHelp: -h or --help asked for the usage text, which was printed on
	// standard output (exit 0).
	errHelp = errors.New("help requested")
)

func main() {
	// Ctrl-C cancels the context: runs stop at the next operation, histories
	// stay complete up to it, and the embedded cluster is shut down.
	ctx := onSignals()
	warnPassword(os.Args[1:])
	err := dispatch(ctx, os.Args[1:])
	if i, ok := interrupted(ctx); ok {
		os.Exit(exitInterrupted(i, err))
	}
	os.Exit(exitStatus(err))
}

func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		printHelp()
		return errUsage
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:])
		}
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printHelp()
		return nil
	case "-version", "--version":
		return runVersion(ctx, args[1:])
	}
	return fmt.Errorf("%w: unknown command %q: run `jbcheck help` for the list", errUsage, args[0])
}

func exitStatus(err error) int {
	switch {
	case err == nil, err == errHelp:
		return 0
	case errors.Is(err, errViolation):
		fmt.Fprintln(os.Stderr, "jbcheck:", redact.String(err.Error()))
		return 1
	case errors.Is(err, errUsage) && err == errUsage:
		return 2 // the usage text was printed already
	default:
		fmt.Fprintln(os.Stderr, "jbcheck:", redact.String(err.Error()))
		return 2
	}
}

// commandLine is the command line that ran subcommand name with args, as
// recorded in a history's header: passwords masked.
func commandLine(name string, args []string) string {
	return redact.Command(append([]string{"jbcheck", name}, args...))
}

// warnPassword warns when a password is on the command line, where any
// local user can read it (ps, /proc/PID/cmdline) while jbcheck runs.
func warnPassword(args []string) {
	if !slices.Equal(redact.Args(args), args) {
		fmt.Fprintln(os.Stderr, "jbcheck: warning: a password is on the command line, where other local users can read it (ps);\n"+
			"         jbcheck never writes or prints it, but give it with PGPASSWORD, ~/.pgpass or PGPASSFILE instead (docs/security.md)")
	}
}
