package histories

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/model"
)

// hardHistory is a world porcupine cannot settle: forty deposits of
// different amounts, all concurrent, then a balance no subset of them
// makes. Each subset is a state of its own, 2^40 of them.
func hardHistory(t testing.TB) *History {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"format":"jbcheck-history","version":1,"variant":"locking","mode":"stress","worlds":{"1":{"users":[{"name":"u0","opening":0}],"groups":[]}},"started":"2026-11-28T00:00:00Z"}` + "\n")
	const n = 40
	for i := range n {
		fmt.Fprintf(&b, `{"type":"invoke","client":%d,"world":1,"op":"deposit","input":{"user":"u0","amount":%d},"time":%d}`+"\n", i, int64(1)<<i, i)
	}
	for i := range n {
		fmt.Fprintf(&b, `{"type":"ok","client":%d,"world":1,"op":"deposit","output":{"result":"ok"},"time":%d}`+"\n", i, 100+i)
	}
	fmt.Fprintf(&b, `{"type":"invoke","client":%d,"world":1,"op":"balance","input":{"user":"u0"},"time":200}`+"\n", n)
	fmt.Fprintf(&b, `{"type":"ok","client":%d,"world":1,"op":"balance","output":{"amount":-1},"time":201}`+"\n", n)
	h, err := Read(strings.NewReader(b.String()), "hard.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestCheckContextStopsWhenCancelled: porcupine is given an hour on a
// world it cannot settle; cancelling the context ends the check with the
// context's error, not the hour or an Unknown verdict.
func TestCheckContextStopsWhenCancelled(t *testing.T) {
	h := hardHistory(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	v, err := CheckContext(ctx, h, CheckOptions{Timeout: time.Hour})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v and %v, want context.Canceled", err, v.Statuses)
	}
	// Uncancelled, the same history is simply undecided within its timeout.
	v, err = CheckContext(context.Background(), h, CheckOptions{Timeout: 50 * time.Millisecond})
	if err != nil || v.Status(model.Linearizable) != Unknown {
		t.Errorf("got %v and L %s, want no error and L unknown", err, v.Status(model.Linearizable))
	}
}

// TestReadFileRefusesWhatIsNotARegularFile: a FIFO with no writer, or a
// directory, is refused at once. (Before, opening the FIFO waited for a
// writer: the test plays one, which sends a good history as soon as a
// reader waits, so the old reader accepted it.)
func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "history.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	good, err := os.ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	writerGone := make(chan struct{})
	go func() {
		defer close(writerGone)
		for {
			select {
			case <-done:
				return
			default:
			}
			// Succeeds only while a reader has the FIFO open.
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Write(good)
				w.Close()
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for _, path := range []string{fifo, dir} {
		_, err := ReadFile(path)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadFile(%s): got %v, want ErrNotRegular naming the path", path, err)
		}
	}
	close(done)
	<-writerGone
}
