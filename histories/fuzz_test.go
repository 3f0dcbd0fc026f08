package histories

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRead feeds the reader arbitrary bytes, starting from the real
// histories in testdata. The reader must never panic, must fail only with a
// *ParseError, and what it accepts must check without panicking and write
// back to a history that reads the same.
//
// Seeds: the stress and hand-made histories of testdata and the
// schedule-mode counterexamples of corpus.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.jsonl")
	corpus, _ := filepath.Glob("corpus/*.jsonl")
	for _, file := range append(files, corpus...) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Read(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error is not a ParseError: %v", err)
			}
			return
		}
		Check(h, CheckOptions{Timeout: 200 * time.Millisecond}) // mutated histories can be hard to linearize
		var again bytes.Buffer
		w, err := NewWriter(&again, h.Header)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range append(append([]Event{}, h.Events...), h.Audits...) {
			if err := w.Append(e); err != nil {
				t.Fatal(err)
			}
		}
		h2, err := Read(&again, "rewritten")
		if err != nil {
			t.Fatalf("an accepted history does not read back after writing: %v", err)
		}
		if len(h2.Events) != len(h.Events) || len(h2.Audits) != len(h.Audits) {
			t.Fatalf("rewritten: %d events, %d audits; want %d, %d", len(h2.Events), len(h2.Audits), len(h.Events), len(h.Audits))
		}
	})
}
