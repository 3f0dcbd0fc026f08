package schedule

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"jbcheck/histories"
)

// Evidence is where a schedule's files were written.
type Evidence struct {
	History, Picture, Transcript string
}

// WriteEvidence writes a schedule's history.jsonl, transcript.txt and — when
// a guarantee was violated — history.html into dir.
func WriteEvidence(dir string, res *Result) (Evidence, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Evidence{}, err
	}
	ev := Evidence{History: filepath.Join(dir, "history.jsonl"), Transcript: filepath.Join(dir, "transcript.txt")}
	if err := os.WriteFile(ev.History, res.History, 0o644); err != nil {
		return Evidence{}, err
	}
	if err := os.WriteFile(ev.Transcript, []byte(strings.Join(res.Transcript, "\n")+"\n"), 0o644); err != nil {
		return Evidence{}, err
	}
	worlds := res.Verdict.ViolatingWorlds()
	if len(worlds) == 0 {
		return ev, nil
	}
	h, err := histories.Read(bytes.NewReader(res.History), ev.History)
	if err != nil {
		return Evidence{}, err
	}
	ev.Picture = filepath.Join(dir, "history.html")
	f, err := os.Create(ev.Picture)
	if err != nil {
		return Evidence{}, err
	}
	if err := histories.WritePicture(f, h, res.Verdict, worlds[0]); err != nil {
		f.Close()
		return Evidence{}, err
	}
	return ev, f.Close()
}
