package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const specsDir = "../../docs/specs"

// TestSpecExploreFindsWriteSkewThenReplaysIt: the two-session write skew at
// REPEATABLE READ, explored with the serializability oracle, exits 1 with
// the anomaly named and a permutation that replays it; --replay runs that
// permutation and exits 1 with the same transcript and verdict. --out
// holds a transcript per outcome.
func TestSpecExploreFindsWriteSkewThenReplaysIt(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	file := filepath.Join(specsDir, "write-skew.spec")
	began := time.Now()
	r := jbcheck(t, "spec", "--explore", "--check-serializable", "--isolation", "repeatable-read", "--out", out, file)
	t.Logf("explore with its own cluster: %v, exit %d", time.Since(began), r.code) // measured, not asserted
	if r.code != 1 || !strings.Contains(r.stdout, "NOT SERIALIZABLE (write skew)") {
		t.Fatalf("exit %d, want 1 and write skew named:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`NOT SERIALIZABLE \(write skew\).*\n  replay: (jbcheck spec .*--replay '([^']+)' .*)\n`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no replay command for the violation:\n%s", r.stdout)
	}
	shown := between(r.stdout, "as isolationtester prints it:\n", "\nfinal state:")
	if !strings.Contains(shown, "starting permutation: "+m[2]+"\n") {
		t.Fatalf("the violation's transcript is not its permutation's:\n%s", shown)
	}
	for _, name := range []string{"outcome-1.out", "outcome-2.out", "summary.txt", ".jbcheck-output"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("--out: %v", err)
		}
	}
	again := jbcheck(t, "spec", "--isolation", "repeatable-read", "--check-serializable", "--replay", m[2], file)
	if again.code != 1 || !strings.Contains(again.stdout, "NOT SERIALIZABLE (write skew)") {
		t.Fatalf("replay: exit %d, want 1 and write skew:\n%s\n%s", again.code, again.stdout, again.stderr)
	}
	if got := between(again.stdout, "\n", "\nserializability"); !strings.Contains(got, shown) {
		t.Errorf("the replay's transcript differs from the exploration's:\n%s\n---\n%s", got, shown)
	}
}

// TestSpecExploreThreeSessionsJSON: the read-only anomaly's three sessions
// at REPEATABLE READ, every schedule (--keep-going), as JSON: the schedule
// count, every outcome's count adding up to it, the violation named.
func TestSpecExploreThreeSessionsJSON(t *testing.T) {
	r := jbcheck(t, "spec", "--explore", "--keep-going", "--check-serializable", "--isolation", "repeatable-read", "--json",
		filepath.Join(specsDir, "read-only-anomaly.spec"))
	var rep exploreJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 {
		t.Fatalf("exit %d (want 1), JSON %v:\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	total, named := 0, 0
	for _, o := range rep.Outcomes {
		total += o.Schedules
		if o.Anomaly == "read-only anomaly" {
			named++
		}
	}
	if !rep.Complete || rep.Schedules == 0 || total != rep.Schedules || rep.Violations == 0 || named != rep.Violations {
		t.Errorf("complete %v, %d schedules, outcomes add up to %d, %d violations, %d named read-only anomaly",
			rep.Complete, rep.Schedules, total, rep.Violations, named)
	}
}

// TestSpecPermutationsJSON: without --explore, --json prints one document
// — every permutation with what isolationtester prints for it and its
// verdict — and nothing else; the write skew at REPEATABLE READ exits 1,
// every violation named.
func TestSpecPermutationsJSON(t *testing.T) {
	r := jbcheck(t, "spec", "--json", "--check-serializable", "--isolation", "repeatable-read", filepath.Join(specsDir, "write-skew.spec"))
	var rep permutationsJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 1 {
		t.Fatalf("exit %d (want 1), JSON %v:\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	named := 0
	for _, p := range rep.Permutations {
		if !strings.HasPrefix(p.Output, "\nstarting permutation: "+p.Permutation+"\n") || p.Verdict == "" || !strings.Contains(p.Replay, "--replay '"+p.Permutation+"'") {
			t.Errorf("permutation %q: output %q, verdict %q, replay %q", p.Permutation, p.Output, p.Verdict, p.Replay)
		}
		if p.Anomaly == "write skew" {
			named++
		}
	}
	if len(rep.Permutations) != 20 || !rep.Checked || rep.Violations == 0 || named != rep.Violations {
		t.Errorf("%d permutations (want every one of 20), checked %v, %d violations, %d named write skew", len(rep.Permutations), rep.Checked, rep.Violations, named)
	}
}

// TestSpecPrintsWhatIsolationtesterPrints: without --explore the command's
// standard output is isolationtester's transcript and nothing else.
func TestSpecPrintsWhatIsolationtesterPrints(t *testing.T) {
	r := jbcheck(t, "spec", filepath.Join(specsDir, "lock-table.spec"))
	want := "Parsed test spec with 2 sessions\n\nstarting permutation: s1excl s2read s1c\n" +
		"step s1excl: LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;\n" +
		"step s2read: SELECT balance FROM accounts WHERE id = 1; <waiting ...>\n" +
		"step s1c: COMMIT;\nstep s2read: <... completed>\nbalance\n-------\n    100\n(1 row)\n\n"
	if r.code != 0 || !strings.HasPrefix(r.stdout, want) || r.stderr != "" {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestSpecUsageErrorsExitTwo: a spec error names file, line and column;
// flags that mean nothing together, a step --replay does not know and an
// unknown isolation level are refused before a server starts.
func TestSpecUsageErrorsExitTwo(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "broken.spec")
	os.WriteFile(broken, []byte("session s1\nstep a { SELECT 1 }\npermutation a b\n"), 0o644)
	ws := filepath.Join(specsDir, "write-skew.spec")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{broken}, broken + `:3:15: undefined step "b" specified in permutation`},
		{[]string{"--explore", "--replay", "s1check", ws}, "choose one"},
		{[]string{"--max", "3", ws}, "go with --explore"},
		{[]string{"--replay", "s1chek s2check", ws}, "did you mean s1check?"},
		{[]string{"--isolation", "snapshot", ws}, "expected serializable, repeatable-read"},
		{[]string{"--explore", "--strategy", "random", ws}, "--strategy"},
		{[]string{}, "takes 1 argument"},
	}
	for _, tt := range tests {
		err := dispatch(context.Background(), append([]string{"spec"}, tt.args...))
		if err == nil || exitStatus(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("spec %q: got %v (exit %d), want exit 2 and %q", tt.args, err, exitStatus(err), tt.want)
		}
	}
}

// between is the text of s after the first from and before the next to.
func between(s, from, to string) string {
	_, after, _ := strings.Cut(s, from)
	before, _, _ := strings.Cut(after, to)
	return before
}
