package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
)

// JUnit's test cases are VARIANT/ID, the same whatever the seed: CI can
// follow a check from run to run. The seed and budget are properties.
// The second run is verify --json: its output is summary.json's content,
// with the schema number.
func TestVerifyJUnitNamesDoNotChangeWithTheSeed(t *testing.T) {
	names := func(dir string) []string {
		t.Helper()
		text, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
		if err != nil {
			t.Fatal(err)
		}
		var suites report.JUnitSuites
		if err := xml.Unmarshal(text, &suites); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range suites.Suites {
			for _, c := range s.Cases {
				out = append(out, c.Name)
				if !regexp.MustCompile(`^locking/[a-z0-9/-]+$`).MatchString(c.Name) {
					t.Errorf("test case %q is not VARIANT/ID", c.Name)
				}
			}
		}
		return out
	}
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	if r := jbcheck(t, "verify", "--quick", "--variants", "locking", "--seed", "11", "--out", a); r.code != 0 {
		t.Fatalf("verify --seed 11: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r := jbcheck(t, "verify", "--quick", "--variant", "locking", "--seed", "12", "--out", b, "--json")
	if r.code != 0 {
		t.Fatalf("verify --seed 12 --json: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if na, nb := names(a), names(b); len(na) == 0 || !slices.Equal(na, nb) {
		t.Errorf("test cases differ between seeds:\n%v\n%v", na, nb)
	}
	var g report.Gate
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil || g.Schema != 1 || g.Seed != 12 || !g.Passed {
		t.Errorf("verify --json: %v, schema %d, seed %d, passed %v:\n%s", err, g.Schema, g.Seed, g.Passed, r.stdout)
	}
	summary, err := os.ReadFile(filepath.Join(a, "summary.json"))
	if err != nil || !strings.Contains(string(summary), `"schema": 1`) {
		t.Errorf("summary.json has no schema: %v", err)
	}
}

// Every --json output carries "schema": 1 (docs/json.md).
func TestEveryJSONOutputHasASchema(t *testing.T) {
	dir := t.TempDir()
	explore := filepath.Join(dir, "explore")
	cases := [][]string{
		{"explore", "--variant", "join-check-then-insert", "--scenario", "c0: join(u0,g0); c1: join(u0,g0)", "--out", explore, "--json"},
		{"replay", filepath.Join(explore, "history.jsonl"), "--out", filepath.Join(dir, "replay"), "--json"},
		{"shrink", filepath.Join(explore, "history.jsonl"), "--out", filepath.Join(dir, "shrunk"), "--json"},
		{"check", filepath.Join(explore, "history.jsonl"), "--json"},
		{"run", "--variant", "locking", "--ops", "200", "--out", filepath.Join(dir, "run"), "--json"},
		{"stress", "-n", "2", "--out", filepath.Join(dir, "stress"), "--json", "--", "true"},
		{"spec", "--explore", "--json", filepath.Join(specsDir, "lost-update.spec")},
	}
	for _, args := range cases {
		r := jbcheck(t, args...)
		var out struct {
			Schema *int `json:"schema"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Schema == nil || *out.Schema != 1 || r.code == 2 {
			t.Errorf("%s --json: exit %d, %v, schema %v:\n%s\n%s", args[0], r.code, err, out.Schema, r.stdout, r.stderr)
		}
	}
}
