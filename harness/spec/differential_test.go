package spec_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/spec"
)

// specsDir holds the project's specs (docs/specs): each is written for
// jbcheck's tests, none copied from PostgreSQL.
const specsDir = "../../docs/specs"

// differentialSpecs are the specs run through both jbcheck spec and
// PostgreSQL's isolationtester, with the default_transaction_isolation of
// their sessions ("" for the server's default, READ COMMITTED).
var differentialSpecs = []struct {
	file      string
	isolation string
}{
	{"row-locks.spec", ""},          // FOR UPDATE, FOR SHARE, FOR KEY SHARE
	{"nowait-skip-locked.spec", ""}, // NOWAIT, SKIP LOCKED
	{"upsert.spec", ""},             // INSERT ... ON CONFLICT DO NOTHING / DO UPDATE
	{"write-skew.spec", "serializable"},
	{"read-only-anomaly.spec", "serializable"},
	{"deadlock-two.spec", ""},
	{"deadlock-three.spec", ""},
	{"savepoint.spec", ""},
	{"advisory-locks.spec", ""},
	{"foreign-key.spec", ""},
	{"lock-table.spec", ""},
	{"duplicate-join.spec", ""},
	{"lost-update.spec", ""},
	{"stale-read.spec", ""},
	{"notices.spec", ""}, // notices, NOTIFY, the "notices N" marker
	{"markers.spec", ""}, // step markers and (*)
}

// differentialRuns is how many times each spec runs through each tool.
const differentialRuns = 10

// TestSpecDifferential runs each spec ten times through jbcheck's runner
// and ten times through isolationtester, alternately, on the same embedded
// server: all twenty transcripts must be identical, byte for byte
// (standard output and standard error each).
func TestSpecDifferential(t *testing.T) {
	tester := isolationtesterPath(t)
	for _, tc := range differentialSpecs {
		t.Run(strings.TrimSuffix(tc.file, ".spec"), func(t *testing.T) {
			path := filepath.Join(specsDir, tc.file)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sp, err := spec.Parse(path, string(src))
			if err != nil {
				t.Fatal(err)
			}
			var first, firstErr string
			for i := range differentialRuns {
				wantOut, wantErr := runIsolationtester(t, tester, src, tc.isolation)
				gotOut, gotErr := runJbcheck(t, sp, tc.isolation)
				if i == 0 {
					first, firstErr = wantOut, wantErr
					if !strings.Contains(first, "starting permutation") {
						t.Fatalf("isolationtester ran no permutation:\n%s%s", wantOut, wantErr)
					}
				}
				for _, c := range []struct{ who, got, want string }{
					{"isolationtester", wantOut, first}, {"isolationtester (stderr)", wantErr, firstErr},
					{"jbcheck", gotOut, first}, {"jbcheck (stderr)", gotErr, firstErr},
				} {
					if c.got != c.want {
						t.Fatalf("run %d: %s differs from isolationtester's first transcript:\n%s", i+1, c.who, lineDiff(c.want, c.got))
					}
				}
			}
		})
	}
}

// isolationtesterPath finds PostgreSQL's isolationtester beside the server
// binaries the embedded cluster runs (Debian: lib/pgxs/src/test/isolation).
func isolationtesterPath(t *testing.T) string {
	t.Helper()
	bin, err := postgres.FindBinaries("")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(bin.Dir, "..", "lib", "pgxs", "src", "test", "isolation", "isolationtester")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("PostgreSQL's isolationtester is not installed (%v): it comes with postgresql-client-15 on Debian", err)
	}
	return path
}

// conninfo reaches the test cluster's database over its private socket,
// with the sessions' isolation level, for libpq.
func conninfo(isolation string) string {
	cfg := server.ConnConfig()
	s := fmt.Sprintf("host=%s port=%d user=%s dbname=%s", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	if isolation != "" {
		s += fmt.Sprintf(" options='-c default_transaction_isolation=%s'", strings.ReplaceAll(isolation, " ", `\ `))
	}
	return s
}

func runIsolationtester(t *testing.T, path string, src []byte, isolation string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, conninfo(isolation))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	cmd.Stdin = bytes.NewReader(src)
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		t.Fatalf("isolationtester: %v\n%s%s", err, out.String(), errs.String())
	}
	return out.String(), errs.String()
}

// runJbcheck runs the spec on a runner of its own, closed before
// isolationtester runs (a session left holding a lock would block it).
func runJbcheck(t *testing.T, sp *spec.Spec, isolation string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := spec.NewRunner(ctx, server, spec.Options{Isolation: isolation})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out, errs bytes.Buffer
	if err := r.Run(ctx, sp, &out, &errs); err != nil {
		t.Fatalf("jbcheck: %v\n%s%s", err, out.String(), errs.String())
	}
	return out.String(), errs.String()
}

// lineDiff shows where two transcripts part: the first differing line and
// a few around it.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	from := max(0, i-3)
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d\n--- want\n", i+1)
	for j := from; j < min(len(w), i+4); j++ {
		fmt.Fprintf(&b, "  %q\n", w[j])
	}
	b.WriteString("--- got\n")
	for j := from; j < min(len(g), i+4); j++ {
		fmt.Fprintf(&b, "  %q\n", g[j])
	}
	return b.String()
}
