package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// verdictJSON is the machine-readable verdict of run and check.
type verdictJSON struct {
	Schema   int                                  `json:"schema"`
	History  string                               `json:"history"`
	Picture  string                               `json:"picture,omitempty"`
	Passed   bool                                 `json:"passed"`
	Statuses map[model.Guarantee]histories.Status `json:"statuses"`
	Findings []histories.Finding                  `json:"findings,omitempty"`
	// Anomalies names what went wrong in each violating world.
	Anomalies []histories.Anomaly `json:"anomalies,omitempty"`
	Summary   any                 `json:"summary,omitempty"`
}

// maxFindingsShown keeps the terminal readable; --json has them all.
const maxFindingsShown = 10

// printVerdict writes one line per guarantee and the findings.
func printVerdict(out io.Writer, v histories.Verdict, picture string) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, g := range model.Guarantees {
		fmt.Fprintf(w, "%s\t%s\t%s\n", string(g), g.Title(), v.Status(g))
	}
	w.Flush()
	printAnomalies(out, v)
	// Each finding once: every audit that sees the same broken invariant
	// finds it again.
	seen, shown := map[string]bool{}, 0
	for _, f := range v.Findings {
		key := fmt.Sprint(f.Guarantee, f.Status, f.World, f.Detail)
		if seen[key] {
			continue
		}
		seen[key] = true
		if shown < maxFindingsShown {
			fmt.Fprintf(out, "%s %s in world %d: %s\n", f.Guarantee, f.Status, f.World, f.Detail)
		}
		shown++
	}
	if shown > maxFindingsShown {
		fmt.Fprintf(out, "… and %d more findings (--json lists them all)\n", shown-maxFindingsShown)
	}
	if picture != "" {
		fmt.Fprintf(out, "picture: %s\n", picture)
	}
	switch {
	case v.Passed():
		fmt.Fprintln(out, "verdict: every guarantee held")
	case len(v.Violated()) > 0:
		fmt.Fprintf(out, "verdict: VIOLATED %s: %s\n", guaranteeList(v.Violated()), v.AnomalyNames())
	default:
		fmt.Fprintln(out, "verdict: UNKNOWN: some guarantee could not be decided")
	}
}

// finishVerdict prints the verdict (text or JSON) and returns errViolation
// unless every guarantee held.
func finishVerdict(v histories.Verdict, historyPath, picture string, asJSON bool, summary any) error {
	if asJSON {
		if err := printJSON(verdictJSON{Schema: jsonSchema, History: historyPath, Picture: picture, Passed: v.Passed(),
			Statuses: v.Statuses, Findings: v.Findings, Anomalies: v.Anomalies, Summary: summary}); err != nil {
			return err
		}
	} else {
		printVerdict(os.Stdout, v, picture)
	}
	switch {
	case len(v.Violated()) > 0:
		return fmt.Errorf("%w: %s violated", errViolation, guaranteeList(v.Violated()))
	case !v.Passed():
		return fmt.Errorf("%w: a guarantee could not be decided", errViolation)
	}
	return nil
}

// guaranteeList writes guarantees as "L, I1 (linearizability, unique membership)".
func guaranteeList(gs []model.Guarantee) string {
	codes, titles := make([]string, len(gs)), make([]string, len(gs))
	for i, g := range gs {
		codes[i], titles[i] = string(g), g.Title()
	}
	return strings.Join(codes, ", ") + " (" + strings.Join(titles, ", ") + ")"
}

// parseHistoryArg parses the flags of a command that takes one history file
// and reads it.
func parseHistoryArg(fs *flag.FlagSet, args []string) (string, *histories.History, error) {
	positional, err := parseFlags(fs, args, 1)
	if err != nil {
		return "", nil, err
	}
	h, err := histories.ReadFile(positional[0])
	return positional[0], h, err
}

// maxAnomaliesShown: one anomaly of each name is printed with its calls, up
// to this many; --json has every world's.
const maxAnomaliesShown = 4

// printAnomalies names what went wrong, first of all: the first world of
// each anomaly, its story and the calls involved.
func printAnomalies(out io.Writer, v histories.Verdict) {
	shown := map[string]bool{}
	for _, a := range v.Anomalies {
		if shown[a.Name] || len(shown) == maxAnomaliesShown {
			continue
		}
		shown[a.Name] = true
		fmt.Fprintf(out, "anomaly in world %d: %s\n", a.World, a)
		for _, c := range a.Calls {
			fmt.Fprintf(out, "  %s\n", c)
		}
	}
	if n := len(v.Anomalies) - len(shown); n > 0 {
		fmt.Fprintf(out, "(%d more %s with an anomaly: --json lists them all)\n", n, pluralOf(n, "world", "worlds"))
	}
}

func pluralOf(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
