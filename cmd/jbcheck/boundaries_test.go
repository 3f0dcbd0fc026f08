package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPackageBoundaries holds the layout to its promises: the engine
// imports nothing of this module but harness/shard (which splits numbered
// work into shards and imports nothing of ours), and the offline commands'
// packages (check reads histories; report, harness/report) link no
// database code.
func TestPackageBoundaries(t *testing.T) {
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	for _, d := range deps("jbcheck.dev/jbcheck/harness/interleave") {
		switch {
		case d == "jbcheck.dev/jbcheck/harness/interleave", d == "jbcheck.dev/jbcheck/harness/shard":
		case strings.HasPrefix(d, "jbcheck.dev/jbcheck/"):
			t.Errorf("harness/interleave imports %s: the engine must know no protocol", d)
		}
	}
	for _, d := range deps("jbcheck.dev/jbcheck/harness/shard") {
		if strings.HasPrefix(d, "jbcheck.dev/jbcheck/") && d != "jbcheck.dev/jbcheck/harness/shard" {
			t.Errorf("harness/shard imports %s: the engine may import it only as a leaf", d)
		}
	}
	for _, pkg := range []string{"jbcheck.dev/jbcheck/histories", "jbcheck.dev/jbcheck/harness/report"} {
		for _, d := range deps(pkg) {
			if strings.Contains(d, "jackc/pgx") || d == "jbcheck.dev/jbcheck/harness/protocol" || d == "jbcheck.dev/jbcheck/harness/postgres" {
				t.Errorf("%s links %s: check and report must run with no database code", pkg, d)
			}
		}
	}
}
