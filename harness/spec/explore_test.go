package spec_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/spec"
)

// explored explores a spec of docs/specs at an isolation level, every
// schedule (past violations), with the serializability oracle.
func explored(t *testing.T, file, isolation string) *spec.ExploreReport {
	t.Helper()
	return exploredWith(t, file, isolation, "", false)
}

// exploredWith is explored, the final state read by finalQuery, with or
// without reductions.
func exploredWith(t *testing.T, file, isolation, finalQuery string, noReduce bool) *spec.ExploreReport {
	t.Helper()
	ctx := context.Background()
	sp, err := spec.ParseFile(filepath.Join(specsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	r, err := spec.NewRunner(ctx, server, spec.Options{Isolation: isolation})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	oracle, err := r.NewOracle(ctx, sp, finalQuery)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(oracle.Close)
	rep, err := r.Explore(ctx, sp, spec.ExploreOptions{Strategy: interleave.Strategy{Name: "exhaustive"},
		KeepGoing: true, Oracle: oracle, FinalQuery: finalQuery, NoReduce: noReduce})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete {
		t.Fatalf("the exploration of %s stopped short", file)
	}
	total := 0
	for _, o := range rep.Outcomes {
		total += o.Count
		if o.Verdict == nil || o.Verdict.Status == spec.Unchecked {
			t.Errorf("outcome %s was not judged: %+v", o.Permutation(), o.Verdict)
		}
	}
	if total != rep.Explored {
		t.Errorf("the outcomes count %d schedules, the exploration ran %d", total, rep.Explored)
	}
	if isolation == "" {
		isolation = "read committed"
	}
	t.Logf("%s at %s: %d schedules, %d outcomes, %d violations, %d serial orders run",
		file, isolation, rep.Explored, len(rep.Outcomes), len(rep.Violations()), oracle.SerialRuns)
	return rep
}

// replays runs an outcome's permutation again: it must give the same
// outcome, and the oracle the same verdict.
func replays(t *testing.T, file, isolation string, o *spec.Outcome) {
	t.Helper()
	ctx := context.Background()
	sp, err := spec.ParseFile(filepath.Join(specsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	perm, err := sp.ParsePermutation(o.Permutation())
	if err != nil {
		t.Fatal(err)
	}
	r, err := spec.NewRunner(ctx, server, spec.Options{Isolation: isolation})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Replay(ctx, sp, perm, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Obs.Key() != o.Key {
		t.Fatalf("replaying %s gave another outcome:\n%s\nexplored:\n%s", o.Permutation(), res.Obs.Key(), o.Key)
	}
	oracle, err := r.NewOracle(ctx, sp, "")
	if err != nil {
		t.Fatal(err)
	}
	defer oracle.Close()
	v, err := oracle.Check(ctx, res.Obs)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != o.Verdict.Status || v.Anomaly != o.Verdict.Anomaly {
		t.Errorf("replayed, the verdict is %q; explored, %q", v.Summary(), o.Verdict.Summary())
	}
}

// TestSpecExploreThreeSessions: the read-only anomaly's three sessions,
// every interleaving. At SERIALIZABLE every outcome matches a serial order
// of its committed transactions; at REPEATABLE READ at least one does not,
// and it is named, and its permutation replays it.
func TestSpecExploreThreeSessions(t *testing.T) {
	ser := explored(t, "read-only-anomaly.spec", "serializable")
	if n := len(ser.Violations()); n != 0 {
		t.Errorf("%d outcomes at SERIALIZABLE match no serial order: %s", n, ser.Violations()[0].Verdict.Summary())
	}
	if len(ser.Outcomes) < 2 {
		t.Errorf("%d distinct outcomes: every interleaving behaved alike?", len(ser.Outcomes))
	}
	rr := explored(t, "read-only-anomaly.spec", "repeatable read")
	// With reductions, the end of a transaction a serialization failure
	// aborted is no choice, so SERIALIZABLE explores fewer; without them
	// the same steps, none blocking, interleave alike at both levels.
	if rr.Explored < ser.Explored {
		t.Errorf("%d schedules at REPEATABLE READ, %d at SERIALIZABLE: a failed transaction's end took choices", rr.Explored, ser.Explored)
	}
	rawRR := exploredWith(t, "read-only-anomaly.spec", "repeatable read", "", true)
	rawSer := exploredWith(t, "read-only-anomaly.spec", "serializable", "", true)
	if rawRR.Explored != rawSer.Explored {
		t.Errorf("without reductions, %d schedules at REPEATABLE READ, %d at SERIALIZABLE: the same steps, none blocking, should interleave alike", rawRR.Explored, rawSer.Explored)
	}
	for _, pair := range [][2]*spec.ExploreReport{{rawRR, rr}, {rawSer, ser}} {
		if raw, reduced := outcomeKeys(pair[0]), outcomeKeys(pair[1]); !slices.Equal(raw, reduced) {
			t.Errorf("%d outcomes without reductions, %d with: the reductions lost or made one", len(raw), len(reduced))
		}
	}
	t.Logf("without reductions %d schedules at both levels; with them %d at REPEATABLE READ, %d at SERIALIZABLE", rawRR.Explored, rr.Explored, ser.Explored)
	bad := rr.Violations()
	if len(bad) == 0 {
		t.Fatal("no outcome at REPEATABLE READ violates serializability: the read-only anomaly went unseen")
	}
	for _, o := range bad {
		if o.Verdict.Anomaly != "read-only anomaly" {
			t.Errorf("outcome %s: %s, want a read-only anomaly", o.Permutation(), o.Verdict.Summary())
		}
	}
	replays(t, "read-only-anomaly.spec", "repeatable read", bad[0])
}

// TestSpecExploreWriteSkew: two sessions, each checking the other is on
// call, then going off call. At REPEATABLE READ some outcome is write skew;
// at SERIALIZABLE none is.
func TestSpecExploreWriteSkew(t *testing.T) {
	rr := explored(t, "write-skew.spec", "repeatable read")
	bad := rr.Violations()
	if len(bad) == 0 || bad[0].Verdict.Anomaly != "write skew" {
		t.Fatalf("violations at REPEATABLE READ: %v, want write skew", bad)
	}
	replays(t, "write-skew.spec", "repeatable read", bad[0])
	if ser := explored(t, "write-skew.spec", "serializable"); len(ser.Violations()) != 0 {
		t.Errorf("write skew at SERIALIZABLE: %s", ser.Violations()[0].Verdict.Summary())
	}
}

// TestSpecExploreNamesTheProtocolsRaces: the protocol's races as raw SQL
// at READ COMMITTED. The read-modify-write deposit loses an update; the
// check-then-insert join is write skew (two inserts, each deciding on a
// state the other made stale); the stale balance read is serializable —
// what it breaks is not serializability.
func TestSpecExploreNamesTheProtocolsRaces(t *testing.T) {
	for _, tc := range []struct{ file, anomaly string }{
		{"lost-update.spec", "lost update"},
		{"duplicate-join.spec", "write skew"},
		{"stale-read.spec", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep := explored(t, tc.file, "")
			bad := rep.Violations()
			if tc.anomaly == "" {
				if len(bad) > 0 {
					t.Errorf("a violation: %s", bad[0].Verdict.Summary())
				}
				return
			}
			if len(bad) == 0 {
				t.Fatalf("no violation, want %s", tc.anomaly)
			}
			for _, o := range bad {
				if o.Verdict.Anomaly != tc.anomaly {
					t.Errorf("outcome %s: %s, want %s", o.Permutation(), o.Verdict.Summary(), tc.anomaly)
				}
			}
		})
	}
}

// TestSpecOracleSkipsOrdersThatCannotRunSerially: in notices.spec, session
// s1's setup takes a session-level advisory lock that s2lock waits for
// until s1unlock: serial orders that put s2lock's transaction before
// s1unlock's cannot run, and the oracle drops them at the first wait (not
// after a timeout) and judges the outcome on the others. The outcome in
// which s2read saw s2's update before s1's commit fits none that can run.
func TestSpecOracleSkipsOrdersThatCannotRunSerially(t *testing.T) {
	rep := explored(t, "notices.spec", "")
	bad := rep.Violations()
	if len(bad) == 0 {
		t.Fatal("no violation: the lock that orders s2lock after s1unlock was not taken into account")
	}
	for _, o := range bad {
		if !strings.Contains(o.Permutation(), "s2lock") || o.Verdict.Explanation == "" {
			t.Errorf("outcome %s: %s", o.Permutation(), o.Verdict.Summary())
		}
	}
}

// TestSpecExploreWithAFinalQuery: --final-query decides what the final
// state is (here one count), and the anomaly is still named from the rows
// each transaction changed: the duplicate join is write skew, not a lost
// update of the count.
func TestSpecExploreWithAFinalQuery(t *testing.T) {
	rep := exploredWith(t, "duplicate-join.spec", "", "SELECT count(*) AS members FROM memberships", false)
	bad := rep.Violations()
	if len(bad) == 0 {
		t.Fatal("no violation")
	}
	for _, o := range bad {
		if o.Verdict.Anomaly != "write skew" || !strings.Contains(o.Obs.Final, "members") || strings.Contains(o.Obs.Final, "table ") {
			t.Errorf("outcome %s: final state %q, %s", o.Permutation(), o.Obs.Final, o.Verdict.Summary())
		}
	}
}

// outcomeKeys are an exploration's distinct outcomes, sorted.
func outcomeKeys(rep *spec.ExploreReport) []string {
	var keys []string
	for _, o := range rep.Outcomes {
		keys = append(keys, o.Key)
	}
	slices.Sort(keys)
	return keys
}
