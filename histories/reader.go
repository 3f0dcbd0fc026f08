package histories

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"jbcheck.dev/jbcheck/model"
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
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s): a history is read from a file; `jbcheck check -` reads one from standard input",
			path, ErrNotRegular, fileKind(st.Mode()))
	}
	return Read(f, path)
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
// dropped) and rejects anything else malformed with a *ParseError.
func Read(r io.Reader, file string) (*History, error) {
	h := &History{}
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 0, 64<<10), maxLine)
	lines.Split(scanLinesKeepingEnd)
	pending := map[int]Event{} // client → its invoke in flight
	var money map[int64]int64  // world → its openings plus every deposit so far
	n := 0
	for lines.Scan() {
		n++
		raw := lines.Bytes()
		complete := bytes.HasSuffix(raw, []byte("\n"))
		raw = bytes.TrimSpace(raw)
		fail := func(format string, args ...any) error {
			return &ParseError{File: file, Line: n, Msg: fmt.Sprintf(format, args...)}
		}
		var err error
		if n == 1 {
			err = readHeader(raw, &h.Header, fail)
			money = map[int64]int64{}
			for id, w := range h.Header.Worlds {
				money[id] = w.Deposits()
			}
		} else {
			err = readEvent(raw, n, h, pending, money, fail)
		}
		if err != nil {
			if !complete && n > 1 {
				h.Truncated = true // killed mid-line: keep what came before
				break
			}
			return nil, err
		}
	}
	if err := lines.Err(); err != nil {
		return nil, &ParseError{File: file, Line: n + 1, Msg: fmt.Sprintf("cannot read the line: %v", err)}
	}
	if n == 0 {
		return nil, &ParseError{File: file, Line: 1, Msg: "empty file: expected a jbcheck history header line"}
	}
	return h, nil
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

func readHeader(raw []byte, h *Header, fail func(string, ...any) error) error {
	if err := strictUnmarshal(raw, h); err != nil {
		return fail("expected the header line of a jbcheck history (a JSON object with \"format\": %q): %v", Format, err)
	}
	switch {
	case h.Format != Format:
		return fail("expected \"format\": %q in the header, got %q: is this a jbcheck history?", Format, h.Format)
	case h.Version != Version:
		return fail("history format version %d, this jbcheck reads version %d: use the jbcheck that wrote it", h.Version, Version)
	case h.Mode != ModeStress && h.Mode != ModeSchedule:
		return fail("expected \"mode\" %q or %q in the header, got %q", ModeStress, ModeSchedule, h.Mode)
	}
	for id, w := range h.Worlds {
		if err := w.Validate(); err != nil {
			return fail("world %d in the header: %v", id, err)
		}
	}
	return nil
}

func readEvent(raw []byte, line int, h *History, pending map[int]Event, money map[int64]int64, fail func(string, ...any) error) error {
	var e Event
	if err := strictUnmarshal(raw, &e); err != nil {
		return fail("expected an event (a JSON object with \"type\": invoke, ok, fail, info, audit or fault): %v", err)
	}
	e.Line = line
	if e.Type == Fault {
		switch {
		case !slices.Contains(FaultKinds, e.Fault):
			return fail("fault %q: expected one of %s", e.Fault, strings.Join(FaultKinds, ", "))
		case e.Target == "":
			return fail("a fault needs a \"target\": \"server\" or a client such as \"c3\"")
		case e.End < e.Time:
			return fail("a fault that ends (%d) before it starts (%d)", e.End, e.Time)
		}
		h.Faults = append(h.Faults, e)
		return nil
	}
	world, known := h.Header.Worlds[e.World]
	if !known {
		return fail("world %d is not declared in the header's \"worlds\"", e.World)
	}
	if e.Client < 0 {
		return fail("client %d: expected a client number ≥ 0", e.Client)
	}
	open, inFlight := pending[e.Client]
	switch e.Type {
	case Invoke:
		if inFlight {
			return fail("client %d invokes %s while its %s from line %d has not completed: expected ok, fail or info first",
				e.Client, e.Op, open.Op, open.Line)
		}
		if e.Input == nil {
			return fail("an invoke needs an \"input\"")
		}
		e.Input.World, e.Input.Op = e.World, e.Op
		if err := e.Input.Check(world); err != nil {
			return fail("%v", err)
		}
		if e.Op == model.OpDeposit {
			// No balance can exceed the world's money: while that fits in
			// an int64, the model's arithmetic cannot wrap around.
			if money[e.World] > model.MaxMoney-e.Input.Amount {
				return fail("deposit of %d: the deposits into world %d add up past %d, the int64 range balances are kept in: no run records this",
					e.Input.Amount, e.World, int64(model.MaxMoney))
			}
			money[e.World] += e.Input.Amount
		}
		h.Events = append(h.Events, e)
		pending[e.Client] = e
	case OK, Fail, Info:
		if !inFlight {
			return fail("%s for client %d, which has no operation in flight: expected an invoke first", e.Type, e.Client)
		}
		if e.World != open.World || e.Op != open.Op {
			return fail("%s of %s in world %d completes client %d's %s in world %d (line %d)",
				e.Type, e.Op, e.World, e.Client, open.Op, open.World, open.Line)
		}
		if e.Type == OK && e.Output == nil {
			return fail("an ok needs an \"output\"")
		}
		if e.Time < open.Time {
			return fail("completion at time %d is before its invoke at time %d (line %d)", e.Time, open.Time, open.Line)
		}
		h.Events = append(h.Events, e)
		delete(pending, e.Client)
	case Audit:
		if e.Snapshot == nil || e.Quiescent == nil {
			return fail("an audit needs a \"snapshot\" and \"quiescent\"")
		}
		h.Audits = append(h.Audits, e)
	default:
		return fail("unknown event type %q: expected invoke, ok, fail, info, audit or fault", e.Type)
	}
	return nil
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
