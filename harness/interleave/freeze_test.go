package interleave_test

import (
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// twoWoken is a program whose one step, s1's COMMIT, wakes two sessions
// together: s2 and s3 wait for rows s1 updated, each for another row, so
// both are granted at once; each then goes on to row 3, and whichever gets
// there first updates it first (row 3 ends 23 or 32).
var twoWoken = &sqlProgram{
	setup: `DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0), (3, 0)`,
	sessions: [][]string{
		{"BEGIN", "UPDATE t SET v = 1 WHERE id IN (1, 2)", "COMMIT"},
		{"UPDATE t SET v = v * 10 + 2 WHERE id IN (1, 3)"},
		{"UPDATE t SET v = v * 10 + 3 WHERE id IN (2, 3)"},
	},
	final: "SELECT id, v FROM t ORDER BY id",
}

// TestAStepThatWakesTwoSessionsReplaysExactly: the engine freezes the two
// waiting sessions while s1 commits and thaws them one at a time, the one
// that began waiting first first, so 200 replays end alike — row 3 written
// by s2, then s3 — with the transcript isolationtester would print.
func TestAStepThatWakesTwoSessionsReplaysExactly(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	first := replaysAlike(t, e, twoWoken, []int{0, 0, 1, 0}, 200)
	assertInOrder(t, first.Transcript, []string{"s2: <waiting ...>", "s3: <waiting ...>", "s1: COMMIT",
		"s2: <... completed>", "s3: <... completed>"})
	if !strings.HasSuffix(first.Outcome.Key, "1 12,2 13,3 23") {
		t.Errorf("outcome %q: want row 3 updated by s2 first (3 23)", first.Outcome.Key)
	}
}
