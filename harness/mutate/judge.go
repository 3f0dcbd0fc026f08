package mutate

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/model"
)

// Verdicts of a mutant.
const (
	Killed     = "killed"     // a search found a violation
	Survived   = "survived"   // none did, and it behaves differently: a gap in the search
	Equivalent = "equivalent" // none did, and every scenario's outcomes are the original's
)

// Hunter hunts a mutant for a violation within budget (jbcheck hunt's
// search: harness/hunt); what reports name as its detail.
type Hunter func(ctx context.Context, v protocol.Variant, budget time.Duration) (violated []model.Guarantee, detail string, err error)

// Options set a mutation run.
type Options struct {
	Server   *postgres.Server
	Variants []protocol.Variant // the correct variants to mutate
	// Scenarios are the scenarios explored for every mutant of a variant,
	// exhaustively or as each says: a violation kills it, and the
	// original's outcomes in every one of them make it equivalent.
	Scenarios func(protocol.Variant) []Scenario
	// Hunt, if set, hunts each mutant the scenarios did not kill, for
	// Budget.
	Hunt   Hunter
	Budget time.Duration
	// Shard takes the mutants k (in enumeration order over Variants) with
	// k mod n = i-1.
	Shard shard.Shard
	// Sample, if set, keeps only the mutants it accepts (verify's fixed
	// sample).
	Sample func(Mutation) bool
	Lanes  int
	Log    io.Writer // a line per mutant; nil for none
}

// Result is one mutant's verdict.
type Result struct {
	Mutation
	Verdict  string            `json:"verdict"`
	By       string            `json:"by,omitempty"` // killed: the search that killed it (explore/ID or hunt)
	Violated []model.Guarantee `json:"violated,omitempty"`
	// Detail is the violation (killed), the first difference (survived),
	// or the proof's summary (equivalent).
	Detail string `json:"detail"`
	// Proof is, per scenario, what the original and the mutant did.
	Proof   []Evidence `json:"proof,omitempty"`
	Seconds float64    `json:"seconds"`
}

// Evidence is one scenario of an equivalence proof.
type Evidence struct {
	Scenario string `json:"scenario"`
	Strategy string `json:"strategy"`
	// Schedules each explored; Complete when both explored every schedule
	// the strategy allows.
	Schedules       int  `json:"schedules"`
	MutantSchedules int  `json:"mutant_schedules"`
	Complete        bool `json:"complete"`
	Outcomes        int  `json:"outcomes"` // distinct outcomes, equal on both sides when Same
	Same            bool `json:"same"`
}

// Run enumerates and judges the mutants of every variant.
func Run(ctx context.Context, o Options) (Report, error) {
	rep := Report{Schema: ReportSchema, Started: time.Now().UTC(), Shard: o.Shard.String()}
	k := 0
	for _, base := range o.Variants {
		ms, err := Enumerate(ctx, o.Server, base)
		if err != nil {
			return rep, err
		}
		var mine []Mutation
		for _, m := range ms {
			if (o.Sample == nil || o.Sample(m)) && o.Shard.Owns(k) {
				mine = append(mine, m)
			}
			k++
		}
		if len(mine) == 0 {
			continue
		}
		var ref []explored // the original's, explored when a mutant needs them
		for _, m := range mine {
			r, err := judge(ctx, o, base, m, &ref)
			if err != nil {
				return rep, fmt.Errorf("%s: %w", m.Name(), err)
			}
			if o.Log != nil {
				fmt.Fprintln(o.Log, r.Line())
			}
			rep.add(r)
		}
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

// reference explores every scenario of the unmutated variant.
func reference(ctx context.Context, o Options, v protocol.Variant) ([]explored, error) {
	x, err := newExplorer(ctx, o.Server, v, o.Lanes)
	if err != nil {
		return nil, err
	}
	defer x.close()
	var out []explored
	for _, s := range o.Scenarios(v) {
		e, err := x.explore(ctx, s, true)
		if err != nil {
			return nil, err
		}
		if len(e.Violated) > 0 {
			return nil, fmt.Errorf("the unmutated %s violates %v in scenario %s (%s): mutants are judged against a variant that holds", v.Info().Name, e.Violated, s.ID, e.Violation)
		}
		out = append(out, e)
	}
	return out, nil
}

// judge explores the scenarios of one mutant, then hunts it, then compares
// its outcomes with the original's.
func judge(ctx context.Context, o Options, base protocol.Variant, m Mutation, ref *[]explored) (r Result, err error) {
	start := time.Now()
	r.Mutation = m
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	mutant := Mutant(base, m)
	x, err := newExplorer(ctx, o.Server, mutant, o.Lanes)
	if err != nil {
		return r, err
	}
	var got []explored
	for _, s := range o.Scenarios(base) {
		e, err := x.explore(ctx, s, false)
		if err != nil {
			x.close()
			return r, err
		}
		if len(e.Violated) > 0 {
			x.close()
			r.Verdict, r.By, r.Violated, r.Detail = Killed, "explore/"+s.ID, e.Violated, e.Violation
			return r, nil
		}
		got = append(got, e)
	}
	x.close()
	if o.Hunt != nil {
		violated, detail, err := o.Hunt(ctx, mutant, o.Budget)
		if err != nil {
			return r, err
		}
		if len(violated) > 0 {
			r.Verdict, r.By, r.Violated, r.Detail = Killed, "hunt", violated, detail
			return r, nil
		}
	}
	if *ref == nil {
		if *ref, err = reference(ctx, o, base); err != nil {
			return r, err
		}
	}
	r.Verdict, r.Proof, r.Detail = compare(*ref, got)
	if a, ok := argued(m); ok && r.Verdict == Survived && !slices.ContainsFunc(r.Proof, func(e Evidence) bool { return !e.Same }) {
		r.Verdict, r.By = Equivalent, "argued"
		r.Detail = "argued in docs/guarantees.md (Mutants): " + a.Why + "; every outcome of the sampled schedules is the original's"
	}
	return r, nil
}

// compare judges a mutant no search killed: equivalent when every
// scenario was explored completely on both sides with the same outcomes.
func compare(ref, got []explored) (verdict string, proof []Evidence, detail string) {
	verdict = Equivalent
	schedules := 0
	for i, a := range ref {
		b := got[i]
		e := Evidence{Scenario: a.Scenario.ID, Strategy: a.Scenario.Strategy.String(), Schedules: a.Schedules, MutantSchedules: b.Schedules,
			Complete: a.Complete && b.Complete, Outcomes: len(a.Outcomes), Same: slices.Equal(a.Outcomes, b.Outcomes)}
		proof = append(proof, e)
		schedules += b.Schedules
		if verdict != Equivalent {
			continue
		}
		switch {
		case !e.Same:
			verdict, detail = Survived, fmt.Sprintf("holds everywhere, but scenario %s has other outcomes: %s", a.Scenario.ID, difference(a.Outcomes, b.Outcomes))
		case !e.Complete:
			verdict, detail = Survived, fmt.Sprintf("holds everywhere, with the original's outcomes, but scenario %s was not explored completely (%d and %d schedules): equivalence unproved", a.Scenario.ID, a.Schedules, b.Schedules)
		}
	}
	if verdict == Equivalent {
		detail = fmt.Sprintf("every outcome the original's in every schedule of %d scenarios (%d schedules of the mutant)", len(ref), schedules)
	}
	return verdict, proof, detail
}

// difference names one outcome only one side has.
func difference(want, got []string) string {
	for _, o := range got {
		if !slices.Contains(want, o) {
			return "the mutant's " + oneLine(o) + " (not the original's)"
		}
	}
	for _, o := range want {
		if !slices.Contains(got, o) {
			return "the original's " + oneLine(o) + " (never the mutant's)"
		}
	}
	return "none"
}
