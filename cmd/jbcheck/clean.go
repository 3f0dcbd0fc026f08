package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"jbcheck.dev/jbcheck/harness/postgres"
)

func init() {
	register(command{
		name:    "clean",
		summary: "drop the jbcheck_* databases that killed --dsn runs left on a server",
		usage: `jbcheck clean --dsn DSN [--older-than D] [--dry-run]

A run with --dsn works in a database of its own, jbcheck_<random>, and drops
it when it ends. A run killed outright (SIGKILL, a lost machine) cannot: its
database stays. Each such database carries a comment naming its run: host,
process id and start time. clean lists the jbcheck_* databases on the
server and drops those whose run is gone — a run on this host whose process
no longer exists, or, with --older-than, a run on any host started longer
ago than D. It keeps, and lists, every other one: a run still alive, a run
on another host (without --older-than), a database in use, and one without
a comment jbcheck wrote. It never forces a drop, and never touches a
database not named jbcheck_*.

Exit 0 when every database it decided to drop is dropped, 2 otherwise.`,
		run: runClean,
	})
}

func runClean(ctx context.Context, args []string) error {
	fs := newFlagSet("clean")
	dsn := fs.String("dsn", "", "the server to clean (its own database is only connected to)")
	olderThan := fs.Duration("older-than", 0, "also drop the databases of runs on other hosts started longer ago than this")
	dryRun := fs.Bool("dry-run", false, "list and decide, drop nothing")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *dsn == "" && os.Getenv("PGHOST") == "" {
		return fmt.Errorf("%w: clean needs --dsn (or PGHOST): the embedded cluster leaves nothing behind", errUsage)
	}
	if *olderThan < 0 {
		return fmt.Errorf("%w: --older-than %v: give a positive time, such as 24h", errUsage, *olderThan)
	}
	found, err := postgres.Clean(ctx, *dsn, postgres.CleanOptions{OlderThan: *olderThan, DryRun: *dryRun})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		fmt.Println("no jbcheck_* database on the server")
		return nil
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DATABASE\tRUN\tDONE\tWHY")
	failed := 0
	for _, l := range found {
		run, done := "-", "kept"
		if l.Marked {
			run = l.Owner.Host + " pid " + fmt.Sprint(l.Owner.PID) + " " + l.Owner.Started.Local().Format(time.DateTime)
		}
		switch {
		case l.Err != nil:
			done, l.Why = "KEPT", "dropping it failed: "+l.Err.Error()
			failed++
		case l.Gone && *dryRun:
			done = "would drop"
		case l.Gone:
			done = "dropped"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", l.Name, run, done, l.Why)
	}
	w.Flush()
	if failed > 0 {
		return fmt.Errorf("%d database(s) of runs that are gone could not be dropped (see above)", failed)
	}
	return nil
}
