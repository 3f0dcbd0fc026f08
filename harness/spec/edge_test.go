package spec_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/spec"
)

// edgeSpecs are small specs at the edges of isolationtester's output rules.
var edgeSpecs = []struct {
	name, src string
	failing   bool // isolationtester exits 1 (and jbcheck returns an error)
}{
	{"setup and teardown blocks print their last result set", `
setup { CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'é'), (2, NULL); SELECT 1 AS first; SELECT id, name FROM t ORDER BY id; }
setup { SELECT 'second setup' AS "A ""quoted"" name"; }
teardown { SELECT count(*) FROM t; DROP TABLE t; }
session "first session"
setup { SELECT 'session setup' AS s; }
step "step one" { SELECT; SELECT id FROM t WHERE false; SELECT 1.5 AS x, '1.' AS y, 'E1' AS z, -3 AS w; }
step "" { }
teardown { SELECT 'session teardown' AS s; }
`, false},
	{"an error stops a step's statements; isolationtester goes on", `
session s1
step s1a { SELECT 1 AS one; SELECT 1/0; SELECT 3; }
step s1b { SELEC 1; }
step s1c { BEGIN; SELECT 1/0; }
step s1d { SELECT 1; }
step s1e { COMMIT; }
permutation s1a s1b s1c s1d s1e
`, false},
	{"unused steps are warned about, in byte order", `
session s1
step b { SELECT 1; }
step B { SELECT 2; }
step a { SELECT 3; }
permutation b
`, false},
	{"a session's next step waits until its blocked step ends (here by lock_timeout)", `
setup { CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1); }
teardown { DROP TABLE t; }
session s1
setup { BEGIN; }
step s1u { UPDATE t SET id = 1; }
step s1c { COMMIT; }
session s2
step s2u { SET lock_timeout = '1s'; UPDATE t SET id = 1; }
step s2r { SELECT id FROM t; }
permutation s1u s2u s2r s1c
`, false},
	{"markers that wait for each other", `
session s1
step a { SELECT 1; }
session s2
step b { SELECT 2; }
permutation a(*, b) b(a)
`, true},
}

// TestSpecEdgesAsIsolationtester runs each edge spec through both tools:
// the same standard output (and, for warnings, standard error), and the
// same failure where isolationtester fails.
func TestSpecEdgesAsIsolationtester(t *testing.T) {
	tester := isolationtesterPath(t)
	for _, tc := range edgeSpecs {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := spec.Parse("edge.spec", tc.src)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, tester, conninfo(""))
			cmd.Stdin = strings.NewReader(tc.src)
			var wantOut, wantErr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
			itErr := cmd.Run()
			r, err := spec.NewRunner(ctx, server, spec.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var gotOut, gotErr bytes.Buffer
			runErr := r.Run(ctx, sp, &gotOut, &gotErr)
			r.Close()
			if (itErr != nil) != tc.failing || (runErr != nil) != tc.failing {
				t.Fatalf("isolationtester: %v, jbcheck: %v; want failures: %v\n%s%s", itErr, runErr, tc.failing, wantOut.String(), wantErr.String())
			}
			if gotOut.String() != wantOut.String() {
				t.Errorf("standard output differs:\n%s", lineDiff(wantOut.String(), gotOut.String()))
			}
			if tc.failing {
				if !errors.Is(runErr, spec.ErrMutuallyBlocked) || !strings.Contains(wantErr.String(), spec.ErrMutuallyBlocked.Error()) {
					t.Errorf("jbcheck: %v; isolationtester: %s", runErr, wantErr.String())
				}
			} else if gotErr.String() != wantErr.String() {
				t.Errorf("standard error differs:\n%s", lineDiff(wantErr.String(), gotErr.String()))
			}
		})
	}
}

// TestSpecInvalidPermutationSaysWhy: a permutation that sends a step of a
// session whose previous step still waits for a lock cannot go on;
// isolationtester cancels the waiting step after PGISOLATIONTIMEOUT, and
// jbcheck stops after its StuckTimeout, naming the steps.
func TestSpecInvalidPermutationSaysWhy(t *testing.T) {
	sp, err := spec.Parse("invalid.spec", `
setup { CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1); }
teardown { DROP TABLE t; }
session s1
setup { BEGIN; }
step s1u { UPDATE t SET id = 1; }
step s1c { COMMIT; }
session s2
step s2u { UPDATE t SET id = 1; }
step s2r { SELECT id FROM t; }
permutation s1u s2u s2r s1c
`)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := spec.NewRunner(ctx, server, spec.Options{StuckTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out, errs bytes.Buffer
	err = r.Run(ctx, sp, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "s2r") || !strings.Contains(err.Error(), "s2u") {
		t.Fatalf("got %v, want an error naming s2r and the step it waits behind, s2u\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "step s2u: UPDATE t SET id = 1; <waiting ...>") {
		t.Errorf("the transcript up to the stop:\n%s", out.String())
	}
}
