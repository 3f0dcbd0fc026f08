package interleave_test

import (
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
)

// TestTheEndOfAnAbortedTransactionIsNoChoice: once an error has aborted a
// session's transaction, its ROLLBACK (or COMMIT, which is one there)
// changes nothing another session can see, so with reductions it is
// granted at once, like a bare BEGIN. s2's one read can then go before or
// after s1's failing statement: two schedules, where a ROLLBACK offered as
// a choice makes three. Without reductions every order is run.
func TestTheEndOfAnAbortedTransactionIsNoChoice(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	for _, end := range []string{"ROLLBACK", "COMMIT", "abort work"} {
		t.Run(end, func(t *testing.T) {
			explored := func(reduce bool) int {
				p := &sqlProgram{setup: table, sessions: [][]string{
					{"BEGIN", "SELECT 1/0", end},
					{"SELECT v FROM t WHERE id = 1"},
				}, reduce: reduce}
				return exploreAll(t, e, p).Explored
			}
			if got := explored(true); got != 2 {
				t.Errorf("with reductions: %d schedules, want 2 (the %s after the error granted at once)", got, end)
			}
			if got := explored(false); got != 4 {
				t.Errorf("without reductions: %d schedules, want 4 (every order of s2's read among s1's three steps)", got)
			}
		})
	}
}

// TestTheEndOfATransactionInProgressIsAChoice: a ROLLBACK of a transaction
// that did not fail releases its locks — others can tell when — so it stays
// a choice: s2's update waits for s1's lock or not.
func TestTheEndOfATransactionInProgressIsAChoice(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	p := &sqlProgram{setup: table, sessions: [][]string{
		{"BEGIN", "UPDATE t SET v = 1 WHERE id = 1", "ROLLBACK"},
		{"UPDATE t SET v = 2 WHERE id = 1"},
	}, reduce: true}
	if n := exploreAll(t, e, p).Explored; n != 3 {
		t.Errorf("%d schedules, want 3 (s2 before s1's update, waiting for its ROLLBACK, after it)", n)
	}
}
