package schedule

import (
	"os"
	"path/filepath"
	"strings"

	"jbcheck.dev/jbcheck/histories"
)

// WriteEvidence writes a schedule's history.jsonl, transcript.txt and — when
// a guarantee was violated — history.html into dir.
func WriteEvidence(dir string, res *Result) (histories.Files, error) {
	return WriteFiles(histories.FilesIn(dir), res)
}

// WriteFiles writes res's history and transcript where files says, and its
// picture when a guarantee was violated (otherwise the Picture it returns is
// empty: there is none).
func WriteFiles(files histories.Files, res *Result) (histories.Files, error) {
	if err := os.MkdirAll(filepath.Dir(files.History), 0o755); err != nil {
		return files, err
	}
	history, err := res.File()
	if err != nil {
		return files, err
	}
	if err := os.WriteFile(files.History, history, 0o644); err != nil {
		return files, err
	}
	if err := os.WriteFile(files.Transcript, []byte(strings.Join(res.Transcript, "\n")+"\n"), 0o644); err != nil {
		return files, err
	}
	files.Picture, err = histories.WritePictureFile(files.Picture, res.History, res.Verdict)
	return files, err
}
