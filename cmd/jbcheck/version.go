package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
)

func init() {
	register(command{
		name:    "version",
		summary: "print jbcheck's module version and VCS revision",
		usage: `jbcheck version (or jbcheck --version)

Prints the module path and version, the VCS revision and commit time the
binary was built from (with "+modified" when the work tree had changes),
and the Go version, all read from the binary's build information.`,
		run: runVersion,
	})
}

func runVersion(_ context.Context, args []string) error {
	fs := newFlagSet("version")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	fmt.Println(versionLine())
	return nil
}

// versionLine is "jbcheck v0.1.0 (module jbcheck.dev/jbcheck, revision
// 0123abcd… 2026-11-29T04:00:00Z, go1.26)".
func versionLine() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "jbcheck (no build information: built without module support)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var revision, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var parts []string
	parts = append(parts, "module "+info.Main.Path)
	switch {
	case revision == "":
		parts = append(parts, "revision unknown (built without VCS information)")
	default:
		r := "revision " + revision
		if when != "" {
			r += " " + when
		}
		if modified {
			r += " +modified"
		}
		parts = append(parts, r)
	}
	parts = append(parts, info.GoVersion)
	return fmt.Sprintf("jbcheck %s (%s)", version, strings.Join(parts, ", "))
}
