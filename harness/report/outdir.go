package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Marker is the file that makes a directory a jbcheck output directory. It
// lists the files jbcheck wrote there, so that the next run into the same
// directory removes exactly those and nothing else.
const Marker = ".jbcheck-output"

// ErrForeignDir reports an output directory that is not empty and holds no
// Marker: jbcheck never deletes or overwrites what it did not write.
var ErrForeignDir = errors.New("not empty, and not a jbcheck output directory")

// OutputDir is a directory a command writes its output into.
type OutputDir struct {
	Path    string
	created bool
	before  []string // what was there when it was opened (relative paths)
}

// marker is what Marker holds.
type marker struct {
	// Complete is false while a run writes: a run killed before Close
	// leaves Written unlisted, and the next one removes whatever is not
	// in Foreign.
	Complete bool     `json:"complete"`
	Foreign  []string `json:"foreign,omitempty"` // there before jbcheck wrote: kept
	Written  []string `json:"written,omitempty"`
}

// OpenOutputDir readies dir for a run's output. A missing directory is
// made and an empty one used. One holding the Marker of an earlier run has
// the files that run wrote removed, with the directories they leave empty,
// so that no stale evidence mixes with the new; what anyone else put there
// stays. Any other directory is refused with ErrForeignDir.
func OpenOutputDir(dir string) (*OutputDir, error) {
	d := &OutputDir{Path: dir}
	switch entries, err := os.ReadDir(dir); {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		d.created = true
	case err != nil:
		return nil, err
	case len(entries) > 0:
		if err := d.clearPrevious(); err != nil {
			return nil, err
		}
	}
	var err error
	if d.before, err = d.list(); err != nil {
		return nil, err
	}
	return d, d.writeMarker(marker{Foreign: d.before})
}

// clearPrevious removes what an earlier run listed in its Marker.
func (d *OutputDir) clearPrevious() error {
	text, err := os.ReadFile(filepath.Join(d.Path, Marker))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s has files in it and no %s; choose a new or empty directory, or empty this one yourself",
			ErrForeignDir, d.Path, Marker)
	}
	if err != nil {
		return err
	}
	var m marker
	if err := json.Unmarshal(text, &m); err != nil {
		return fmt.Errorf("%w: %s: %s does not read (%v); remove it, or choose another directory", ErrForeignDir, d.Path, Marker, err)
	}
	ours := m.Written
	if !m.Complete {
		// Killed mid-way: everything but what was there before is its.
		all, err := d.list()
		if err != nil {
			return err
		}
		for _, p := range all {
			if !slices.Contains(m.Foreign, p) {
				ours = append(ours, p)
			}
		}
	}
	// Deepest first, so that a directory is emptied before it is removed.
	slices.SortFunc(ours, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	for _, p := range ours {
		if !filepath.IsLocal(p) {
			continue // a hand-edited marker: stay inside the directory
		}
		path := filepath.Join(d.Path, p)
		if st, err := os.Lstat(path); err == nil && st.IsDir() {
			os.Remove(path) // only when empty: what someone put inside stays
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Close lists in the Marker what the run wrote: everything in the
// directory now that was not there when it was opened. A directory Open
// made in which nothing was written is removed.
func (d *OutputDir) Close() error {
	now, err := d.list()
	if err != nil {
		return err
	}
	var written []string
	for _, p := range now {
		if !slices.Contains(d.before, p) {
			written = append(written, p)
		}
	}
	if d.created && len(written) == 0 {
		return os.RemoveAll(d.Path)
	}
	return d.writeMarker(marker{Complete: true, Foreign: d.before, Written: written})
}

// list is every file and directory under d, relative, the Marker left out.
func (d *OutputDir) list() ([]string, error) {
	var out []string
	err := filepath.WalkDir(d.Path, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(d.Path, path); rel != "." && rel != Marker {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out, err
}

func (d *OutputDir) writeMarker(m marker) error {
	text, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d.Path, Marker), append(text, '\n'), 0o644)
}
