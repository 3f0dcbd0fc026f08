package main

import (
	"fmt"
	"os"

	"jbcheck.dev/jbcheck/harness/report"
)

// openOutput readies the --out directory of a command: jbcheck clears only
// what it wrote there before, and refuses a directory with anyone else's
// files in it (report.OpenOutputDir).
func openOutput(dir string) (*report.OutputDir, error) {
	d, err := report.OpenOutputDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", dir, err)
	}
	return d, nil
}

// closeOutput records what the command wrote in its output directory.
func closeOutput(d *report.OutputDir) {
	if err := d.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "jbcheck: --out:", err)
	}
}
