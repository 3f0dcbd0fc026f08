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
	// kept, with Keep, are the events written, as they were written.
	keep bool
	kept []Event
}

// NewWriter writes h as the first line of w and returns a Writer for the
// events. Format and Version are filled in, and any password in Command is
// masked: a history is meant to be attached to bug reports.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h.Format, h.Version = Format, Version
	h.Command = redact.String(h.Command)
	hw := &Writer{w: w}
	if err := hw.writeLine(h, false); err != nil {
		return nil, err
	}
	return hw, nil
}

// Keep makes the Writer keep every event it writes from now on, so that
// History can give them back without reading the history again.
func (hw *Writer) Keep() {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	hw.keep = true
}

// Append writes one event. After a write error every Append returns it.
func (hw *Writer) Append(e Event) error {
	if e.Input != nil {
		// World and Op are on the event itself; the input carries the rest.
		in := *e.Input
		in.World, in.Op = 0, ""
		e.Input = &in
	}
	return hw.writeLine(e, true)
}

func (hw *Writer) writeLine(v any, event bool) error {
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
	if hw.keep && event && hw.err == nil {
		hw.kept = append(hw.kept, v.(Event)) // its input is Append's copy
	}
	return hw.err
}

// asRead is e as reading its line gives it back: what JSON leaves out of
// the line (an empty member list) is absent, and the input is a copy of
// its own.
func asRead(e Event) Event {
	if e.Input != nil {
		in := *e.Input
		e.Input = &in
	}
	if e.Output != nil && e.Output.Members != nil && len(e.Output.Members) == 0 {
		out := *e.Output
		out.Members = nil
		e.Output = &out
	}
	return e
}

// History is what the Writer wrote since Keep, with header as its first
// line, as Read would give it back from the bytes written: checked the
// same way, events numbered by line (file names the history in errors).
// It is for a harness that judges a history it has just written in
// memory: reading it back would decode every line again
// (TestAWritersHistoryIsTheOneItsBytesRead).
func (hw *Writer) History(header Header, file string) (*History, error) {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	s := newScanner(file)
	s.n = 1
	if err := s.start(header); err != nil {
		return nil, err
	}
	h := &History{Header: header}
	for _, e := range hw.kept {
		s.n++
		e = asRead(e) // check gives an input its world and operation: a copy of its own
		if err := s.check(&e); err != nil {
			return nil, err
		}
		h.add(e)
	}
	return h, nil
}
