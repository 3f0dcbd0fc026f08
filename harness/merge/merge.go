package merge

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/shard"
)

// ErrMismatch reports reports that are not the shards of one run.
var ErrMismatch = errors.New("not the shards of one run")

// ErrIncomplete reports a merged run that proves less than a whole one: a
// check that could not run, or a shard cut short.
var ErrIncomplete = errors.New("incomplete")

// Merged is the run the shards add up to: a gate or an exploration.
type Merged struct {
	Gate        *report.Gate
	Exploration *report.Exploration
	Shards      int
	// Problems say why the run is incomplete (ErrIncomplete), if it is.
	Problems []string
}

// Passed is the merged run's verdict.
func (m *Merged) Passed() bool {
	if m.Gate != nil {
		return m.Gate.Passed
	}
	return m.Exploration.Passed
}

// Verdict is its one line.
func (m *Merged) Verdict() string {
	if m.Gate != nil {
		return m.Gate.Verdict
	}
	return m.Exploration.Verdict
}

// Write writes the merged summary.json, junit.xml and index.html into out.
func (m *Merged) Write(out string) error {
	if m.Gate != nil {
		return report.WriteGate(out, *m.Gate)
	}
	return report.WriteExploration(out, *m.Exploration)
}

// Err is ErrIncomplete with the problems, or nil.
func (m *Merged) Err() error {
	if len(m.Problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrIncomplete, strings.Join(m.Problems, "; "))
}

// part is one shard's report.
type part struct {
	dir   string
	shard shard.Shard
	exp   *report.Exploration
	gate  *report.Gate
}

// Merge reads the report directories of the shards of one run and adds
// them up; out is where the merged report will be (the first violation's
// files are named relative to it). An error wrapping ErrMismatch means the
// directories are not the shards of one run.
func Merge(dirs []string, out string) (*Merged, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%w: no report directories", ErrMismatch)
	}
	var parts []part
	for _, dir := range dirs {
		e, g, err := report.ReadSummary(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: not a jbcheck report directory (no readable summary.json): %w", dir, err)
		}
		p := part{dir: dir, exp: e, gate: g}
		s := ""
		if e != nil {
			s = e.Shard
		} else {
			s = g.Shard
		}
		if p.shard, err = shard.Parse(s); err != nil {
			return nil, fmt.Errorf("%s/summary.json: %w", dir, err)
		}
		if !p.shard.Sharded() {
			p.shard = shard.Shard{I: 1, N: 1}
		}
		parts = append(parts, p)
	}
	if err := sameKind(parts); err != nil {
		return nil, err
	}
	if err := oneOfEach(parts); err != nil {
		return nil, err
	}
	slices.SortFunc(parts, func(a, b part) int { return a.shard.I - b.shard.I })
	if parts[0].gate != nil {
		return mergeGates(parts)
	}
	return mergeExplorations(parts, out)
}

func sameKind(parts []part) error {
	kind := func(p part) string {
		if p.exp != nil {
			return p.exp.Kind
		}
		return "verify"
	}
	for _, p := range parts[1:] {
		if kind(p) != kind(parts[0]) {
			return fmt.Errorf("%w: %s holds a report of %s, %s one of %s", ErrMismatch, parts[0].dir, kind(parts[0]), p.dir, kind(p))
		}
	}
	return nil
}

// oneOfEach: shards 1..n of one n, each once.
func oneOfEach(parts []part) error {
	n := parts[0].shard.N
	seen := map[int]string{}
	for _, p := range parts {
		if p.shard.N != n {
			return fmt.Errorf("%w: %s is shard %s, %s shard %s: shards of one run share n", ErrMismatch, parts[0].dir, parts[0].shard, p.dir, p.shard)
		}
		if d, ok := seen[p.shard.I]; ok {
			return fmt.Errorf("%w: %s and %s are both shard %s", ErrMismatch, d, p.dir, p.shard)
		}
		seen[p.shard.I] = p.dir
	}
	var missing []string
	for i := 1; i <= n; i++ {
		if _, ok := seen[i]; !ok {
			missing = append(missing, shard.Shard{I: i, N: n}.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: shard %s missing (give every shard's report directory)", ErrMismatch, strings.Join(missing, ", "))
	}
	return nil
}

// differs names the first field whose value differs between two shards.
func differs(a, b part, fields [][3]string) error {
	for _, f := range fields {
		if f[1] != f[2] {
			return fmt.Errorf("%w: %s differs: %s has %q, %s has %q", ErrMismatch, f[0], a.dir, f[1], b.dir, f[2])
		}
	}
	return nil
}
