package histories

import (
	"os"
	"path/filepath"
	"strings"
)

// Files names a history file and the files that go with it: its picture
// and, in schedule mode, its transcript.
type Files struct {
	History, Picture, Transcript string
}

// FilesIn names history.jsonl, history.html and transcript.txt in dir.
func FilesIn(dir string) Files { return FilesOf(filepath.Join(dir, "history.jsonl")) }

// FilesOf names the files that go with a history: beside DIR/history.jsonl
// they are DIR/history.html and DIR/transcript.txt; beside X.jsonl they are
// X.html and X.transcript.txt.
func FilesOf(history string) Files {
	if filepath.Base(history) == "history.jsonl" {
		dir := filepath.Dir(history)
		return Files{History: history, Picture: filepath.Join(dir, "history.html"), Transcript: filepath.Join(dir, "transcript.txt")}
	}
	base := strings.TrimSuffix(history, ".jsonl")
	return Files{History: history, Picture: base + ".html", Transcript: base + ".transcript.txt"}
}

// WritePictureFile writes the picture of h's most telling violating world
// (the world of the verdict's first anomaly) to path and returns path, or
// writes nothing and returns "" when v found no violation. The picture is
// drawn from the violating segment, which v keeps (h may be nil when v
// comes from CheckScanner or Check).
func WritePictureFile(path string, h *History, v Verdict) (string, error) {
	worlds := v.ViolatingWorlds()
	if len(worlds) == 0 {
		return "", nil
	}
	if len(v.Anomalies) > 0 {
		worlds[0] = v.Anomalies[0].World
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	history := strings.TrimSuffix(filepath.Base(path), ".html") + ".jsonl"
	if err := writePicture(f, h, v, worlds[0], history); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
