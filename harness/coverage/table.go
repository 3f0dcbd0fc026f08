package coverage

import (
	"fmt"
	"strings"
)

// Table counts, per window, the runs that reached it, and says which
// windows the scenario set could reach.
type Table struct {
	Runs      int          `json:"runs"`      // schedules and stress runs observed
	Reached   [windows]int `json:"reached"`   // runs that reached each window
	Reachable Set          `json:"reachable"` // from the scenario set (Reachable)
}

// Row is one window's line of the table.
type Row struct {
	Window    string `json:"window"`
	Means     string `json:"means"`
	Reached   int    `json:"reached"`
	Reachable bool   `json:"reachable"`
}

// Add counts one run that reached s.
func (t *Table) Add(s Set) {
	t.Runs++
	for w, hit := range s {
		if hit {
			t.Reached[w]++
		}
	}
}

// Merge adds another table's runs, and what it could reach.
func (t *Table) Merge(o Table) {
	t.Runs += o.Runs
	for w := range t.Reached {
		t.Reached[w] += o.Reached[w]
		t.Reachable[w] = t.Reachable[w] || o.Reachable[w]
	}
}

// Reach marks the windows of s reachable.
func (t *Table) Reach(s Set) {
	for w, ok := range s {
		t.Reachable[w] = t.Reachable[w] || ok
	}
}

// Unreached is the windows the scenario set can reach that no run reached:
// the search got weaker than what it searches.
func (t Table) Unreached() []Window {
	var out []Window
	for _, w := range Windows() {
		if t.Reachable[w] && t.Reached[w] == 0 {
			out = append(out, w)
		}
	}
	return out
}

// Lines is one row per window, for JSON.
func (t Table) Lines() []Row {
	var out []Row
	for _, w := range Windows() {
		out = append(out, Row{Window: w.String(), Means: w.Describe(), Reached: t.Reached[w], Reachable: t.Reachable[w]})
	}
	return out
}

// String is the table as hunt and verify print it: per window, the runs
// that reached it, and whether the scenario set can reach it at all.
func (t Table) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-13s %-9s %s\n", "window", "runs", "")
	for _, w := range Windows() {
		mark := ""
		switch {
		case !t.Reachable[w]:
			mark = "  (not reachable by the scenario set)"
		case t.Reached[w] == 0:
			mark = "  NEVER REACHED"
		}
		fmt.Fprintf(&b, "%-13s %4d/%-4d %s%s\n", w, t.Reached[w], t.Runs, w.Describe(), mark)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Summary is the table on one line: "same-rows 41/400, read-write 12/400, …".
func (t Table) Summary() string {
	var parts []string
	for _, w := range Windows() {
		p := fmt.Sprintf("%s %d/%d", w, t.Reached[w], t.Runs)
		if !t.Reachable[w] {
			p += " (unreachable)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
