package hunt

import (
	"os"
	"path/filepath"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
)

// keep records a shrunk counterexample as the hunt's result and, with
// Out, writes its history, transcript, picture and bug report there.
func (h *hunter) keep(c *Counterexample) error {
	if h.o.Out != "" {
		var err error
		if c.Files, err = schedule.WriteEvidence(h.o.Out, c.Result); err != nil {
			return err
		}
	}
	return h.report(c, c.Result.History, c.Result.Verdict, c.Result.Transcript)
}

// report records c as the hunt's result and, with Out, writes its bug
// report beside its history.
func (h *hunter) report(c *Counterexample, hist *histories.History, verdict histories.Verdict, transcript []string) error {
	h.res.Violated, h.res.Counterexample = true, c
	if h.o.Out == "" {
		return nil
	}
	path, err := WriteBugReport(report.Counterexample{History: hist, Verdict: verdict, Files: c.Files, Transcript: transcript})
	c.BugReport = path
	return err
}

// WriteBugReport writes bug-report.md beside cx's history (with the
// variant's summary when it is registered) and returns its path.
func WriteBugReport(cx report.Counterexample) (string, error) {
	path := filepath.Join(filepath.Dir(cx.Files.History), "bug-report.md")
	if v, err := protocol.Lookup(cx.History.Header.Variant); err == nil {
		cx.VariantSummary = v.Info().Summary
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := report.BugReport(f, cx); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// writeStress writes a violating stress history and its picture into dir.
func writeStress(dir string, raw []byte, hist *histories.History, verdict histories.Verdict) error {
	files := histories.FilesIn(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(files.History, raw, 0o644); err != nil {
		return err
	}
	_, err := histories.WritePictureFile(files.Picture, hist, verdict)
	return err
}
