package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestScheduleModeNeedsNoSuperuser: with a role that may create databases
// but is not a superuser, schedule mode runs — the engine waits for the
// server's own deadlock detector instead of setting deadlock_timeout, a
// superuser-only parameter — and finds the duplicate join.
func TestScheduleModeNeedsNoSuperuser(t *testing.T) {
	_, host, port := userServer(t, "creator", "CREATEDB", "pw")
	dsn := fmt.Sprintf("host=%s port=%d user=creator dbname=postgres", host, port)
	r := jbcheck(t, "explore", "--variant", "join-check-then-insert", "--scenario", "c0: join(u0,g0); c1: join(u0,g0)",
		"--out", filepath.Join(t.TempDir(), "explore"), "--dsn", dsn)
	if r.code != 1 || strings.Contains(r.stderr, "permission denied") {
		t.Errorf("explore with a CREATEDB role: exit %d, want 1 (the duplicate join); stderr:\n%s", r.code, r.stderr)
	}
}

// TestScheduleModeSaysUpFrontWhatItNeeds: with a role that may not create
// databases, every schedule-mode command stops before running anything,
// exit 2 (an environment error, not a verdict), with one message that names
// the missing attribute and why.
func TestScheduleModeSaysUpFrontWhatItNeeds(t *testing.T) {
	_, host, port := userServer(t, "plain", "", "pw")
	dsn := fmt.Sprintf("host=%s port=%d user=plain dbname=postgres", host, port)
	out := t.TempDir()
	for _, args := range [][]string{
		{"explore", "--variant", "locking", "--scenario", "c0: join(u0,g0); c1: join(u0,g0)", "--out", filepath.Join(out, "explore")},
		{"replay", "--out", filepath.Join(out, "replay"), "../../histories/corpus/join-check-then-insert.jsonl"},
		{"shrink", "--out", filepath.Join(out, "shrunk.jsonl"), "../../histories/corpus/wallet-read-modify-write.jsonl"},
		{"verify", "--quick", "--variants", "locking", "--out", filepath.Join(out, "verify")},
	} {
		r := jbcheck(t, append(args, "--dsn", dsn)...)
		if r.code != 2 || strings.Count(r.stderr, "lacks CREATEDB") != 1 || strings.Contains(r.stderr, "check failed") {
			t.Errorf("jbcheck %s with a role without CREATEDB: exit %d, want 2 and one message naming CREATEDB; stderr:\n%s",
				args[0], r.code, r.stderr)
		}
	}
}
