package record

import (
	"bytes"
	"errors"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// TestFaultIsRecordedOnceItTookEffect: a fault that took effect is an event
// stamped before and after its injection, which the reader takes back; one
// that did not is not recorded, and its error is returned.
func TestFaultIsRecordedOnceItTookEffect(t *testing.T) {
	var buf bytes.Buffer
	w, err := histories.NewWriter(&buf, histories.Header{Mode: histories.ModeStress})
	if err != nil {
		t.Fatal(err)
	}
	var now int64
	r := New(w, func(histories.Kind) int64 { now += 10; return now })
	if err := r.Fault("crash", "server", func() error { now += 100; return nil }); err != nil {
		t.Fatal(err)
	}
	missed := errors.New("nothing to hit")
	if err := r.Fault("kill", "c3", func() error { return missed }); !errors.Is(err, missed) {
		t.Errorf("a fault that failed: %v, want its error", err)
	}
	h, err := histories.Read(&buf, "history.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := histories.Event{Type: histories.Fault, Fault: "crash", Target: "server", Time: 10, End: 120, Line: 2}
	if len(h.Faults) != 1 || h.Faults[0] != want {
		t.Errorf("faults read back: %+v, want [%+v]", h.Faults, want)
	}
}
