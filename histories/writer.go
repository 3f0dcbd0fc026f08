package histories

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"jbcheck.dev/jbcheck/harness/redact"
)

// Writer appends events to a history, one line per event. Each line goes to
// the underlying writer in a single Write call, so with an *os.File every
// event is in the operating system's hands as soon as Append returns: a
// harness that dies leaves a history that is complete up to its last event.
// A Writer is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewWriter writes h as the first line of w and returns a Writer for the
// events. Format and Version are filled in, and any password in Command is
// masked: a history is meant to be attached to bug reports.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h.Format, h.Version = Format, Version
	h.Command = redact.String(h.Command)
	hw := &Writer{w: w}
	if err := hw.writeLine(h); err != nil {
		return nil, err
	}
	return hw, nil
}

// Append writes one event. After a write error every Append returns it.
func (hw *Writer) Append(e Event) error {
	if e.Input != nil {
		// World and Op are on the event itself; the input carries the rest.
		in := *e.Input
		in.World, in.Op = 0, ""
		e.Input = &in
	}
	return hw.writeLine(e)
}

func (hw *Writer) writeLine(v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding a history line: %w", err)
	}
	line = append(line, '\n')
	hw.mu.Lock()
	defer hw.mu.Unlock()
	if hw.err != nil {
		return hw.err
	}
	if _, err := hw.w.Write(line); err != nil {
		hw.err = fmt.Errorf("writing the history: %w", err)
	}
	return hw.err
}
