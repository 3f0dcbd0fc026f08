package histories_test

import (
	"bytes"
	"cmp"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// TestAWritersHistoryIsTheOneItsBytesRead: every history of the corpus and
// of testdata, written again through a Writer that keeps its events, gives
// back from Writer.History exactly what reading the bytes written gives —
// every field, every line number — so that a harness may judge the
// history it just wrote without reading it back.
func TestAWritersHistoryIsTheOneItsBytesRead(t *testing.T) {
	files, _ := filepath.Glob("corpus/*.jsonl")
	more, _ := filepath.Glob("testdata/*.jsonl")
	files = append(files, more...)
	if len(files) < 10 {
		t.Fatalf("found %d histories to write again", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			orig, err := histories.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			w, err := histories.NewWriter(&buf, orig.Header)
			if err != nil {
				t.Fatal(err)
			}
			w.Keep()
			for _, e := range inFileOrder(orig) {
				if err := w.Append(e); err != nil {
					t.Fatal(err)
				}
			}
			read, err := histories.Read(&buf, "written")
			if err != nil {
				t.Fatal(err)
			}
			kept, err := w.History(orig.Header, "written")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(kept, read) {
				t.Errorf("the kept history differs from the one read back:\nkept: %+v\nread: %+v", kept, read)
			}
		})
	}
}

// TestAnEmptyMemberListIsKeptAsItReadsBack: JSON leaves an empty member
// list out of its line, so it reads back as none; the kept event too.
func TestAnEmptyMemberListIsKeptAsItReadsBack(t *testing.T) {
	orig, err := histories.ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var world int64
	for id := range orig.Header.Worlds {
		world = id
	}
	var buf bytes.Buffer
	w, _ := histories.NewWriter(&buf, orig.Header)
	w.Keep()
	in := model.Input{World: world, Op: model.OpMembers, Group: "g0"}
	w.Append(histories.Event{Type: histories.Invoke, World: world, Op: in.Op, Input: &in, Time: 1})
	w.Append(histories.Event{Type: histories.OK, World: world, Op: in.Op, Output: &model.Output{Members: []string{}}, Time: 2})
	read, err := histories.Read(&buf, "written")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := w.History(orig.Header, "written")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, read) {
		t.Errorf("kept %+v, read back %+v", kept.Events[1].Output, read.Events[1].Output)
	}
}

// TestAWritersHistoryIsCheckedAsItsBytesWouldBe: a completion with no
// invoke before it is the same error from Writer.History as from Read,
// naming the same line.
func TestAWritersHistoryIsCheckedAsItsBytesWouldBe(t *testing.T) {
	orig, err := histories.ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := histories.NewWriter(&buf, orig.Header)
	w.Keep()
	events := inFileOrder(orig)
	for _, e := range events[1:] { // the first invoke left out
		w.Append(e)
	}
	_, readErr := histories.Read(&buf, "written")
	_, keptErr := w.History(orig.Header, "written")
	var pe *histories.ParseError
	if !errors.As(keptErr, &pe) || readErr == nil || keptErr.Error() != readErr.Error() {
		t.Errorf("Writer.History: %v\nRead:           %v", keptErr, readErr)
	}
}

// inFileOrder is every event of h in the order of its lines.
func inFileOrder(h *histories.History) []histories.Event {
	all := slices.Concat(h.Events, h.Audits, h.Faults, h.Barriers)
	slices.SortFunc(all, func(a, b histories.Event) int { return cmp.Compare(a.Line, b.Line) })
	return all
}
