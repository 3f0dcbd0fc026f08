package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"jbcheck.dev/jbcheck/harness/protocol"
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
