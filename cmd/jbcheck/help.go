package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
)

func init() {
	register(command{
		name:    "help",
		summary: "show the commands, or one command's usage",
		usage:   "jbcheck help [COMMAND]\n\nPrints the commands, or COMMAND's usage and every flag with its default\n(the same text as `jbcheck COMMAND --help`).",
		run:     runHelp,
	})
}

func runHelp(ctx context.Context, args []string) error {
	if len(args) == 0 || slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]) {
		printHelp()
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			// The command's own flag set prints its help: the same text as
			// `jbcheck CMD --help`.
			return c.run(ctx, []string{"--help"})
		}
	}
	return fmt.Errorf("%w: no command %q: run `jbcheck help` for the list", errUsage, args[0])
}

func printHelp() {
	var b strings.Builder
	b.WriteString("jbcheck checks the join and balance protocol against a real PostgreSQL.\n\nUsage: jbcheck COMMAND [ARGS]\n\nCommands:\n")
	sorted := slices.SortedFunc(slices.Values(commands), func(a, b command) int { return strings.Compare(a.name, b.name) })
	for _, c := range sorted {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun `jbcheck help COMMAND` (or `jbcheck COMMAND --help`) for a command's flags; `jbcheck --version` for the version.\n" +
		"Exit status: 0 every guarantee held, 1 a violation or an undecided check, 2 a usage or environment error,\n" +
		"130 or 143 interrupted (SIGINT, SIGTERM): an interrupted command never passes.\n" +
		"A --dsn password belongs in PGPASSWORD, ~/.pgpass or PGPASSFILE, not on the command line (docs/security.md).\n")
	fmt.Fprint(os.Stdout, b.String())
}
