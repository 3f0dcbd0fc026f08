package main

import (
	"flag"
	"fmt"
	"os"
)

// The command line's vocabulary, the same in every command (README, "The
// command line"):
//
//   - --out DIR is always a directory, made if missing, where the command
//     writes its files; jbcheck clears only what it wrote there before.
//   - --seed N: 0 (the default) picks a seed and prints it; the seed a run
//     used is always printed, so a run can be repeated.
//   - --timeout D bounds the whole command; --run-timeout D one run of a
//     command (stress); --check-timeout D the checker's time per world.
//   - --variant NAME for a command about one variant; verify, which takes
//     several, accepts --variants A,B and --variant A,B alike.
//
// Old names stay for a release as deprecated aliases (deprecatedFlag).

// deprecatedFlag makes old an alias of the flag named current, printing a
// warning when it is used; it goes away in the release after
// removedIn-1 (see CHANGELOG.md).
func deprecatedFlag(fs *flag.FlagSet, old, current string) {
	target := fs.Lookup(current)
	if target == nil {
		panic("deprecatedFlag: no flag " + current)
	}
	fs.Var(&aliasValue{fs: fs, old: old, current: current, target: target},
		old, fmt.Sprintf("deprecated: the old name of --%s (removed in v0.2.0)", current))
}

type aliasValue struct {
	fs           *flag.FlagSet
	old, current string
	target       *flag.Flag
}

func (a *aliasValue) String() string {
	if a == nil || a.target == nil {
		return ""
	}
	return a.target.Value.String()
}

func (a *aliasValue) Set(s string) error {
	fmt.Fprintf(os.Stderr, "jbcheck: warning: --%s is deprecated and will be removed in v0.2.0: use --%s\n", a.old, a.current)
	return a.fs.Set(a.current, s)
}

// IsBoolFlag lets a boolean flag's alias go without a value.
func (a *aliasValue) IsBoolFlag() bool {
	b, ok := a.target.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
