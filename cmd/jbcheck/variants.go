package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"jbcheck/harness/protocol"
)

func init() {
	register(command{
		name:    "variants",
		summary: "list the implementations of the protocol, correct and buggy",
		usage:   "jbcheck variants [--json]\n\nLists every registered variant with what it does and, for a bug variant, the guarantees it breaks.",
		run:     runVariants,
	})
}

func runVariants(_ context.Context, args []string) error {
	fs := newFlagSet("variants")
	asJSON := fs.Bool("json", false, "print JSON for machines")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	type row struct {
		Name    string   `json:"name"`
		Correct bool     `json:"correct"`
		Breaks  []string `json:"breaks,omitempty"`
		Summary string   `json:"summary"`
	}
	var rows []row
	for _, v := range protocol.All() {
		info := v.Info()
		r := row{Name: info.Name, Correct: info.Correct(), Summary: info.Summary}
		for _, g := range info.Breaks {
			r.Breaks = append(r.Breaks, string(g))
		}
		rows = append(rows, r)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VARIANT\tKIND\tBREAKS\tWHAT IT DOES")
	for _, r := range rows {
		kind, breaks := "correct", "-"
		if !r.Correct {
			kind, breaks = "bug", strings.Join(r.Breaks, ",")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Name, kind, breaks, r.Summary)
	}
	return w.Flush()
}

// newFlagSet makes a subcommand's flag set: errors are returned, not fatal,
// and the usage text is the command's own.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		for _, c := range commands {
			if c.name == name {
				fmt.Fprintln(fs.Output(), c.usage)
			}
		}
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and returns the positional arguments, checking
// their number.
// With wantArgs ≥ 0, flags may also come after the positional arguments
// (`jbcheck replay FILE --variant locking`); with wantArgs < 0 (any number),
// everything after the first positional argument, or after --, is positional,
// as `jbcheck stress -- CMD ARGS` needs.
func parseFlags(fs *flag.FlagSet, args []string, wantArgs int) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, errHelp
			}
			return nil, fmt.Errorf("%w: %s: %v (run `jbcheck help %s`)", errUsage, fs.Name(), err, fs.Name())
		}
		args = fs.Args()
		if wantArgs < 0 || len(args) == 0 {
			positional = append(positional, args...)
			break
		}
		positional, args = append(positional, args[0]), args[1:]
	}
	if wantArgs >= 0 && len(positional) != wantArgs {
		return nil, fmt.Errorf("%w: %s takes %d argument(s), got %d: %q (run `jbcheck help %s`)",
			errUsage, fs.Name(), wantArgs, len(positional), positional, fs.Name())
	}
	return positional, nil
}
