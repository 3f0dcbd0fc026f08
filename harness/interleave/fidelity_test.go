package interleave_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
)

const table = `DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0)`

// fidelityCase is one edge case: sessions, a schedule that reaches the
// edge, and the lines its transcript must show.
type fidelityCase struct {
	name     string
	sessions [][]string
	choices  []int
	want     []string // transcript lines that must appear, in this order
	// pgxAPI: the case sends requests through pgx's API (a batch, a COPY
	// of Go values, a Prepare), which a relay's application sends as it
	// will: External sessions forward SQL text.
	pgxAPI bool
}

// fidelityCases are the edges where an engine that guesses from SQL text
// goes wrong: each with a schedule that reaches the edge, and the lines its
// transcript must show.
var fidelityCases = []fidelityCase{
	{
		name: "an error inside a transaction releases its locks at once",
		sessions: [][]string{
			{"BEGIN", "UPDATE t SET v = 1 WHERE id = 1", "SELECT 1/0", "COMMIT"},
			{"UPDATE t SET v = 2 WHERE id = 1"},
		},
		choices: []int{0, 0, 1},
		want: []string{"s2: <waiting ...>", "s1: ERROR:  division by zero (SQLSTATE 22012)",
			"s2: <... completed>", "s1: COMMIT"},
	},
	{
		name: "rollback to a savepoint releases the row the other session waits for",
		sessions: [][]string{
			{"BEGIN", "SAVEPOINT a", "UPDATE t SET v = 1 WHERE id = 1", "ROLLBACK TO SAVEPOINT a", "UPDATE t SET v = 1 WHERE id = 2", "COMMIT"},
			{"UPDATE t SET v = 2 WHERE id = 1"},
		},
		choices: []int{0, 0, 0, 1},
		want:    []string{"s2: <waiting ...>", "s1: ROLLBACK TO SAVEPOINT a", "s2: <... completed>", "s1: UPDATE t SET v = 1 WHERE id = 2"},
	},
	{
		name: "a session-level advisory lock taken and released",
		sessions: [][]string{
			{"SELECT pg_advisory_lock(7)", "SELECT pg_advisory_unlock(7)"},
			{"SELECT pg_advisory_lock(7)", "SELECT pg_advisory_unlock(7)"},
		},
		choices: []int{0, 1},
		want:    []string{"s2: <waiting ...>", "s1: SELECT pg_advisory_unlock(7)", "s2: <... completed>"},
	},
	{
		name: "a two-session deadlock: the session that closes the cycle is the victim",
		sessions: [][]string{
			{"BEGIN", "UPDATE t SET v = 1 WHERE id = 1", "UPDATE t SET v = 1 WHERE id = 2", "COMMIT"},
			{"BEGIN", "UPDATE t SET v = 2 WHERE id = 2", "UPDATE t SET v = 2 WHERE id = 1", "COMMIT"},
		},
		choices: []int{0, 0, 1, 0, 1},
		want: []string{"s1: <waiting ...>", "s2: UPDATE t SET v = 2 WHERE id = 1",
			"s2: ERROR:  deadlock detected (SQLSTATE 40P01)", "s1: <... completed>"},
	},
	{
		name: "a SELECT blocked behind LOCK TABLE",
		sessions: [][]string{
			{"BEGIN", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "COMMIT"},
			{"SELECT v FROM t WHERE id = 1"},
		},
		choices: []int{0, 0, 1},
		want:    []string{"s2: <waiting ...>", "s1: COMMIT", "s2: <... completed>"},
	},
	{
		// Every kind of request pgx sends stops at the gate: a batch is
		// one step, and so are a COPY FROM and a statement prepared on
		// its own (parsing takes the table's lock).
		pgxAPI: true,
		name:   "a batch is one step, and waits as one",
		sessions: [][]string{
			{"BEGIN", "UPDATE t SET v = 1 WHERE id = 1", "COMMIT"},
			{"batch: UPDATE t SET v = 2 WHERE id = 1; SELECT v FROM t WHERE id = 1"},
		},
		choices: []int{0, 0, 1},
		want: []string{"s2: UPDATE t SET v = 2 WHERE id = 1; SELECT v FROM t WHERE id = 1", "s2: <waiting ...>",
			"s1: COMMIT", "s2: <... completed>", "s2: UPDATE 1, SELECT 1"},
	},
	{
		pgxAPI: true,
		name:   "a COPY FROM waits for the table's lock",
		sessions: [][]string{
			{"BEGIN", "LOCK TABLE t IN SHARE MODE", "COMMIT"},
			{"copy t: 4 0"},
		},
		choices: []int{0, 0, 1},
		want:    []string{`s2: COPY "t" ("id", "v") FROM STDIN`, "s2: <waiting ...>", "s1: COMMIT", "s2: <... completed>", "s2: COPY 1"},
	},
	{
		pgxAPI: true,
		name:   "a statement prepared on its own waits behind LOCK TABLE",
		sessions: [][]string{
			{"BEGIN", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "COMMIT"},
			{"prepare: SELECT v FROM t WHERE id = 1"},
		},
		choices: []int{0, 0, 1},
		want: []string{"s2: PREPARE (unnamed) AS SELECT v FROM t WHERE id = 1", "s2: <waiting ...>", "s1: COMMIT",
			"s2: <... completed>", "s2: PREPARE 1 fields"},
	},
	{
		// No lock: the process title never says "waiting" (LockWaits).
		name: "a deferrable snapshot waits for a serializable writer",
		sessions: [][]string{
			{"BEGIN ISOLATION LEVEL SERIALIZABLE", "UPDATE t SET v = 1 WHERE id = 1", "COMMIT"},
			{"BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", "SELECT sum(v) FROM t", "COMMIT"},
		},
		choices: []int{0, 0, 1, 0},
		want:    []string{"s2: <waiting ...>", "s1: COMMIT", "s2: <... completed>", "s2: COMMIT"},
	},
}

// TestReplaysAreIdentical replays each edge case's schedule 100 times: the
// transcript and the outcome must be the same every time, and show the
// edge.
func TestReplaysAreIdentical(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	for _, tc := range fidelityCases {
		t.Run(tc.name, func(t *testing.T) {
			p := &sqlProgram{setup: table, sessions: tc.sessions, final: "SELECT id, v FROM t ORDER BY id"}
			first := replaysAlike(t, e, p, tc.choices, 100)
			assertInOrder(t, first.Transcript, tc.want)
		})
	}
}

// replaysAlike runs p under choices n times and fails unless every run has
// the first one's transcript and outcome; it returns the first.
func replaysAlike(t *testing.T, e *interleave.Engine, p interleave.Program, choices []int, n int) *interleave.Result {
	t.Helper()
	var first *interleave.Result
	for i := range n {
		replay := interleave.Replay(slices.Clone(choices))
		res, err := e.Run(context.Background(), p, &replay)
		if err != nil {
			t.Fatalf("replay %d: %v", i, err)
		}
		if first == nil {
			first = res
			continue
		}
		if got, want := strings.Join(res.Transcript, "\n"), strings.Join(first.Transcript, "\n"); got != want {
			t.Fatalf("replay %d: transcript differs:\n%s\n--- first:\n%s", i, got, want)
		}
		if res.Outcome.Key != first.Outcome.Key {
			t.Fatalf("replay %d: outcome %q, first %q", i, res.Outcome.Key, first.Outcome.Key)
		}
	}
	return first
}

// assertInOrder checks that every wanted fragment appears in the
// transcript, each on a line after the previous one's.
func assertInOrder(t *testing.T, transcript, want []string) {
	t.Helper()
	line := 0
	for _, w := range want {
		for line < len(transcript) && !strings.Contains(transcript[line], w) {
			line++
		}
		if line == len(transcript) {
			t.Fatalf("transcript lacks %q (in order):\n%s", w, strings.Join(transcript, "\n"))
		}
		line++
	}
}

// TestSessionStateDoesNotLeak: a session-level advisory lock left held by one
// schedule does not block the next one on the same connections.
func TestSessionStateDoesNotLeak(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 3 * time.Second})
	hold := &sqlProgram{setup: table, sessions: [][]string{{"SELECT pg_advisory_lock(42)", "SET lock_timeout = '1s'"}}}
	if _, err := e.Run(context.Background(), hold, new(interleave.Replay)); err != nil {
		t.Fatal(err)
	}
	both := &sqlProgram{setup: table, sessions: [][]string{{"SHOW lock_timeout"}, {"SELECT pg_advisory_lock(42)"}}}
	choices := interleave.Replay{1}
	res, err := e.Run(context.Background(), both, &choices)
	if err != nil {
		t.Fatalf("the second schedule: %v (a lock left over from the first?)", err)
	}
	if !strings.Contains(res.Outcome.Key, "s1: SHOW 0") {
		t.Errorf("a setting leaked into the next schedule: %s", res.Outcome.Key)
	}
}

// TestAStatelessProgramIsNotReset: a program that promises its sessions
// keep no state (Tuning.Stateless) saves the reset between two schedules.
// The promise is trusted, not checked — here it is broken on purpose, and
// the next schedule sees the setting — so a program making it must test it
// (the protocol does: TestCallsLeaveNoSessionState).
func TestAStatelessProgramIsNotReset(t *testing.T) {
	e := engine(t, interleave.Config{})
	set := &sqlProgram{setup: table, sessions: [][]string{{"SET lock_timeout = '1s'"}}, stateless: true}
	if _, err := e.Run(context.Background(), set, new(interleave.Replay)); err != nil {
		t.Fatal(err)
	}
	show := &sqlProgram{setup: table, sessions: [][]string{{"SHOW lock_timeout"}}, stateless: true}
	res, err := e.Run(context.Background(), show, new(interleave.Replay))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Outcome.Key, "s1: SHOW 1s") {
		t.Errorf("the session was reset between two schedules of a stateless program: %s", res.Outcome.Key)
	}
}

// TestDeadlockVictimIsTheCloser explores every schedule of the opposite
// updates: in each deadlock the session whose step closed the cycle gets
// 40P01 and the other completes; no schedule is stuck.
func TestDeadlockVictimIsTheCloser(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	p := &sqlProgram{setup: table, sessions: fidelityCases[3].sessions, final: "SELECT id, v FROM t ORDER BY id"}
	deadlocks := 0
	rep := exploreAll(t, e, p)
	for key := range rep.Outcomes {
		if strings.Contains(key, "deadlock detected") {
			deadlocks++
		}
	}
	if deadlocks != 2 {
		t.Errorf("got %d deadlock outcomes (one per victim), want 2: %v", deadlocks, rep.Outcomes)
	}
	t.Logf("%d schedules, %d outcomes", rep.Explored, len(rep.Outcomes))
}

// TestReductionsAreSoundForSQLPrograms: for SQL the engine is told nothing
// about, the only reduction is granting at once a bare BEGIN and the end of
// a transaction an error aborted (the first case's COMMIT). Exploring
// every edge case's program with it and without it must give the same
// outcomes — savepoints, advisory locks, errors and deadlocks included.
func TestReductionsAreSoundForSQLPrograms(t *testing.T) {
	e := engine(t, interleave.Config{StuckTimeout: 20 * time.Second})
	for _, tc := range fidelityCases {
		t.Run(tc.name, func(t *testing.T) {
			outcomes := func(reduce bool) (map[string]bool, int) {
				p := &sqlProgram{setup: table, sessions: tc.sessions, final: "SELECT id, v FROM t ORDER BY id", reduce: reduce}
				rep := exploreAll(t, e, p)
				keys := map[string]bool{}
				for k := range rep.Outcomes {
					keys[k] = true
				}
				return keys, rep.Explored
			}
			raw, rawN := outcomes(false)
			reduced, reducedN := outcomes(true)
			if len(raw) != len(reduced) {
				t.Errorf("%d outcomes without reductions, %d with", len(raw), len(reduced))
			}
			for k := range raw {
				if !reduced[k] {
					t.Errorf("an outcome only found without reductions:\n%s", k)
				}
			}
			if reducedN > rawN {
				t.Errorf("the reduction explored more: %d schedules, %d without", reducedN, rawN)
			}
			t.Logf("%d schedules without reductions, %d with; %d outcomes", rawN, reducedN, len(raw))
		})
	}
}
