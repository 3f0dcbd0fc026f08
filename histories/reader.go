package histories

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// ErrMalformed is wrapped by every ParseError.
var ErrMalformed = errors.New("malformed history")

// ParseError says where a history is malformed and what was expected there.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap makes errors.Is(err, ErrMalformed) hold.
func (e *ParseError) Unwrap() error { return ErrMalformed }

// ErrNotRegular reports a path that is not a regular file: a FIFO or a
// device could block forever or never end, and a directory holds no history.
var ErrNotRegular = errors.New("not a regular file")

// ReadFile reads the history at path (see Read). It refuses anything but a
// regular file, without blocking: a FIFO is opened non-blocking.
func ReadFile(path string) (*History, error) {
	f, err := OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// OpenFile opens the history at path for reading, refusing anything but a
// regular file without blocking: a FIFO is opened non-blocking.
func OpenFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w (%s): a history is read from a file; `jbcheck check -` reads one from standard input",
			path, ErrNotRegular, fileKind(st.Mode()))
	}
	return f, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m.IsDir():
		return "a directory"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

// maxLine bounds one line: an audit of a large world is the longest.
const maxLine = 64 << 20

// Read reads a history, naming it file in errors. It accepts a last line cut
// short (a writer killed mid-line: History.Truncated is set and the line is
// dropped) and rejects anything else malformed with a *ParseError. It holds
// the whole history in memory: Scan and CheckStream read one event at a time.
func Read(r io.Reader, file string) (*History, error) {
	s, err := Scan(r, file)
	if err != nil {
		return nil, err
	}
	h := &History{Header: s.Header()}
	for {
		e, ok, err := s.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		h.add(e)
	}
	h.Truncated = s.Truncated()
	return h, nil
}

// add files an event under its kind.
func (h *History) add(e Event) {
	switch e.Type {
	case Fault:
		h.Faults = append(h.Faults, e)
	case Audit:
		h.Audits = append(h.Audits, e)
	case Barrier:
		h.Barriers = append(h.Barriers, e)
	default:
		h.Events = append(h.Events, e)
	}
}

// Scanner reads a history one event at a time, checking each as Read does:
// its memory is that of the calls in flight, whatever the history's length.
type Scanner struct {
	file      string
	lines     *bufio.Scanner
	n         int
	header    Header
	pending   map[int]Event   // client → its invoke in flight
	money     map[int64]int64 // world → its openings plus every deposit so far
	since     map[int64]int64 // world → the time of its last barrier
	answered  map[int64]int64 // world → the latest completion since its last barrier
	truncated bool
}

// Scan reads the header of the history r (named file in errors) and
// returns a Scanner for its events.
func Scan(r io.Reader, file string) (*Scanner, error) {
	s := newScanner(file)
	s.lines = bufio.NewScanner(r)
	s.lines.Buffer(make([]byte, 0, firstBuffer(r)), maxLine)
	s.lines.Split(scanLinesKeepingEnd)
	raw, _, ok, err := s.line()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &ParseError{File: file, Line: 1, Msg: "empty file: expected a jbcheck history header line"}
	}
	var h Header
	if err := strictUnmarshal(raw, &h); err != nil {
		return nil, s.fail("expected the header line of a jbcheck history (a JSON object with \"format\": %q): %v", Format, err)
	}
	if err := s.start(h); err != nil {
		return nil, err
	}
	return s, nil
}

// newScanner is a Scanner of file with no lines to read yet.
func newScanner(file string) *Scanner {
	return &Scanner{file: file, pending: map[int]Event{}, money: map[int64]int64{},
		since: map[int64]int64{}, answered: map[int64]int64{}}
}

// start checks the header, the history's first line, and takes it.
func (s *Scanner) start(h Header) error {
	switch {
	case h.Format != Format:
		return s.fail("expected \"format\": %q in the header, got %q: is this a jbcheck history?", Format, h.Format)
	case h.Version != Version:
		return s.fail("history format version %d, this jbcheck reads version %d: use the jbcheck that wrote it", h.Version, Version)
	case h.Mode != ModeStress && h.Mode != ModeSchedule:
		return s.fail("expected \"mode\" %q or %q in the header, got %q", ModeStress, ModeSchedule, h.Mode)
	}
	for id, w := range h.Worlds {
		if err := w.Validate(); err != nil {
			return s.fail("world %d in the header: %v", id, err)
		}
	}
	s.header = h
	for id, w := range h.Worlds {
		s.money[id] = w.Deposits()
	}
	return nil
}

// firstBuffer is the size of a Scanner's first buffer: 64 KiB, or just
// enough for a history already in memory (a schedule's, read back after each
// schedule: a 64 KiB buffer each time was most of what exploring allocated).
func firstBuffer(r io.Reader) int {
	if m, ok := r.(interface{ Len() int }); ok {
		return min(m.Len()+1, 64<<10)
	}
	return 64 << 10
}

// Header is the history's header.
func (s *Scanner) Header() Header { return s.header }

// Truncated reports that the last line was cut short and was dropped.
func (s *Scanner) Truncated() bool { return s.truncated }

// Next returns the next event, false at the end of the history, or a
// *ParseError.
func (s *Scanner) Next() (Event, bool, error) {
	raw, complete, ok, err := s.line()
	if err != nil || !ok {
		return Event{}, false, err
	}
	e, err := s.event(raw)
	if err != nil {
		if !complete {
			s.truncated = true // killed mid-line: keep what came before
			return Event{}, false, nil
		}
		return Event{}, false, err
	}
	return e, true, nil
}

// line is the next line, trimmed, and whether it ended with a newline;
// false at the end.
func (s *Scanner) line() (raw []byte, complete, ok bool, err error) {
	if s.truncated || !s.lines.Scan() {
		if err := s.lines.Err(); err != nil {
			return nil, false, false, &ParseError{File: s.file, Line: s.n + 1, Msg: fmt.Sprintf("cannot read the line: %v", err)}
		}
		return nil, false, false, nil
	}
	s.n++
	raw = s.lines.Bytes()
	return bytes.TrimSpace(raw), bytes.HasSuffix(raw, []byte("\n")), true, nil
}

func (s *Scanner) fail(format string, args ...any) error {
	return &ParseError{File: s.file, Line: s.n, Msg: fmt.Sprintf(format, args...)}
}

// scanLinesKeepingEnd is bufio.ScanLines without dropping the newline, so
// that a cut last line can be told from a complete one.
func scanLinesKeepingEnd(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// strictUnmarshal rejects unknown fields and trailing data, so that a typo
// in a hand-edited history is an error and not a silently ignored field.
func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}
