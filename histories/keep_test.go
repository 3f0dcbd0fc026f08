package histories

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"jbcheck.dev/jbcheck/model"
)

// TestAWritersHistoryIsTheOneItsBytesRead: every history of the corpus and
// of testdata, written again through a Writer that keeps its events, gives
// back from Writer.History exactly what reading the bytes written gives —
// every field, every line number — so that a harness may judge the
// history it just wrote without reading it back.
func TestAWritersHistoryIsTheOneItsBytesRead(t *testing.T) {
	for _, file := range historyFiles(t, "corpus/*.jsonl", "testdata/*.jsonl") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			orig, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			w, buf := keepingWriter(t, orig.Header)
			for _, e := range inFileOrder(orig) {
				if err := w.Append(e); err != nil {
					t.Fatal(err)
				}
			}
			assertKeptAsRead(t, w, buf, orig.Header)
		})
	}
}

// TestAnEmptyMemberListIsKeptAsItReadsBack: JSON leaves an empty member
// list out of its line, so it reads back as none; the kept event too.
func TestAnEmptyMemberListIsKeptAsItReadsBack(t *testing.T) {
	orig, err := ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var world int64
	for id := range orig.Header.Worlds {
		world = id
	}
	w, buf := keepingWriter(t, orig.Header)
	in := model.Input{World: world, Op: model.OpMembers, Group: "g0"}
	w.Append(Event{Type: Invoke, World: world, Op: in.Op, Input: &in, Time: 1})
	w.Append(Event{Type: OK, World: world, Op: in.Op, Output: &model.Output{Members: []string{}}, Time: 2})
	assertKeptAsRead(t, w, buf, orig.Header)
}

// TestAWritersHistoryIsCheckedAsItsBytesWouldBe: a completion with no
// invoke before it is the same error from Writer.History as from Read,
// naming the same line.
func TestAWritersHistoryIsCheckedAsItsBytesWouldBe(t *testing.T) {
	orig, err := ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	w, buf := keepingWriter(t, orig.Header)
	for _, e := range inFileOrder(orig)[1:] { // the first invoke left out
		w.Append(e)
	}
	_, readErr := Read(buf, "written")
	_, keptErr := w.History(orig.Header, "written")
	var pe *ParseError
	if !errors.As(keptErr, &pe) || readErr == nil || keptErr.Error() != readErr.Error() {
		t.Errorf("Writer.History: %v\nRead:           %v", keptErr, readErr)
	}
}

// keepingWriter is a Writer of header into a buffer, keeping its events.
func keepingWriter(t *testing.T, header Header) (*Writer, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, header)
	if err != nil {
		t.Fatal(err)
	}
	w.Keep()
	return w, &buf
}

// assertKeptAsRead fails unless w's kept history equals the one its bytes
// read back.
func assertKeptAsRead(t *testing.T, w *Writer, written *bytes.Buffer, header Header) {
	t.Helper()
	read, err := Read(written, "written")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := w.History(header, "written")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, read) {
		t.Errorf("the kept history differs from the one read back:\nkept: %+v\nread: %+v", kept, read)
	}
}

// historyFiles are the files the patterns match, at least one each.
func historyFiles(t *testing.T, patterns ...string) []string {
	t.Helper()
	var files []string
	for _, p := range patterns {
		matched, _ := filepath.Glob(p)
		if len(matched) == 0 {
			t.Fatalf("no history matches %s", p)
		}
		files = append(files, matched...)
	}
	return files
}
