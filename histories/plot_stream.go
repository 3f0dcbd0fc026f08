package histories

import (
	"math"
	"os"
	"slices"

	"jbcheck.dev/jbcheck/model"
)

// plotCall is what the plot keeps of a call: 24 bytes, so that a plot of
// a long history holds no events.
type plotCall struct {
	invoked, answered int64
	op                uint8 // index in model.Ops
	end               uint8 // index in plotEnds
}

// plotEnds are the completions a plotCall can have; "" is never answered.
var plotEnds = []Kind{OK, Fail, Info, ""}

func opIndex(op model.Op) uint8 { return uint8(max(slices.Index(model.Ops, op), 0)) }
func endIndex(k Kind) uint8     { return uint8(slices.Index(plotEnds, k)) }

// PlotHistoryFile writes the plot (see WritePlot) of the history file at
// history to path, reading it one event at a time, and returns path — or
// writes nothing and returns "" for a schedule-mode history. It keeps 24
// bytes a call, not the events.
func PlotHistoryFile(path, history string) (string, error) {
	f, err := OpenFile(history)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s, err := Scan(f, history)
	if err != nil {
		return "", err
	}
	if s.Header().Mode != ModeStress {
		return "", nil
	}
	var calls []plotCall
	var faults []Event
	open := map[int]int{} // client → index in calls of its call in flight
	for {
		e, ok, err := s.Next()
		if err != nil {
			return "", err
		}
		if !ok {
			break
		}
		switch e.Type {
		case Invoke:
			open[e.Client] = len(calls)
			calls = append(calls, plotCall{invoked: e.Time, answered: math.MaxInt64, op: opIndex(e.Op), end: endIndex("")})
		case OK, Fail, Info:
			c := &calls[open[e.Client]]
			c.answered, c.end = e.Time, endIndex(e.Type)
			delete(open, e.Client)
		case Fault:
			faults = append(faults, e)
		}
	}
	out, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := renderPlot(out, s.Header().Variant, faults, calls); err != nil {
		out.Close()
		return "", err
	}
	return path, out.Close()
}
