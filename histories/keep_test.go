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
// of testdata, made again by a memory writer, gives back from its Bytes
// the very bytes a Writer writes, and from its History exactly what
// reading those bytes gives — every field, every line number — so that a
// harness may judge the history it just made without writing and reading
// it back.
func TestAWritersHistoryIsTheOneItsBytesRead(t *testing.T) {
	for _, file := range historyFiles(t, "corpus/*.jsonl", "testdata/*.jsonl") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			orig, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			w := keepingWriter(t, orig.Header)
			for _, e := range inFileOrder(orig) {
				w.Append(e)
			}
			assertKeptAsRead(t, w, orig.Header)
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
	w := keepingWriter(t, orig.Header)
	in := model.Input{World: world, Op: model.OpMembers, Group: "g0"}
	w.Append(Event{Type: Invoke, World: world, Op: in.Op, Input: &in, Time: 1})
	w.Append(Event{Type: OK, World: world, Op: in.Op, Output: &model.Output{Members: []string{}}, Time: 2})
	assertKeptAsRead(t, w, orig.Header)
}

// TestAWritersHistoryIsCheckedAsItsBytesWouldBe: a completion with no
// invoke before it is the same error from Writer.History as from Read,
// naming the same line.
func TestAWritersHistoryIsCheckedAsItsBytesWouldBe(t *testing.T) {
	orig, err := ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	w := keepingWriter(t, orig.Header)
	for _, e := range inFileOrder(orig)[1:] { // the first invoke left out
		w.Append(e)
	}
	_, readErr := Read(&w.written, "written")
	_, keptErr := w.memory.History(orig.Header, "written")
	var pe *ParseError
	if !errors.As(keptErr, &pe) || readErr == nil || keptErr.Error() != readErr.Error() {
		t.Errorf("Writer.History: %v\nRead:           %v", keptErr, readErr)
	}
}

// writers is one history written twice: into a buffer, and by a memory
// writer.
type writers struct {
	stream, memory *Writer
	written        bytes.Buffer
}

func keepingWriter(t *testing.T, header Header) *writers {
	t.Helper()
	w := &writers{memory: NewMemoryWriter()}
	var err error
	if w.stream, err = NewWriter(&w.written, header); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *writers) Append(e Event) {
	w.stream.Append(e)
	w.memory.Append(e)
}

// assertKeptAsRead fails unless the memory writer's bytes are the ones
// written, and its history the one they read back.
func assertKeptAsRead(t *testing.T, w *writers, header Header) {
	t.Helper()
	if made, err := w.memory.Bytes(header); err != nil || !bytes.Equal(made, w.written.Bytes()) {
		t.Errorf("the memory writer's bytes differ from the ones written (%v):\nmade:    %s\nwritten: %s", err, made, w.written.Bytes())
	}
	read, err := Read(bytes.NewReader(w.written.Bytes()), "written")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := w.memory.History(header, "written")
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
