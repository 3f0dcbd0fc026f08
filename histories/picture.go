package histories

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"jbcheck.dev/jbcheck/model"
)

// maxPictureCalls bounds the window a picture shows: the calls the verdict
// names and those overlapping them, nearest first. With this many the
// picture stays within pictureWidth when drawn.
const (
	maxPictureCalls = 12
	pictureWidth    = 1380 // px: readable without scrolling at 1,400 px
)

// WritePicture writes the picture of one world's violation: porcupine's
// interactive drawing (each row a client, c0, c1… as in the transcript, each
// call a bar from invoke to answer, the orders the checker found), cut to
// the window that explains the violation — the call that cannot be placed,
// the anomaly's calls and every call overlapping them, the audit — with
// each finding on a row of its own, the faults on theirs, and above it the
// anomaly, every finding in full and a link to the whole history.
func WritePicture(w io.Writer, h *History, v Verdict, world int64) error {
	return writePicture(w, h, v, world, "history.jsonl")
}

// writePicture is WritePicture with the name of the history file, which the
// picture links to (it sits beside it).
func writePicture(w io.Writer, h *History, v Verdict, world int64, history string) error {
	if v.evidence != nil {
		h = v.evidence // the violating segment, which v.infos describes
	}
	if _, declared := h.Header.Worlds[world]; !declared {
		return fmt.Errorf("world %d is not in the history", world)
	}
	m := modelOf(h)
	_, byWorld := operationsByWorld(h)
	ops := byWorld[world]
	info, checked := v.infos[world]
	if !checked {
		_, info = porcupine.CheckOperationsVerbose(m, ops, time.Minute)
	}
	window := pictureWindow(ops, v, world)
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, i := range window {
		lo, hi = min(lo, ops[i].Call), max(hi, ops[i].Call)
		if ops[i].Return != math.MaxInt64 {
			hi = max(hi, ops[i].Return)
		}
	}
	var notes []porcupine.Annotation
	seen := map[model.Guarantee]bool{}
	for _, f := range v.Findings {
		if f.World != world || seen[f.Guarantee] {
			continue
		}
		seen[f.Guarantee] = true
		note := porcupine.Annotation{
			Tag:             string(f.Guarantee) + " " + string(f.Status),
			Start:           hi + 1,
			Description:     f.Guarantee.Title(),
			Details:         f.Detail,
			BackgroundColor: "#f8c4c4",
		}
		if f.Anomaly != "" {
			note.Description = f.Anomaly
		}
		if f.Status == Unknown {
			note.BackgroundColor = "#f8e6b0"
		}
		if at, ok := findingTime(h, ops, f); ok {
			note.Start = min(max(at, lo), hi+1)
		}
		notes = append(notes, note)
	}
	for _, f := range faultWindows(h) {
		if f.Start <= hi && f.End >= lo {
			notes = append(notes, f)
		}
	}
	info.AddAnnotations(notes)
	var full bytes.Buffer
	if err := porcupine.Visualize(m, info, &full); err != nil {
		return err
	}
	labels := rowLabels(h, ops, window)
	page, err := cutPicture(full.String(), window, labels)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, decorate(page, pictureHead(h, v, world, len(window), len(ops), history)))
	return err
}

// pictureWindow chooses the calls a picture shows, by index: the call the L
// finding cannot place, the anomaly's calls, the final audit, and the calls
// overlapping them — nearest to them first, at most maxPictureCalls.
func pictureWindow(ops []porcupine.Operation, v Verdict, world int64) []int {
	var core []int
	index := map[int]int{} // invoke line → operation
	for i, op := range ops {
		index[op.Metadata.(opMeta).InvokeLine] = i
	}
	add := func(line int) {
		if i, ok := index[line]; ok && !slices.Contains(core, i) {
			core = append(core, i)
		}
	}
	for _, f := range v.Findings {
		if f.World == world && len(f.Lines) > 0 {
			add(f.Lines[0])
		}
	}
	for _, a := range v.Anomalies {
		if a.World == world {
			for _, l := range a.Lines {
				add(l)
			}
		}
	}
	if len(core) > maxPictureCalls/2 { // the first named: the L finding's, the anomaly's first calls
		core = core[:maxPictureCalls/2]
	}
	if len(core) == 0 && len(ops) > 0 {
		core = []int{len(ops) - 1}
	}
	end := func(op porcupine.Operation) int64 {
		if op.Return == math.MaxInt64 {
			return op.Call + 1
		}
		return op.Return
	}
	distance := func(i int) int64 {
		d := int64(math.MaxInt64)
		for _, c := range core {
			switch {
			case ops[i].Call <= end(ops[c]) && ops[c].Call <= end(ops[i]):
				return 0
			case ops[i].Call > end(ops[c]):
				d = min(d, ops[i].Call-end(ops[c]))
			default:
				d = min(d, ops[c].Call-end(ops[i]))
			}
		}
		return d
	}
	out := slices.Clone(core)
	var rest []int
	for i := range ops {
		if !slices.Contains(core, i) {
			rest = append(rest, i)
		}
	}
	slices.SortStableFunc(rest, func(a, b int) int { return int(min(max(distance(a)-distance(b), -1), 1)) })
	for _, i := range rest {
		if len(out) >= maxPictureCalls {
			break
		}
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// findingTime is when a finding happened: the invoke of the call an L
// finding names, the time of the audit an invariant finding read.
func findingTime(h *History, ops []porcupine.Operation, f Finding) (int64, bool) {
	if len(f.Lines) == 0 {
		return 0, false
	}
	for _, op := range ops {
		if op.Metadata.(opMeta).InvokeLine == f.Lines[0] {
			return op.Call, true
		}
	}
	for _, a := range h.reads() {
		if a.Line == f.Lines[0] {
			return a.Time, true
		}
	}
	return 0, false
}

// rowLabels names the window's rows: c0, c1… as in the transcript; "audit"
// for the final audit; c3′ for a client's calls after one of its calls was
// cut off (porcupine draws them on a row of their own).
func rowLabels(h *History, ops []porcupine.Operation, window []int) map[int]string {
	labels := map[int]string{} // porcupine client id → label
	used := map[string]bool{}
	for _, i := range window {
		op := ops[i]
		if _, ok := labels[op.ClientId]; ok {
			continue
		}
		label := fmt.Sprintf("c%d", op.Metadata.(opMeta).Client)
		if op.Input.(model.Input).Op == model.OpAudit {
			label = "audit"
		}
		for used[label] {
			label += "′"
		}
		used[label] = true
		labels[op.ClientId] = label
	}
	return labels
}

// faultWindows shade the faults on a row of their own: each from its start
// to its end, named with what it hit.
func faultWindows(h *History) []porcupine.Annotation {
	var notes []porcupine.Annotation
	for _, f := range h.Faults {
		notes = append(notes, porcupine.Annotation{
			Tag:             "fault",
			Start:           f.Time,
			End:             f.End,
			Description:     fmt.Sprintf("%s (%s)", f.Fault, f.Target),
			Details:         fmt.Sprintf("fault %s on %s, line %d: calls in flight may or may not have happened", f.Fault, f.Target, f.Line),
			BackgroundColor: "#d6d6f0",
		})
	}
	return notes
}

// pictureHead is the text above the drawing: what went wrong, every
// finding in full (the rows below only name them), what the window is, and
// the link to the whole history.
func pictureHead(h *History, v Verdict, world int64, shown, total int, history string) string {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, "<h1>%s, world %d</h1>\n", e(h.Header.Variant), world)
	for _, a := range v.Anomalies {
		if a.World == world {
			fmt.Fprintf(&b, "<p class=\"anomaly\"><b>%s</b>: %s</p>\n", e(a.Name), e(a.Story))
		}
	}
	b.WriteString("<ul>\n")
	count := map[model.Guarantee]int{}
	for _, f := range v.Findings {
		if f.World == world {
			count[f.Guarantee]++
		}
	}
	for _, f := range v.Findings {
		if f.World != world || count[f.Guarantee] == 0 {
			continue
		}
		more := ""
		if n := count[f.Guarantee] - 1; n > 0 {
			more = fmt.Sprintf(" (and %d more like it, from later audits)", n)
		}
		count[f.Guarantee] = 0
		fmt.Fprintf(&b, "<li><b>%s %s</b> (%s): %s%s</li>\n", string(f.Guarantee), f.Status, e(f.Guarantee.Title()), e(f.Detail), more)
	}
	b.WriteString("</ul>\n")
	fmt.Fprintf(&b, "<p>%d of the world's %d calls: the ones the verdict names and those overlapping them. Rows c0, c1… are the clients, as in the transcript; the rows below the line are the findings and faults (hover for details). The whole history: <a href=\"%s\">%s</a>.</p>\n",
		shown, total, e(history), e(history))
	b.WriteString(`<p class="legend"><span class="dot ok"></span> where the order the checker found places a call <span class="dot bad"></span> where no order can place the next call <span id="jump-link" class="link">[ show the first call no order can place ]</span></p>` + "\n")
	return b.String()
}
