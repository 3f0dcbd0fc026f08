package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestScheduleModeSaysUpFrontItNeedsASuperuser: with a role that may create
// databases but is not a superuser, every schedule-mode command stops before
// running anything, exit 2 (an environment error, not a verdict), with one
// message that names the missing attribute and why schedule mode needs it.
func TestScheduleModeSaysUpFrontItNeedsASuperuser(t *testing.T) {
	_, host, port := userServer(t, "creator", "CREATEDB", "pw")
	dsn := fmt.Sprintf("host=%s port=%d user=creator dbname=postgres", host, port)
	out := t.TempDir()
	for _, args := range [][]string{
		{"explore", "--variant", "locking", "--scenario", "c0: join(u0,g0); c1: join(u0,g0)", "--out", filepath.Join(out, "explore")},
		{"replay", "--out", filepath.Join(out, "replay"), "../../histories/corpus/join-check-then-insert.jsonl"},
		{"shrink", "--out", filepath.Join(out, "shrunk.jsonl"), "../../histories/corpus/wallet-read-modify-write.jsonl"},
		{"verify", "--quick", "--variants", "locking", "--out", filepath.Join(out, "verify")},
	} {
		r := jbcheck(t, append(args, "--dsn", dsn)...)
		if r.code != 2 || strings.Count(r.stderr, "lacks SUPERUSER") != 1 || !strings.Contains(r.stderr, "deadlock_timeout") || strings.Contains(r.stderr, "check failed") {
			t.Errorf("jbcheck %s with a CREATEDB role: exit %d, want 2 and one message naming SUPERUSER and deadlock_timeout; stderr:\n%s",
				args[0], r.code, r.stderr)
		}
	}
}
