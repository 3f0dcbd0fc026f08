package histories

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/histories/historytest"
	"jbcheck.dev/jbcheck/model"
)

// hardHistory is historytest.Hard, read.
func hardHistory(t testing.TB) *History {
	t.Helper()
	h, err := Read(strings.NewReader(historytest.Hard()), "hard.jsonl")
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
	good, err := os.ReadFile("testdata/join-2c-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	fifo := historytest.FIFO(t, dir, "history.jsonl", good)
	for _, path := range []string{fifo, dir} {
		_, err := ReadFile(path)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadFile(%s): got %v, want ErrNotRegular naming the path", path, err)
		}
	}
}
