package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// interruption is the cause of the context a signal cancels.
type interruption struct{ sig syscall.Signal }

func (i interruption) Error() string { return "interrupted by " + signalName(i.sig) }

// status is the exit status of a command a signal interrupted: 128 plus the
// signal's number, as a shell reports it (130 for SIGINT, 143 for SIGTERM).
func (i interruption) status() int { return 128 + int(i.sig) }

func signalName(sig syscall.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// onSignals returns a context that the first SIGINT or SIGTERM cancels,
// with an interruption as its cause: commands stop at the next operation
// and keep what they recorded. A second signal ends the process at once.
func onSignals() context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		first := interruption{(<-signals).(syscall.Signal)}
		cancel(first)
		fmt.Fprintf(os.Stderr, "\njbcheck: %v: stopping and keeping what was recorded (signal again to exit at once)\n", first)
		<-signals
		fmt.Fprintf(os.Stderr, "jbcheck: interrupted again: exiting now; an embedded cluster is removed by its janitor, "+
			"a --dsn run's jbcheck_* database stays until `jbcheck clean --dsn DSN`\n")
		os.Exit(first.status())
	}()
	return ctx
}

// interrupted reports whether a signal cancelled ctx, and the exit status
// that says so. An interrupted command never passes, whatever it found.
func interrupted(ctx context.Context) (interruption, bool) {
	var i interruption
	return i, errors.As(context.Cause(ctx), &i)
}

// exitInterrupted prints the command's own error, unless it is only the
// cancellation, and says the command was interrupted.
func exitInterrupted(i interruption, err error) int {
	if err != nil && !errors.Is(err, context.Canceled) {
		exitStatus(err) // prints it
	}
	fmt.Fprintf(os.Stderr, "jbcheck: interrupted (%s): not a pass; the files written so far are kept (exit %d)\n", signalName(i.sig), i.status())
	return i.status()
}
