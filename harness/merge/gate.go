package merge

import (
	"fmt"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/verify"
)

// mergeGates adds up the gate reports of the shards of one verify run: the
// union of their checks, in the run's order, judged as verify judges them.
func mergeGates(parts []part) (*Merged, error) {
	first := parts[0].gate
	for _, p := range parts[1:] {
		g := p.gate
		if err := differs(parts[0], p, [][3]string{
			{"schema", fmt.Sprint(first.Schema), fmt.Sprint(g.Schema)},
			{"the jbcheck version", first.Version, g.Version},
			{"the variants", strings.Join(first.RunVariants, ","), strings.Join(g.RunVariants, ",")},
			{"the number of checks", fmt.Sprint(first.Total), fmt.Sprint(g.Total)},
			{"--quick", fmt.Sprint(first.Quick), fmt.Sprint(g.Quick)},
			{"the seed", fmt.Sprint(first.Seed), fmt.Sprint(g.Seed)},
		}); err != nil {
			return nil, err
		}
	}
	m := &Merged{Shards: len(parts)}
	g := report.Gate{Schema: first.Schema, Started: first.Started, Quick: first.Quick, Seed: first.Seed, Postgres: first.Postgres,
		Version: first.Version, RunVariants: first.RunVariants, Total: first.Total}
	owner := map[int]string{}
	var postgres []string
	for _, p := range parts {
		if p.gate.Started.Before(g.Started) {
			g.Started = p.gate.Started
		}
		g.Seconds = max(g.Seconds, p.gate.Seconds) // the shards ran side by side
		if !slices.Contains(postgres, p.gate.Postgres) {
			postgres = append(postgres, p.gate.Postgres)
		}
		for _, c := range p.gate.Checks {
			if !p.shard.Owns(c.Index) {
				return nil, fmt.Errorf("%w: %s (shard %s) holds check %d (%s/%s), which shard %s does not own", ErrMismatch, p.dir, p.shard, c.Index, c.Variant, c.ID, p.shard)
			}
			if d, ok := owner[c.Index]; ok {
				return nil, fmt.Errorf("%w: check %d (%s/%s) is in %s and in %s", ErrMismatch, c.Index, c.Variant, c.ID, d, p.dir)
			}
			owner[c.Index] = p.dir
			g.Checks = append(g.Checks, c)
		}
		if len(p.gate.Checks) < owned(p, g.Total) {
			m.Problems = append(m.Problems, fmt.Sprintf("shard %s (%s) ran %d of its %d checks: %s", p.shard, p.dir, len(p.gate.Checks), owned(p, g.Total), p.gate.Verdict))
		}
	}
	g.Postgres = strings.Join(postgres, ", ")
	slices.SortFunc(g.Checks, func(a, b report.Check) int { return a.Index - b.Index })
	g.Passed, g.Verdict = verify.Verdict(g)
	for _, c := range g.Checks {
		if c.Error != "" {
			m.Problems = append(m.Problems, fmt.Sprintf("%s/%s could not run: %s", c.Variant, c.ID, c.Error))
		}
	}
	if len(m.Problems) > 0 {
		if g.Verdict = strings.TrimPrefix(g.Verdict, "FAILED: "); g.Passed {
			g.Verdict = ""
		} else {
			g.Verdict += "; "
		}
		g.Passed, g.Verdict = false, "FAILED: "+g.Verdict+strings.Join(m.Problems, "; ")
	}
	m.Gate = &g
	return m, nil
}

// owned counts the checks of a run of total that p's shard owns.
func owned(p part, total int) int {
	n := 0
	for k := range total {
		if p.shard.Owns(k) {
			n++
		}
	}
	return n
}
