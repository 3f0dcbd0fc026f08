package report

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
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

// The report's budget: a reader gets through it in a minute. Lists past
// these lengths end with a line saying how many more there are and where.
const (
	maxFindings   = 6
	maxRows       = 12
	maxTranscript = 24
	maxLines      = 80 // the whole report
	maxExpected   = 8
)

// BugReport writes a Markdown bug report for c, at most about 80 lines: the
// anomaly and its story first, then expected vs actual with the
// arithmetic, the findings, the calls of the violating world as a table,
// its final audit, the transcript (every statement's SQL whole), the
// picture's file name and the shortest command that reproduces it.
func BugReport(w io.Writer, c Counterexample) error {
	h, v := c.History, c.Verdict
	p := &printer{w: w}
	violated := v.Violated()
	title := "no guarantee violated"
	switch {
	case len(v.Anomalies) > 0:
		title = v.AnomalyNames()
	case len(violated) > 0:
		title = guarantees(violated) + " violated"
	}
	p.f("# %s: %s\n\n", h.Header.Variant, title)
	if len(v.Anomalies) > 0 {
		p.f("**%s**\n\n", v.Headline())
	}
	p.f("| | |\n|---|---|\n")
	summary := ""
	if c.VariantSummary != "" {
		summary = " — " + c.VariantSummary
	}
	p.f("| variant | `%s`%s |\n", h.Header.Variant, summary)
	if len(violated) > 0 {
		p.f("| violated | %s |\n", guarantees(violated))
	}
	p.f("| mode | %s |\n", h.Header.Mode)
	var sc histories.ScenarioHeader
	scenarioOK := false
	if h.Header.Mode == histories.ModeSchedule {
		if s, rec, err := histories.ScenarioOf(h, c.Files.History); err == nil {
			sc, scenarioOK = rec, true
			p.f("| scenario | `%s` |\n| world | `%s` |\n| schedule | `%v` |\n", s, s.World.String(), h.Header.Schedule)
		}
	}
	if h.Header.Postgres != "" {
		p.f("| PostgreSQL | %s |\n", h.Header.Postgres)
	}
	p.f("| recorded | %s |\n", h.Header.Started.Format("2006-01-02 15:04:05 MST"))
	p.f("| history | `%s` |\n", filepath.Base(c.Files.History))
	if c.Files.Picture != "" {
		p.f("| picture | `%s`: the calls on a time line, cut to the violation |\n", filepath.Base(c.Files.Picture))
	}
	p.f("\n")

	worlds := v.ViolatingWorlds()
	if len(v.Anomalies) > 0 { // the most telling world first
		worlds = append([]int64{v.Anomalies[0].World}, worlds...)
	}
	if len(worlds) > 0 {
		world := worlds[0]
		p.f("## Expected vs actual\n\n")
		lines, how := Expectations(h, world), fmt.Sprintf("World %d: the model ran the calls answered ok in the order they were answered.", world)
		if lines == nil {
			lines, how = brokenInvariants(h, v, world), fmt.Sprintf("World %d has too many calls to replay in one order: above, the first answer no order explains, and each invariant broken as the audit that first saw one read it.", world)
		}
		if len(lines) > maxExpected {
			lines = append(lines[:maxExpected-1], fmt.Sprintf("… and %d more values", len(lines)-maxExpected+1))
		}
		for _, l := range lines {
			p.f("- %s\n", l)
		}
		if len(lines) == 0 {
			p.f("Every stored value is one some order of the calls reaches; the answers cannot all be explained by one order (see below).\n")
		} else {
			p.f("\n%s\n", how)
		}
		p.f("\n")
	}

	p.f("## What went wrong\n\n")
	seen := map[string]bool{}
	shown := 0
	for _, f := range v.Findings {
		key := string(f.Guarantee) + string(f.Status) + f.Detail
		if seen[key] {
			continue
		}
		seen[key] = true
		if shown == maxFindings {
			shown++
			continue
		}
		if shown < maxFindings {
			p.f("- **%s %s** in world %d: %s\n", f.Guarantee, f.Status, f.World, f.Detail)
		}
		shown++
	}
	if shown > maxFindings {
		p.f("- … and %d more (`jbcheck check --json %s` lists them all)\n", len(seen)-maxFindings, filepath.Base(c.Files.History))
	}
	if len(v.Findings) == 0 {
		p.f("Every guarantee held: this history is not a counterexample.\n")
	}

	all := rows(h)
	picked := pickRows(all, v)
	p.f("\n## The calls\n\n")
	p.f("Times are %s. A call is concurrent with every call whose interval overlaps its own.\n\n", timeUnit(h.Header.Mode))
	p.f("| call | client | invoked | answered | operation | answer |\n|---|---|---|---|---|---|\n")
	for _, i := range picked {
		row := all[i]
		p.f("| %d | c%d | %d | %s | `%s` | %s |\n", i+1, row.client, row.invoked, row.answered, row.in, row.answer)
	}
	if n := len(all) - len(picked); n > 0 {
		p.f("\nThe calls of the anomaly and those overlapping them; %d more %s in `%s`.\n", n, plural(n, "call is", "calls are"), filepath.Base(c.Files.History))
	}
	if len(worlds) > 0 {
		var last *histories.Event
		for k, a := range h.Audits {
			if a.Snapshot != nil && a.World == worlds[0] {
				last = &h.Audits[k]
			}
		}
		if last != nil {
			p.f("\nFinal audit of world %d (quiescent: %v): %s\n", last.World, last.Quiescent != nil && *last.Quiescent, last.Snapshot.State().Describe())
		}
	}

	repro := fmt.Sprintf("\n## Reproduce\n\nFrom a fresh clone of this repository (needs Go and PostgreSQL 15's server binaries, which `make postgres` installs):\n\n```\n%s\n```\n", reproduce(h, c.Files.History, sc, scenarioOK))
	if c.Transcript != nil {
		// Whole lines only, as many as the budget leaves: the statements
		// that raced come first in a minimal transcript.
		t := c.Transcript
		room := max(8, min(maxTranscript, maxLines-p.lines-strings.Count(repro, "\n")-6))
		p.f("\n## Transcript: every SQL statement, whole, in the order run\n\n```\n%s\n```\n", strings.Join(t[:min(len(t), room)], "\n"))
		if len(t) > room {
			p.f("%d more lines in `%s`.\n", len(t)-room, filepath.Base(c.Files.Transcript))
		}
	}
	p.f("%s", repro)
	return p.err
}

// reproduce is the shortest command that shows the failure again from a
// fresh clone, and the one that uses this very file.
func reproduce(h *histories.History, path string, sc histories.ScenarioHeader, scenarioOK bool) string {
	slash := filepath.ToSlash(path)
	if i := strings.Index(slash, "histories/corpus/"); i >= 0 {
		return "go run ./cmd/jbcheck replay " + slash[i:] + "\n# the recorded scenario and schedule on a fresh database: the same answers, the same violation"
	}
	if h.Header.Mode == histories.ModeSchedule && scenarioOK {
		cmd := fmt.Sprintf("go run ./cmd/jbcheck explore --variant %s --scenario %s --world %s", h.Header.Variant, quote(sc.Clients), quote(sc.World))
		if len(sc.Faults) > 0 {
			cmd += fmt.Sprintf(" --faults %s --max-faults %d", strings.Join(sc.Faults, ","), max(sc.MaxFaults, 1))
		}
		if sc.Audits > 0 {
			cmd += fmt.Sprintf(" --audits %d", sc.Audits)
		}
		return cmd + "\n# explores the scenario's schedules again until one violates (this one, or one like it)" +
			"\n# with this history at hand, the very schedule: jbcheck replay " + path
	}
	cmd := "go run ./cmd/jbcheck run --variant " + h.Header.Variant
	if strings.HasPrefix(h.Header.Command, "jbcheck run ") {
		cmd = "go run ./cmd/jbcheck " + strings.TrimPrefix(h.Header.Command, "jbcheck ")
	}
	return cmd + "\n# a stress run: it fails again most times, not every time" +
		"\n# with this history at hand, the smallest scenario that still fails: jbcheck shrink " + path
}

// quote quotes s for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// pickRows chooses the rows a report shows: every row when there are few;
// otherwise the calls the first anomaly names and those overlapping them,
// at most maxRows, in order.
func pickRows(all []row, v histories.Verdict) []int {
	var out []int
	if len(all) <= maxRows || len(v.Anomalies) == 0 {
		for i := range all[:min(len(all), maxRows)] {
			out = append(out, i)
		}
		return out
	}
	a := v.Anomalies[0]
	var named []row
	for _, r := range all {
		if slices.Contains(a.Lines, r.line) {
			named = append(named, r)
		}
	}
	for i, r := range all {
		keep := slices.ContainsFunc(named, func(n row) bool { return n.line == r.line })
		for _, n := range named {
			keep = keep || r.world == n.world && r.invoked <= n.end && n.invoked <= r.end
		}
		if keep && len(out) < maxRows {
			out = append(out, i)
		}
	}
	return out
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
	world            int64
	line             int   // the invoke's line
	invoked, end     int64 // end: the answer's time, or the largest int64
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
			out = append(out, row{client: e.Client, world: e.World, line: e.Line, invoked: e.Time, end: math.MaxInt64, answered: "—", answer: "never answered (unknown)", in: *e.Input})
			continue
		}
		i, ok := open[e.Client]
		if !ok {
			continue
		}
		delete(open, e.Client)
		out[i].answered, out[i].end = fmt.Sprint(e.Time), e.Time
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
	w     io.Writer
	err   error
	lines int // newlines written so far
}

func (p *printer) f(format string, a ...any) {
	if p.err == nil {
		text := fmt.Sprintf(format, a...)
		p.lines += strings.Count(text, "\n")
		_, p.err = io.WriteString(p.w, text)
	}
}

// brokenInvariants is expected vs actual for a world with too many calls
// to model: each broken invariant, from the first audit that saw one, and
// the first answer linearizability could not place.
func brokenInvariants(h *histories.History, v histories.Verdict, world int64) []string {
	var out []string
	for _, f := range v.Findings {
		if f.World == world && f.Guarantee == model.Linearizable && f.Status == histories.Violated {
			out = append(out, "every answer should fit one order of the calls, was not: "+f.Detail)
			break
		}
	}
	for _, g := range model.Guarantees[1:] { // the first invariant's first audit
		for _, f := range v.Findings {
			if f.World != world || f.Status != histories.Violated || f.Guarantee != g || len(f.Lines) == 0 {
				continue
			}
			for _, a := range h.Audits {
				if a.Line == f.Lines[0] && a.Snapshot != nil {
					return append(out, InvariantExpectations(a.Snapshot)...)
				}
			}
		}
	}
	return out
}
