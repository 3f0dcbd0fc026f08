package histories

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/anishathalye/porcupine"

	"jbcheck/model"
)

// WritePicture writes porcupine's interactive HTML picture of one world's
// operations — each client a row, each operation a bar from invoke to
// completion, the longest linearizations porcupine found — with every finding
// of the verdict in that world annotated on a row of its own.
func WritePicture(w io.Writer, h *History, v Verdict, world int64) error {
	if _, declared := h.Header.Worlds[world]; !declared {
		return fmt.Errorf("world %d is not in the history", world)
	}
	m := model.Porcupine(h.Header.Worlds)
	_, ops := operationsByWorld(h)
	info, checked := v.infos[world]
	if !checked {
		_, info = porcupine.CheckOperationsVerbose(m, ops[world], time.Minute)
	}
	// Audit findings are about the end of the run: pin them after the last
	// finite time.
	var end int64
	for _, op := range ops[world] {
		end = max(end, op.Call)
		if op.Return != math.MaxInt64 {
			end = max(end, op.Return)
		}
	}
	var notes []porcupine.Annotation
	for _, f := range v.Findings {
		if f.World != world {
			continue
		}
		note := porcupine.Annotation{
			Tag:             "verdict",
			Start:           end + 1,
			Description:     fmt.Sprintf("%s %s (%s)", string(f.Guarantee), f.Status, f.Guarantee.Title()),
			Details:         f.Detail,
			BackgroundColor: "#f8c4c4",
		}
		if f.Status == Unknown {
			note.BackgroundColor = "#f8e6b0"
		}
		if f.Guarantee == model.Linearizable {
			note.Start = culpritStart(ops[world], f)
		}
		notes = append(notes, note)
	}
	info.AddAnnotations(append(notes, faultWindows(h)...))
	return porcupine.Visualize(m, info, w)
}

// faultWindows shade the faults on a row of their own: each from its start
// to its end, named with what it hit.
func faultWindows(h *History) []porcupine.Annotation {
	var notes []porcupine.Annotation
	for _, f := range h.Faults {
		notes = append(notes, porcupine.Annotation{
			Tag:             "faults",
			Start:           f.Time,
			End:             f.End,
			Description:     fmt.Sprintf("%s (%s)", f.Fault, f.Target),
			Details:         fmt.Sprintf("fault %s on %s, line %d: calls in flight may or may not have happened", f.Fault, f.Target, f.Line),
			BackgroundColor: "#d6d6f0",
		})
	}
	return notes
}

// culpritStart is the invoke time of the operation a linearizability finding
// names, so the annotation sits above it.
func culpritStart(ops []porcupine.Operation, f Finding) int64 {
	for _, op := range ops {
		if len(f.Lines) > 0 && op.Metadata.(opMeta).InvokeLine == f.Lines[0] {
			return op.Call
		}
	}
	return 0
}
