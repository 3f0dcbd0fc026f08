package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// canary is a password distinctive enough that finding it anywhere means it
// leaked.
const canary = "Xq9-leak-canary-7Zt"

// TestNoCommandWritesOrPrintsTheDSNPassword runs run, check, explore,
// shrink, replay, report, verify and clean with a password in --dsn, in
// every form (URL user information, ?password=, key=value, --dsn=), against
// a server with a role of that password, and runs that fail to connect or
// to parse the DSN; then reads every file they wrote and all they printed,
// and finds the password nowhere. The histories still record their command
// lines, masked.
func TestNoCommandWritesOrPrintsTheDSNPassword(t *testing.T) {
	_, host, port := userServer(t, "leaktest", "SUPERUSER CREATEDB", canary)
	url := fmt.Sprintf("postgres://leaktest:%s@/postgres?host=%s&port=%d", canary, host, port)
	query := fmt.Sprintf("postgres:///postgres?host=%s&port=%d&user=leaktest&password=%s", host, port, canary)
	keyValue := fmt.Sprintf("host=%s port=%d user=leaktest password='%s' dbname=postgres", host, port, canary)
	dir := t.TempDir()
	var runs []ran
	do := func(want int, args ...string) ran {
		t.Helper()
		r := jbcheck(t, args...)
		runs = append(runs, r)
		if r.code != want {
			t.Fatalf("jbcheck %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
		}
		return r
	}
	// A lost update, caught by real concurrency (up to five seeds).
	stressed := filepath.Join(dir, "run")
	for seed := 1; ; seed++ {
		r := jbcheck(t, "run", "--variant", "wallet-read-modify-write", "--clients", "6", "--ops", "600",
			"--seed", fmt.Sprint(seed), "--out", stressed, "--dsn", url)
		runs = append(runs, r)
		if r.code == 1 {
			break
		}
		if seed == 5 {
			t.Fatalf("run: exit %d in five seeds, want a violation:\n%s", r.code, r.stderr)
		}
	}
	history := filepath.Join(stressed, "history.jsonl")
	do(1, "check", history)
	do(1, "explore", "--variant", "join-check-then-insert", "--scenario", "c0: join(u0,g0); c1: join(u0,g0)",
		"--out", filepath.Join(dir, "explore"), "--dsn", keyValue)
	// Shrinking a schedule-mode history takes a second; a stress history's
	// candidates, explored on a --dsn server, can take minutes.
	shrunk := filepath.Join(dir, "shrunk", "history.jsonl")
	do(0, "shrink", "--out", filepath.Dir(shrunk), "--dsn", query, filepath.Join(dir, "explore", "history.jsonl"))
	do(1, "replay", "--out", filepath.Join(dir, "replay"), "--dsn="+url, shrunk)
	do(0, "report", "--out", filepath.Join(dir, "report"), shrunk)
	do(0, "verify", "--quick", "--variants", "join-check-then-insert", "--out", filepath.Join(dir, "verify"), "--dsn", url)
	do(0, "clean", "--dsn", keyValue)
	// A server that cannot be reached, and a DSN that does not parse: the
	// errors name neither password.
	unreachable := fmt.Sprintf("postgres://leaktest:%s@/postgres?host=%s&port=1", canary, filepath.Join(dir, "nowhere"))
	do(2, "run", "--variant", "locking", "--ops", "10", "--out", filepath.Join(dir, "unreachable"), "--dsn", unreachable)
	do(2, "run", "--variant", "locking", "--ops", "10", "--out", filepath.Join(dir, "unparsable"), "--dsn", keyValue+" port=notaport")

	for _, r := range runs {
		for _, text := range []string{r.stdout, r.stderr} {
			if strings.Contains(text, canary) {
				t.Errorf("the password was printed:\n%s", text)
			}
		}
	}
	if !strings.Contains(runs[0].stderr, "password is on the command line") {
		t.Errorf("run with a password in --dsn did not warn about ps:\n%s", runs[0].stderr)
	}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		text, err := os.ReadFile(path)
		if strings.Contains(string(text), canary) {
			t.Errorf("%s holds the password", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{history, filepath.Join(dir, "explore", "history.jsonl"), shrunk, filepath.Join(dir, "replay", "history.jsonl")} {
		text, err := os.ReadFile(h)
		if err != nil {
			t.Fatal(err)
		}
		if header, _, _ := strings.Cut(string(text), "\n"); !strings.Contains(header, `"command":"jbcheck `) || !strings.Contains(header, "REDACTED") {
			t.Errorf("%s: the header does not record the command line, masked: %s", h, header)
		}
	}
	if files < 15 {
		t.Errorf("only %d files written: the commands did not run as planned", files)
	}
}
