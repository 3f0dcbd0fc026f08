package interleave_test

import (
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// TestProcessTitlesChangeNoRun: an engine that reads its sessions'
// processes (Config.LockWaits) asks the server about a slow statement only
// once its title says it waits for a lock, or once it has run for a while —
// and, the program being self-contained, not even then while the process
// sleeps in the lock's queue. Every schedule of every edge case — errors,
// savepoints and advisory locks that release what another session waits
// for, deadlocks, a deferrable snapshot's wait, which shows in no title —
// must run exactly as on an engine that asks the server each time.
func TestProcessTitlesChangeNoRun(t *testing.T) {
	titles := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	asking := engine(t, interleave.Config{StuckTimeout: 20 * time.Second, LockWaits: noTitles{}})
	for _, tc := range fidelityCases {
		t.Run(tc.name, func(t *testing.T) {
			schedules, _ := sameRuns(t, asking, titles, tc.sessions, "reading process titles")
			t.Logf("%d schedules the same with and without process titles", schedules)
		})
	}
}

// noTitles is a LockWaitProbe that can never tell: the engine asks the
// server about every statement slow to answer, as on a server elsewhere.
type noTitles struct{}

func (noTitles) LockWait(uint32) (waiting, queued, known bool) { return false, false, false }
