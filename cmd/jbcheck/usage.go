package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// flagSets holds the flag set each command made last: the help test
// compares the flags its help lists with them.
var (
	flagSetsMu sync.Mutex
	flagSets   = map[string]*flag.FlagSet{}
)

// newFlagSet makes a subcommand's flag set. Its help is generated from it
// (writeUsage): `jbcheck help CMD`, `CMD -h` and `CMD --help` print the
// same text on standard output. The flag package prints nothing itself: an
// error comes back once, from parseFlags.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	flagSetsMu.Lock()
	flagSets[name] = fs
	flagSetsMu.Unlock()
	return fs
}

// The number of positional arguments parseFlags takes, when not a fixed
// number.
const (
	// commandArgs: any number, and everything after the first one is
	// positional, flags or not, as `jbcheck stress -- CMD ARGS` needs.
	commandArgs = -1
	// manyArgs: any number, with flags among them
	// (`jbcheck merge DIR DIR --out X`).
	manyArgs = -2
)

// parseFlags parses args and returns the positional arguments, checking
// their number. With wantArgs ≥ 0 or manyArgs, flags may also come after
// the positional arguments (`jbcheck replay FILE --variant locking`); with
// commandArgs, everything after the first positional argument is
// positional. After --, everything is.
func parseFlags(fs *flag.FlagSet, args []string, wantArgs int) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				writeUsage(os.Stdout, fs)
				return nil, errHelp
			}
			// The flag package names a flag with one dash; jbcheck's are
			// written with two.
			msg := oneDash.ReplaceAllString(err.Error(), "$1 --$2")
			return nil, fmt.Errorf("%w: %s: %s (run `jbcheck help %s`)", errUsage, fs.Name(), msg, fs.Name())
		}
		ended := len(args) > len(fs.Args()) && args[len(args)-len(fs.Args())-1] == "--"
		args = fs.Args()
		if wantArgs == commandArgs || ended || len(args) == 0 {
			positional = append(positional, args...)
			break
		}
		positional, args = append(positional, args[0]), args[1:]
	}
	if wantArgs >= 0 && len(positional) != wantArgs {
		return nil, fmt.Errorf("%w: %s takes %d argument(s), got %d: %q (run `jbcheck help %s`)",
			errUsage, fs.Name(), wantArgs, len(positional), positional, fs.Name())
	}
	return positional, nil
}

var oneDash = regexp.MustCompile(`(flag|:) -(\w)`)

// writeUsage writes a command's usage text and then every flag of fs,
// double-dash, with its kind of value and its default.
func writeUsage(w io.Writer, fs *flag.FlagSet) {
	for _, c := range commands {
		if c.name == fs.Name() {
			fmt.Fprintln(w, c.usage)
		}
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.VisitAll(func(f *flag.Flag) {
		line := "  --" + f.Name
		if kind := flagKind(f); kind != "" {
			line += " " + kind
		}
		usage := f.Usage
		if !strings.Contains(usage, "(default") {
			usage += " (default " + flagDefault(f) + ")"
		}
		fmt.Fprintf(w, "%s\n        %s\n", line, usage)
	})
	fmt.Fprintln(w, "  -h, --help\n        print this help and exit 0")
}

// stringKinds name what the common string flags take.
var stringKinds = map[string]string{"out": "DIR", "dsn": "DSN", "variant": "NAME", "variants": "A,B", "scenario": "CALLS",
	"world": "WORLD", "strategy": "STRATEGY", "faults": "LIST", "mix": "OP=W,...", "isolation": "LEVEL", "shard": "I/N", "update": "FILE"}

// flagKind names what a flag takes: "" for a switch.
func flagKind(f *flag.Flag) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "VALUE"
	}
	switch g.Get().(type) {
	case bool:
		return ""
	case int, int64, uint, uint64:
		return "N"
	case float64:
		return "X"
	case time.Duration:
		return "DURATION"
	case string:
		if name, ok := stringKinds[f.Name]; ok {
			return name
		}
		return "TEXT"
	}
	return "VALUE"
}

func flagDefault(f *flag.Flag) string {
	if g, ok := f.Value.(flag.Getter); ok {
		if _, isString := g.Get().(string); isString {
			if f.DefValue == "" {
				return "none"
			}
			return fmt.Sprintf("%q", f.DefValue)
		}
	}
	if strings.TrimSpace(f.DefValue) == "" {
		return "none"
	}
	return f.DefValue
}
