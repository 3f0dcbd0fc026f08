package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestCleanDropsTheDatabaseOfAKilledRun: a --dsn run killed with SIGKILL
// leaves its jbcheck_* database; `jbcheck clean` drops it, and keeps the
// database of a run still going.
func TestCleanDropsTheDatabaseOfAKilledRun(t *testing.T) {
	server, host, port := userServer(t, "cleaner", "CREATEDB", "pw")
	dsn := fmt.Sprintf("host=%s port=%d user=cleaner dbname=postgres", host, port)
	database := regexp.MustCompile(`database (jbcheck_[a-z0-9]+)`)
	runs := map[string]*process{}
	for _, name := range []string{"killed", "alive"} {
		out := filepath.Join(t.TempDir(), name)
		p := start(t, "run", "--variant", "locking", "--duration", "10m", "--out", out, "--dsn", dsn)
		p.waitForFile(t, filepath.Join(out, "history.jsonl"), `"type":"ok"`)
		runs[name] = p
	}
	name := func(p *process) string {
		m := database.FindStringSubmatch(p.stderr.String())
		if m == nil {
			t.Fatalf("the run did not name its database:\n%s", p.stderr.String())
		}
		return m[1]
	}
	killed, alive := name(runs["killed"]), name(runs["alive"])
	runs["killed"].cmd.Process.Signal(syscall.SIGKILL)
	runs["killed"].wait(t)

	r := jbcheck(t, "clean", "--dsn", dsn)
	if r.code != 0 {
		t.Fatalf("clean: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := map[string]string{}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			lines[f[0]] = line
		}
	}
	if !strings.Contains(lines[killed], "dropped") || !strings.Contains(lines[alive], "kept") {
		t.Errorf("clean: want %s dropped and %s kept:\n%s", killed, alive, r.stdout)
	}
	conn, err := server.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	for db, want := range map[string]int{killed: 0, alive: 1} {
		var n int
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", db).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s: %d on the server after clean, want %d", db, n, want)
		}
	}
	runs["alive"].cmd.Process.Signal(syscall.SIGINT)
	runs["alive"].wait(t)
}
