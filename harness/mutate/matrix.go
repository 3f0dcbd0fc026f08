package mutate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// Levels are the matrix's isolation levels, weakest first.
var Levels = []pgx.TxIsoLevel{pgx.ReadCommitted, pgx.RepeatableRead, pgx.Serializable}

// AtLevel is v with every transaction at level l: its sessions' default
// (so every plain BEGIN and every statement in autocommit) and every BEGIN
// that names a level (a background worker's).
func AtLevel(v protocol.Variant, l pgx.TxIsoLevel) protocol.Variant {
	info := v.Info()
	info.Name += "-" + levelCode(l)
	info.Summary += " (every transaction at " + strings.ToUpper(string(l)) + ")"
	session := sessionSettings(v)
	session["default_transaction_isolation"] = string(l)
	return wrap(&variant{base: v, info: info, ddl: v.Schema(), session: session,
		rewriter: func(string) protocol.Rewriter { return rewriter{force: l} }})
}

// levelCode is a level's short name: rc, rr, ser.
func levelCode(l pgx.TxIsoLevel) string {
	switch l {
	case pgx.ReadCommitted:
		return "rc"
	case pgx.RepeatableRead:
		return "rr"
	}
	return "ser"
}

// Cell is one variant at one level.
type Cell struct {
	Variant   string
	Level     pgx.TxIsoLevel
	Violated  []model.Guarantee
	Anomalies []string
	Schedules int
	Complete  bool // every scenario explored completely
}

// Row is one variant at every level.
type Row struct {
	Variant string
	Correct bool
	Cells   []Cell // one per Levels
}

// Matrix makes a row for every variant, in the order of variants: every
// variant at every level of Levels, cells at once (each on executors and a
// schema of its own; the scenarios must have no faults, whose crashes would
// hit every cell's connections). done, if set, is called as each cell is
// made.
func Matrix(ctx context.Context, server *postgres.Server, variants []protocol.Variant, scenarios func(protocol.Variant) []Scenario, lanes, cells int, done func(Cell)) ([]Row, error) {
	rows := make([]Row, len(variants))
	var errs []error
	sem := make(chan struct{}, max(1, cells))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, v := range variants {
		sc := scenarios(v)
		if slices.ContainsFunc(sc, func(s Scenario) bool { return len(s.Faults) > 0 }) {
			return nil, fmt.Errorf("matrix of %s: a scenario with faults (a crash would hit every cell at once)", v.Info().Name)
		}
		rows[i] = Row{Variant: v.Info().Name, Correct: v.Info().Correct(), Cells: make([]Cell, len(Levels))}
		for j, l := range Levels {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				c, err := matrixCell(ctx, server, v, l, sc, lanes)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				rows[i].Cells[j] = c
				if done != nil {
					done(c)
				}
			})
		}
	}
	wg.Wait()
	return rows, errors.Join(errs...)
}

// matrixCell explores scenarios of v at level l, past every violation,
// and gathers what they violate.
func matrixCell(ctx context.Context, server *postgres.Server, v protocol.Variant, l pgx.TxIsoLevel, scenarios []Scenario, lanes int) (Cell, error) {
	cell := Cell{Variant: v.Info().Name, Level: l, Complete: true}
	if slices.ContainsFunc(scenarios, func(s Scenario) bool { return s.Max > 0 }) {
		lanes = 1 // the first Max schedules of one lane are the same every time
	}
	x, err := newExplorer(ctx, server, AtLevel(v, l), lanes)
	if err != nil {
		return cell, err
	}
	defer x.close()
	for _, s := range scenarios {
		e, err := x.explore(ctx, s, true)
		if err != nil {
			return cell, err
		}
		cell.Schedules += e.Schedules
		cell.Complete = cell.Complete && e.Complete
		for _, g := range e.Violated {
			if !slices.Contains(cell.Violated, g) {
				cell.Violated = append(cell.Violated, g)
			}
		}
		for _, a := range e.Anomalies {
			if !slices.Contains(cell.Anomalies, a) {
				cell.Anomalies = append(cell.Anomalies, a)
			}
		}
	}
	slices.SortFunc(cell.Violated, func(a, b model.Guarantee) int {
		return slices.Index(model.Guarantees, a) - slices.Index(model.Guarantees, b)
	})
	slices.Sort(cell.Anomalies)
	return cell, nil
}

// MatrixHeader is the matrix table's head.
func MatrixHeader() string {
	var b strings.Builder
	b.WriteString("| variant |")
	for _, l := range Levels {
		fmt.Fprintf(&b, " %s |", strings.ToUpper(string(l)))
	}
	b.WriteString(" a stricter level alone |\n|---|")
	for range Levels {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	return b.String()
}

// Markdown is the row as a line of the matrix table: each cell the
// guarantees violated (with the anomalies seen), or "holds"; then what a
// stricter level does for the variant.
func (r Row) Markdown() string {
	var b strings.Builder
	kind := "bug"
	if r.Correct {
		kind = "correct"
	}
	fmt.Fprintf(&b, "| %s (%s) |", r.Variant, kind)
	for _, c := range r.Cells {
		text := "holds"
		if len(c.Violated) > 0 {
			text = "**" + codes(c.Violated) + "**"
			if len(c.Anomalies) > 0 {
				text += " (" + strings.Join(c.Anomalies, ", ") + ")"
			}
		}
		if !c.Complete {
			text += " †"
		}
		fmt.Fprintf(&b, " %s |", text)
	}
	fmt.Fprintf(&b, " %s |\n", r.verdict())
	return b.String()
}

// verdict says what a stricter level does: for a correct variant, the
// weakest level it holds at, from which on it holds; for a bug, whether a
// level fixes it alone or it needs code.
func (r Row) verdict() string {
	last := len(r.Cells) - 1
	if len(r.Cells[last].Violated) > 0 {
		if r.Correct {
			return "no: it breaks even at " + strings.ToUpper(string(r.Cells[last].Level))
		}
		return "no: it needs code"
	}
	from := last
	for from > 0 && len(r.Cells[from-1].Violated) == 0 {
		from--
	}
	level := strings.ToUpper(string(r.Cells[from].Level))
	switch {
	case from == 0 && r.Correct:
		return "not needed: it holds at every level"
	case from == 0:
		return "nothing seen here: its bug needs faults or other scenarios"
	case r.Correct:
		return "needed: it holds from " + level + " on"
	}
	return "yes: " + level + " fixes it"
}

// MatrixSection is the matrix as docs/guarantees.md holds it: what it
// shows, the table, and its footnote.
func MatrixSection(rows []Row) string {
	var b strings.Builder
	b.WriteString(matrixPreamble + MatrixHeader())
	for _, r := range rows {
		b.WriteString(r.Markdown())
	}
	return b.String() + matrixNotes
}

const matrixPreamble = `
<!-- Generated by ` + "`make docs`" + ` (jbcheck matrix --update docs/guarantees.md): do not edit by hand. -->

Every variant with every transaction forced to the level, over the standard
scenarios without faults (flaky-test-1 with three joins, flaky-test-2,
over-capacity, lost-update, overdraft, double-refund) and one more, two
joins of one user to two groups with the money for one fee, every schedule
explored. A cell lists the guarantees some schedule violated, in bold, with
the anomalies the verdicts named; "holds" means none was. D and A need
faults, which no isolation level changes: they are not in the table.

`

const matrixNotes = `
† A lagging variant (a background worker): its schedules run into the
thousands, so each scenario is explored by PCT (depth 3, seed 1), 60
schedules — a violation there is real, a "holds" is bounded.
`

// Markers delimit the generated matrix in a document.
const (
	BeginMarker = "<!-- matrix:begin -->"
	EndMarker   = "<!-- matrix:end -->"
)

// ReplaceSection returns doc with what lies between the markers replaced
// by section.
func ReplaceSection(doc, section string) (string, error) {
	begin := strings.Index(doc, BeginMarker)
	end := strings.Index(doc, EndMarker)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("expected a line %s and, after it, a line %s: add both where the matrix goes", BeginMarker, EndMarker)
	}
	return doc[:begin+len(BeginMarker)] + "\n" + section + doc[end:], nil
}

// Section is the text between the markers as committed: what doc holds
// there, or "" without the markers.
func Section(doc string) string {
	begin := strings.Index(doc, BeginMarker)
	end := strings.Index(doc, EndMarker)
	if begin < 0 || end < begin {
		return ""
	}
	return doc[begin+len(BeginMarker)+1 : end]
}
