package mutate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"jbcheck.dev/jbcheck/model"
)

// ReportSchema names the report's JSON format.
const ReportSchema = "jbcheck-mutate/1"

// Report is a mutation run's verdicts.
type Report struct {
	Schema     string    `json:"schema"`
	Started    time.Time `json:"started"`
	Seconds    float64   `json:"seconds"`
	Shard      string    `json:"shard,omitempty"`
	Mutants    []Result  `json:"mutants"`
	Killed     int       `json:"killed"`
	Survived   int       `json:"survived"`
	Equivalent int       `json:"equivalent"`
	// Score is killed / (mutants − equivalent); 1 with no mutant left.
	Score float64 `json:"score"`
}

func (r *Report) add(res Result) {
	r.Mutants = append(r.Mutants, res)
	switch res.Verdict {
	case Killed:
		r.Killed++
	case Survived:
		r.Survived++
	case Equivalent:
		r.Equivalent++
	}
	r.Score = 1
	if n := len(r.Mutants) - r.Equivalent; n > 0 {
		r.Score = float64(r.Killed) / float64(n)
	}
}

// Gaps are the survivors: mutants no search killed that are not
// equivalent.
func (r Report) Gaps() []Result {
	var out []Result
	for _, m := range r.Mutants {
		if m.Verdict == Survived {
			out = append(out, m)
		}
	}
	return out
}

// Line is a mutant's verdict on one line.
func (r Result) Line() string {
	s := fmt.Sprintf("%-10s %s (%.1f s)", r.Verdict, r.Mutation, r.Seconds)
	if r.Verdict == Killed {
		s += fmt.Sprintf(" — by %s: %s violated", r.By, codes(r.Violated))
	}
	return s
}

// WriteTable prints one row per mutant, then the counts and the score,
// then every survivor with its mutation and why it is not equivalent.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tOPERATOR\tWHERE\tVERDICT\tBY\tSECONDS")
	for _, m := range r.Mutants {
		by := m.By
		if m.Verdict == Killed {
			by += " " + codes(m.Violated)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f\n", m.Name(), m.Operator, m.Op, m.Verdict, strings.TrimSpace(by), m.Seconds)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d mutants: %d killed, %d survived, %d equivalent; mutation score %.1f%% (killed / (mutants − equivalent)) in %.0f s\n",
		len(r.Mutants), r.Killed, r.Survived, r.Equivalent, 100*r.Score, r.Seconds)
	for _, m := range r.Mutants {
		if m.Verdict == Equivalent {
			fmt.Fprintf(w, "equivalent %s\n  proof: %s\n", m.Mutation, m.Detail)
		}
	}
	for _, m := range r.Gaps() {
		fmt.Fprintf(w, "SURVIVED   %s\n  %s\n", m.Mutation, m.Detail)
	}
	return nil
}

// Write writes the report as mutate.json into dir.
func (r Report) Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "mutate.json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// codes lists guarantees by their codes: L,I2.
func codes(gs []model.Guarantee) string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = string(g)
	}
	return strings.Join(out, ",")
}
