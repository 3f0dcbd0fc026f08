package report

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"jbcheck/histories"
	"jbcheck/model"
)

// Counterexample is a failing history and the files beside it.
type Counterexample struct {
	History    *histories.History
	Verdict    histories.Verdict
	Files      histories.Files // paths as the report should show them
	Transcript []string        // nil when there is none (stress mode)
	// VariantSummary is one sentence on the variant, when the caller knows
	// it: this package reads files only, it links no variant.
	VariantSummary string
}

// BugReport writes a Markdown bug report for c: the guarantee violated, the
// variant, the minimal history as a table, the final audit, the transcript,
// the picture's file name and the one command that reproduces it.
func BugReport(w io.Writer, c Counterexample) error {
	h, v := c.History, c.Verdict
	p := &printer{w: w}
	violated := v.Violated()
	title := "no guarantee violated"
	if len(violated) > 0 {
		title = guarantees(violated) + " violated"
	}
	p.f("# %s: %s\n\n", h.Header.Variant, title)
	p.f("| | |\n|---|---|\n")
	summary := ""
	if c.VariantSummary != "" {
		summary = " — " + c.VariantSummary
	}
	p.f("| variant | `%s`%s |\n", h.Header.Variant, summary)
	p.f("| mode | %s |\n", h.Header.Mode)
	var sc histories.ScenarioHeader
	if h.Header.Mode == histories.ModeSchedule {
		if s, rec, err := histories.ScenarioOf(h, c.Files.History); err == nil {
			sc = rec
			p.f("| scenario | `%s` |\n| world | `%s` |\n| schedule | `%v` |\n", s, s.World.String(), h.Header.Schedule)
		}
	}
	if h.Header.Postgres != "" {
		p.f("| PostgreSQL | %s |\n", h.Header.Postgres)
	}
	p.f("| recorded | %s |\n", h.Header.Started.Format("2006-01-02 15:04:05 MST"))
	p.f("| history | `%s` |\n\n", filepath.Base(c.Files.History))

	p.f("## What went wrong\n\n")
	for _, f := range v.Findings {
		p.f("- **%s %s** in world %d: %s\n", f.Guarantee, f.Status, f.World, f.Detail)
	}
	if len(v.Findings) == 0 {
		p.f("Every guarantee held: this history is not a counterexample.\n")
	}

	p.f("\n## The history\n\n")
	p.f("Times are %s. A call is concurrent with every call whose interval overlaps its own.\n\n", timeUnit(h.Header.Mode))
	p.f("| call | client | invoked | answered | operation | answer |\n|---|---|---|---|---|---|\n")
	for i, row := range rows(h) {
		p.f("| %d | c%d | %d | %s | `%s` | %s |\n", i+1, row.client, row.invoked, row.answered, row.in, row.answer)
	}
	for _, a := range h.Audits {
		if a.Snapshot == nil {
			continue
		}
		p.f("\nFinal audit of world %d (quiescent: %v): %s\n", a.World, a.Quiescent != nil && *a.Quiescent, a.Snapshot.State().Describe())
	}

	if c.Transcript != nil {
		p.f("\n## Transcript\n\nEvery SQL statement, in the order the scheduler let them run:\n\n```\n%s\n```\n", strings.Join(c.Transcript, "\n"))
	}
	if c.Files.Picture != "" {
		p.f("\n## Picture\n\n`%s`: open it in a browser; the operations of the violating world on a time line, the ones porcupine could not linearize marked.\n", filepath.Base(c.Files.Picture))
	}
	p.f("\n## Reproduce\n\n```\n%s\n```\n", reproduce(h, c.Files.History, sc))
	return p.err
}

// reproduce is the one command that shows the failure again.
func reproduce(h *histories.History, path string, sc histories.ScenarioHeader) string {
	if h.Header.Mode == histories.ModeSchedule {
		return "jbcheck replay " + path + "\n# the same scenario and schedule on a fresh database: the same answers, the same violation"
	}
	return "jbcheck shrink " + path + "\n# cuts the smallest schedule-mode scenario that still fails out of this history, and writes it for jbcheck replay"
}

func timeUnit(mode string) string {
	if mode == histories.ModeSchedule {
		return "the scheduler's logical clock (a call starts at 3k when its first statement, step k of the transcript, is granted; answers in the pause after step k get 3k+1, audits 3k+2)"
	}
	return "nanoseconds since the run started"
}

func guarantees(gs []model.Guarantee) string {
	s := make([]string, len(gs))
	for i, g := range gs {
		s[i] = g.String()
	}
	return strings.Join(s, ", ")
}

// row is one call: its invoke and its completion.
type row struct {
	client           int
	invoked          int64
	answered, answer string
	in               model.Input
}

// rows pairs each invoke with its client's next completion, in invoke order.
func rows(h *histories.History) []row {
	var out []row
	open := map[int]int{} // client → index in out of its call in flight
	for _, e := range h.Events {
		if e.Type == histories.Invoke {
			open[e.Client] = len(out)
			out = append(out, row{client: e.Client, invoked: e.Time, answered: "—", answer: "never answered (unknown)", in: *e.Input})
			continue
		}
		i, ok := open[e.Client]
		if !ok {
			continue
		}
		delete(open, e.Client)
		out[i].answered = fmt.Sprint(e.Time)
		switch e.Type {
		case histories.OK:
			out[i].answer = e.Output.String()
		case histories.Fail:
			out[i].answer = "failed, no effect: " + e.Error
		default:
			out[i].answer = "unknown whether it happened: " + e.Error
		}
	}
	for i := range out {
		out[i].in.World = 0
	}
	slices.SortStableFunc(out, func(a, b row) int { return cmp.Or(cmp.Compare(a.invoked, b.invoked), cmp.Compare(a.client, b.client)) })
	return out
}

// printer keeps the first write error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}
