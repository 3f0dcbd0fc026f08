package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
)

func init() {
	register(command{
		name:    "replay",
		summary: "re-run a schedule-mode history and compare what happens",
		usage: `jbcheck replay [--variant NAME | --app CONFIG] [--out DIR] [--dsn DSN] FILE

Re-runs the scenario and schedule recorded in FILE (a history written by
jbcheck explore) on a fresh database — against another variant with
--variant — and says whether every client got the same answers and whether
every guarantee held. A history of an application (jbcheck explore --app)
replays against the application its --app CONFIG starts. The new run's files go to DIR (default: a new
temporary directory, printed); never next to FILE.

Exit 0 when every guarantee held, 1 when one did not, 2 on a usage error.`,
		run: runReplay,
	})
}

func runReplay(ctx context.Context, args []string) error {
	fs := newFlagSet("replay")
	variantName := fs.String("variant", "", "run against this variant instead of the recorded one")
	appPath := appFlag(fs)
	outDir := fs.String("out", "", "directory for the new run's files")
	dsn := fs.String("dsn", "", "an existing server instead of the embedded one")
	asJSON := fs.Bool("json", false, "print the verdict as JSON (docs/json.md)")
	path, h, err := parseHistoryArg(fs, args)
	if err != nil {
		return err
	}
	if h.Header.Mode != histories.ModeSchedule {
		return fmt.Errorf("%w: %s is a %s-mode history: only schedule-mode histories (from jbcheck explore) replay exactly; `jbcheck shrink %s` turns it into one", errUsage, path, h.Header.Mode, path)
	}
	sc, recorded, err := histories.ScenarioOf(h, path)
	if err != nil {
		return err
	}
	name := h.Header.Variant
	if *variantName != "" {
		name = *variantName
	}
	if *appPath != "" {
		name = ""
	}
	t, err := loadTarget(name, *appPath, &sc)
	if err != nil {
		return err
	}
	if *outDir == "" {
		if *outDir, err = os.MkdirTemp("", "jbcheck-replay-"); err != nil {
			return err
		}
	}
	out, err := openOutput(*outDir)
	if err != nil {
		return err
	}
	defer closeOutput(out)
	execs, closeExecs, err := t.executors(ctx, *dsn, 1)
	if err != nil {
		return err
	}
	defer closeExecs()
	exec := execs[0]
	if err := exec.Recorded(recorded); err != nil {
		return err
	}
	exec.Command = commandLine("replay", args)
	choices := interleave.Replay(h.Header.Schedule)
	res, err := exec.Run(ctx, sc, &choices)
	if err != nil {
		return err
	}
	ev, err := schedule.WriteEvidence(*outDir, res)
	if err != nil {
		return err
	}
	same := res.Outcome == schedule.Outcome(h)
	if *asJSON {
		summary := map[string]any{"replayed": path, "variant": t.name(), "scenario": sc.String(), "schedule": res.Choices,
			"steps": res.Steps, "same_outcome": same, "out": *outDir, "transcript": ev.Transcript}
		return finishVerdict(res.Verdict, ev.History, ev.Picture, true, summary)
	}
	fmt.Printf("replay of %s against %s: %s\nschedule %v, %d steps\n", path, t.name(), sc, res.Choices, res.Steps)
	if same {
		fmt.Println("outcomes: the same as recorded, call for call, and the same final state")
	} else {
		fmt.Printf("outcomes: DIFFERENT\nrecorded:\n%s\nnow:\n%s\n", indent(schedule.Outcome(h)), indent(res.Outcome))
	}
	fmt.Printf("output:     %s\ntranscript: %s\n", *outDir, ev.Transcript)
	return finishVerdict(res.Verdict, ev.History, ev.Picture, false, nil)
}

func indent(s string) string { return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ") }
