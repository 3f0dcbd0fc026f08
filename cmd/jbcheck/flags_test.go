package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRunFlagsAreCheckedBeforeAnythingStarts: flags a run cannot honour
// exit 2 with one message, before a cluster is started or the output
// directory is made. (Before: --clients 0 and 10000 failed only after the
// cluster started, the second after 35 s and twice; --duration -1s and 0
// ran 4,000 operations and exited 0; --ops and --duration were both taken.)
func TestRunFlagsAreCheckedBeforeAnythingStarts(t *testing.T) {
	for _, flags := range [][]string{
		{"--clients", "0"},
		{"--clients", "10000"},
		{"--worlds", "0"},
		{"--duration", "-1s"},
		{"--duration", "0"},
		{"--ops", "100", "--duration", "1s"},
		{"--ops", "0"},
		{"--check-timeout", "0"},
		{"--burst-every", "-1s"},
		{"--burst-every", "10ms", "--faults", "kill"},
	} {
		out := filepath.Join(t.TempDir(), "out")
		r := jbcheck(t, append([]string{"run", "--variant", "locking", "--out", out}, flags...)...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], flags[0]) || r.stdout != "" {
			t.Errorf("run %s: exit %d, want 2 with one message naming %s; stdout:\n%s\nstderr:\n%s", strings.Join(flags, " "), r.code, flags[0], r.stdout, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("run %s: the output directory was made", strings.Join(flags, " "))
		}
	}
}

// Flags may come after positional arguments, except where the arguments are
// a command to run (stress) and after --.
func TestFlagsAfterPositionalArguments(t *testing.T) {
	cases := []struct {
		args       []string
		want       int
		positional []string
		out        string
	}{
		{[]string{"a", "--out", "x", "b"}, manyArgs, []string{"a", "b"}, "x"},
		{[]string{"--out", "x", "a", "b"}, manyArgs, []string{"a", "b"}, "x"},
		{[]string{"a", "--", "--out", "x"}, manyArgs, []string{"a", "--out", "x"}, ""},
		{[]string{"a", "--out", "x"}, 1, []string{"a"}, "x"},
		{[]string{"--", "--out"}, 1, []string{"--out"}, ""},
		{[]string{"cmd", "--out", "x"}, commandArgs, []string{"cmd", "--out", "x"}, ""},
	}
	for _, c := range cases {
		fs := newFlagSet("test-positional")
		out := fs.String("out", "", "")
		got, err := parseFlags(fs, c.args, c.want)
		if err != nil || !slices.Equal(got, c.positional) || *out != c.out {
			t.Errorf("%q: positional %q, --out %q, error %v; want %q and %q", c.args, got, *out, err, c.positional, c.out)
		}
	}
}
