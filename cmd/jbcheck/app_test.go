package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleApp is a config of examples/node-service.
func exampleApp(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "examples", "node-service", name)
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), "node_modules", "pg")); err != nil {
		t.Fatal("the example application's dependencies are not installed: run `make node-service`")
	}
	return path
}

// TestAppExploreThenReplay: explore --app finds the flaky service's
// duplicate join and writes its files; replay --app reproduces it.
func TestAppExploreThenReplay(t *testing.T) {
	flaky := exampleApp(t, "flaky.json")
	dir := t.TempDir()
	err := dispatch(context.Background(), []string{"explore", "--app", flaky, "--scenario", "c0: join(u0,g0); c1: join(u0,g0)", "--out", dir})
	if !errors.Is(err, errViolation) || !strings.Contains(err.Error(), "I1") {
		t.Fatalf("explore --app: got %v, want the duplicate join (I1)", err)
	}
	for _, f := range []string{"history.jsonl", "transcript.txt", "history.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("explore --app did not write %s: %v", f, err)
		}
	}
	err = dispatch(context.Background(), []string{"replay", "--app", flaky, "--out", t.TempDir(), filepath.Join(dir, "history.jsonl")})
	if !errors.Is(err, errViolation) {
		t.Fatalf("replay --app: got %v, want the violation again", err)
	}
}

// TestAppUsageErrors: a config's mistake names its file and line, and a
// scenario the application cannot run, or --app with --variant or
// --faults, is refused before anything starts.
func TestAppUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"name\": \"x\",\n  \"service\": {\"command\": []}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	flaky := filepath.Join("..", "..", "examples", "node-service", "flaky.json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"explore", "--app", bad, "--scenario", "c0: join(u0,g0)"}, "bad.json:3: service.command"},
		{[]string{"explore", "--app", flaky, "--scenario", "c0: transfer(u0,u1,5)"}, `no "transfer" operation`},
		{[]string{"explore", "--app", flaky, "--variant", "locking", "--scenario", "c0: join(u0,g0)"}, "--variant and --app both given"},
		{[]string{"explore", "--app", flaky, "--faults", "crash", "--scenario", "c0: join(u0,g0)"}, "--faults with --app"},
		{[]string{"run", "--app", flaky, "--faults", "kill"}, "--faults with --app"},
	} {
		err := dispatch(context.Background(), c.args)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want a usage error saying %q", c.args, err, c.want)
		}
	}
}
