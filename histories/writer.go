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
// A memory writer (NewMemoryWriter) writes nothing and keeps the events
// instead. A Writer is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	err error
	// kept are a memory writer's events (w nil), as Append gave them.
	kept []Event
}

// NewWriter writes h as the first line of w and returns a Writer for the
// events. Format and Version are filled in, and any password in Command is
// masked: a history is meant to be attached to bug reports.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	hw := &Writer{w: w}
	if err := hw.writeLine(stamped(h), false); err != nil {
		return nil, err
	}
	return hw, nil
}

// NewMemoryWriter returns a Writer that writes nothing and keeps every
// event: History gives the history as reading it would, and Bytes the
// lines NewWriter would have written — made only when asked for, so a
// harness that judges its histories in memory encodes only those it keeps.
func NewMemoryWriter() *Writer { return &Writer{} }

// stamped is h as a Writer writes it: Format and Version filled in, any
// password in Command masked.
func stamped(h Header) Header {
	h.Format, h.Version = Format, Version
	h.Command = redact.String(h.Command)
	return h
}

// Bytes is, for a memory writer, the history NewWriter(w, h) would have
// written to w with the same events.
func (hw *Writer) Bytes(h Header) ([]byte, error) {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	var buf []byte
	for i := -1; i < len(hw.kept); i++ {
		var v any = stamped(h)
		if i >= 0 {
			v = hw.kept[i]
		}
		line, err := encodeLine(v)
		if err != nil {
			return nil, err
		}
		buf = append(buf, line...)
	}
	return buf, nil
}

// encodeLine is one line of a history.
func encodeLine(v any) ([]byte, error) {
	line, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding a history line: %w", err)
	}
	return append(line, '\n'), nil
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
	if hw.w == nil { // a memory writer: lines are made when asked for (Bytes)
		hw.mu.Lock()
		defer hw.mu.Unlock()
		if event {
			hw.kept = append(hw.kept, v.(Event)) // its input is Append's copy
		}
		return nil
	}
	line, err := encodeLine(v)
	if err != nil {
		return err
	}
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

// History is, for a memory writer, its history with header as its first
// line, as Read would give it back from its Bytes: checked the same way,
// events numbered by line (file names the history in errors). It is for a
// harness that judges a history it has just made in memory: writing and
// reading it back would encode and decode every line
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
