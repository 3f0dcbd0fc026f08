package main

import (
	"context"
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every command's help is generated from its flag set: `help CMD`, `CMD -h`
// and `CMD --help` print the same text on standard output and exit 0, and
// the flags it lists are exactly the flag set's, double-dash, each with its
// default.
func TestHelpListsEveryFlagOfTheFlagSet(t *testing.T) {
	for _, c := range commands {
		if c.name == "help" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			help := jbcheck(t, "help", c.name)
			if help.code != 0 || help.stderr != "" {
				t.Fatalf("help %s: exit %d, stderr %q", c.name, help.code, help.stderr)
			}
			for _, flagArg := range []string{"-h", "--help"} {
				r := jbcheck(t, c.name, flagArg)
				if r.code != 0 || r.stderr != "" || r.stdout != help.stdout {
					t.Errorf("%s %s: exit %d, stderr %q; its stdout differs from help %s's: %v", c.name, flagArg, r.code, r.stderr, c.name, r.stdout != help.stdout)
				}
			}
			_, section, ok := strings.Cut(help.stdout, "\nFlags:\n")
			if !ok {
				t.Fatalf("help %s has no Flags: section:\n%s", c.name, help.stdout)
			}
			listed := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(section, -1)
			var inHelp []string
			for _, m := range listed {
				inHelp = append(inHelp, m[1])
			}
			if regexp.MustCompile(`(?m)^  -[a-z]`).MatchString(strings.ReplaceAll(help.stdout, "  -h, --help", "")) {
				t.Errorf("help %s lists a single-dash flag:\n%s", c.name, help.stdout)
			}
			fs := flagSetOf(t, c)
			var want []string
			fs.VisitAll(func(f *flag.Flag) { want = append(want, f.Name) })
			slices.Sort(want)
			slices.Sort(inHelp)
			if !slices.Equal(inHelp, want) {
				t.Errorf("help %s lists flags %v; its flag set has %v", c.name, inHelp, want)
			}
			if n, d := len(listed), strings.Count(section, "(default"); d != n {
				t.Errorf("help %s: %d flags, %d defaults", c.name, n, d)
			}
		})
	}
}

// flagSetOf runs c with --help in this process and returns the flag set it
// made.
func flagSetOf(t *testing.T, c command) *flag.FlagSet {
	t.Helper()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	stdout := os.Stdout
	os.Stdout = devnull
	err = c.run(context.Background(), []string{"--help"})
	os.Stdout = stdout
	if err != errHelp {
		t.Fatalf("%s --help: %v", c.name, err)
	}
	flagSetsMu.Lock()
	defer flagSetsMu.Unlock()
	fs := flagSets[c.name]
	if fs == nil {
		t.Fatalf("%s made no flag set", c.name)
	}
	return fs
}

func TestHelpOfHelpAndUnknownFlags(t *testing.T) {
	for _, args := range [][]string{{"help", "--help"}, {"--help"}, {"help"}} {
		if r := jbcheck(t, args...); r.code != 0 || !strings.Contains(r.stdout, "Commands:") || r.stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := jbcheck(t, "run", "--no-such-flag")
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "--no-such-flag") || r.stdout != "" {
		t.Errorf("an unknown flag: exit %d, want 2 and one error naming --no-such-flag; stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	a, b := jbcheck(t, "version"), jbcheck(t, "--version")
	if a.code != 0 || b.code != 0 || a.stdout != b.stdout || !regexp.MustCompile(`^jbcheck \S+ \(module \S+, revision \S+`).MatchString(a.stdout) {
		t.Errorf("version: exit %d %q; --version: exit %d %q", a.code, a.stdout, b.code, b.stdout)
	}
}

// An old flag name still works for a release, as an alias of the new one.
func TestDeprecatedFlagIsAnAlias(t *testing.T) {
	fs := newFlagSet("test-alias")
	n := fs.Int("neighbors", 8, "")
	deprecatedFlag(fs, "neighbours", "neighbors")
	if _, err := parseFlags(fs, []string{"--neighbours", "3"}, 0); err != nil || *n != 3 {
		t.Errorf("--neighbours 3: %v, --neighbors is %d", err, *n)
	}
	r := jbcheck(t, "stress", "-n", "1", "--timeout", "1m", "--out", t.TempDir()+"/s", "--", "true")
	if r.code != 0 || !strings.Contains(r.stderr, "--timeout is deprecated") || !strings.Contains(r.stderr, "--run-timeout") {
		t.Errorf("stress --timeout: exit %d, stderr %q", r.code, r.stderr)
	}
}
