package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/coverage"
	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/redact"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shard"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// Options set a gate run.
type Options struct {
	Server   *postgres.Server
	Variants []protocol.Variant // correct and bug variants; registry order is fine
	Quick    bool               // smaller budgets (docs/performance.md, "The release gate")
	Seed     uint64             // seed of the correct variants' property round and stress runs
	Lanes    int                // parallel exploration lanes (at least 1)
	Out      string             // the report directory
	Log      io.Writer          // one line per check as it ends
	Progress *Progress          // the running check and its own progress, if set
	// Scenarios draws the correct variants' property scenarios (nil:
	// property.Scenarios()); a test breaks it on purpose and sees the
	// coverage check fail.
	Scenarios *rapid.Generator[model.Scenario]
	// Shard, when sharded, runs only the checks whose index (in the run's
	// fixed order: variant by variant, each variant's checks in order) the
	// shard owns; n shards together run every check once (jbcheck merge).
	Shard   shard.Shard
	Version string // the jbcheck build, recorded in the report
}

// budget is how hard each check looks.
type budget struct {
	checks       int           // draws of the schedule-mode property, correct variants
	differential int           // draws of the sequential property
	catchRounds  int           // rounds (of 100 draws) to catch a bug variant
	schedules    int           // schedules per standard scenario, at most
	stressFor    time.Duration // stress run of a correct variant
	faultEvery   time.Duration // between two faults of a stress run with faults
}

func budgetFor(quick bool) budget {
	if quick {
		return budget{checks: 100, differential: 30, catchRounds: 10, schedules: 200, stressFor: 2 * time.Second, faultEvery: 300 * time.Millisecond}
	}
	return budget{checks: 400, differential: 120, catchRounds: 10, schedules: 1500, stressFor: 3 * time.Second, faultEvery: 300 * time.Millisecond}
}

// Run runs every check of every variant and writes the report directory.
// The gate passes when every correct variant held every guarantee in every
// check (no violation, nothing undecided) and every check caught every bug
// variant. An error means the gate could not run to the end (the report
// holds what ran).
func Run(ctx context.Context, o Options) (report.Gate, error) {
	g := report.Gate{Schema: report.GateSchema, Started: time.Now().UTC(), Quick: o.Quick, Seed: o.Seed, Postgres: o.Server.Version(),
		Version: o.Version, Shard: o.Shard.String()}
	r := &runner{o: o, b: budgetFor(o.Quick), gate: &g}
	checks := 0
	for _, v := range o.Variants {
		r.width = max(r.width, len(v.Info().Name))
		g.RunVariants = append(g.RunVariants, v.Info().Name)
		for range r.checksFor(v) {
			if o.Shard.Owns(g.Total) {
				checks++
			}
			g.Total++
		}
	}
	o.Progress.start(checks)
	var err error
	for _, v := range o.Variants {
		if err = r.variant(ctx, v); err != nil {
			break
		}
	}
	if err == nil && r.broken > 0 {
		err = fmt.Errorf("%w: %d checks could not run to the end (their errors are in the report)", ErrBroken, r.broken)
	}
	g.Seconds = time.Since(g.Started).Seconds()
	g.Passed, g.Verdict = verdict(g, err)
	r.printCoverage()
	if werr := report.WriteGate(o.Out, g); werr != nil && err == nil {
		err = werr
	}
	return g, err
}

type runner struct {
	o      Options
	b      budget
	gate   *report.Gate
	width  int // of the longest variant name, for the log's columns
	broken int // checks that ended in an error
	// coverage is each variant's race coverage, of its searches (hunt.go);
	// order lists the variants as they were first covered.
	coverage map[string]*coverage.Table
	order    []string
	index    int // the next check's index in the run's order
}

// ErrBroken reports a gate some of whose checks could not run to the end:
// the harness or its environment failed, which is no verdict on a variant.
var ErrBroken = errors.New("internal error")

// variant runs every check of v (that the shard owns).
func (r *runner) variant(ctx context.Context, v protocol.Variant) error {
	checks, first := r.checksFor(v), r.index
	r.index += len(checks)
	mine := 0
	for i := range checks {
		if r.o.Shard.Owns(first + i) {
			mine++
		}
	}
	if mine == 0 {
		return nil
	}
	execs, err := schedule.NewExecutors(ctx, r.o.Server, v, max(1, r.o.Lanes))
	if err != nil {
		return err
	}
	defer schedule.CloseAll(execs)
	for _, e := range execs {
		e.Reduce = true
		e.Command = "jbcheck verify"
	}
	for i, check := range checks {
		if !r.o.Shard.Owns(first + i) {
			continue
		}
		start := time.Now()
		r.o.Progress.begin(v.Info().Name, "")
		c, err := check(ctx, v, execs)
		r.o.Progress.end()
		if ctx.Err() != nil {
			// Cut short, a check proves nothing either way: a cancelled
			// statement must not read as a violation, nor a shortened run
			// as a pass.
			return ctx.Err()
		}
		c.Variant, c.Correct, c.Seconds, c.Index = v.Info().Name, v.Info().Correct(), time.Since(start).Seconds(), first+i
		c.Passed = passed(c)
		if err != nil {
			// Reported for this check; the gate goes on with the others
			// and cannot pass.
			r.broken++
			c.Error, c.Passed, c.Statuses = redact.String(err.Error()), false, nil
			c.Detail = "internal error: " + c.Error
		}
		r.gate.Checks = append(r.gate.Checks, c)
		if r.o.Log != nil {
			fmt.Fprintf(r.o.Log, "%-*s %-7s %6.1fs  %s: %s\n", r.width, c.Variant, outcome(c), c.Seconds, c.Name, c.Detail)
		}
	}
	return nil
}

// check is one check of a variant.
type check func(context.Context, protocol.Variant, []*schedule.Executor) (report.Check, error)

// checksFor lists the checks that apply to v. A correct variant gets them
// all: the properties, every standard scenario (with and without faults),
// stress (with and without faults), and last the race coverage of its
// property and stress runs. A bug variant is hunted with no scenario given
// (drawn scenarios and schedules, then stress with and without faults:
// hunt.go), and explored in the standard scenarios that name it, if any.
func (r *runner) checksFor(v protocol.Variant) []check {
	info := v.Info()
	var checks []check
	if info.Correct() {
		checks = append(checks, r.property, r.differential)
	} else {
		checks = append(checks, r.hunt)
	}
	for _, s := range Standards(r.o.Quick) {
		if info.Correct() || slices.Contains(s.Catches, info.Name) {
			checks = append(checks, r.explore(s))
		}
	}
	if info.Correct() {
		checks = append(checks, r.stress(nil), r.stress(stressFaults), r.coverageCheck)
		checks = append(checks, r.mutantChecks(v)...)
	}
	return checks
}

// applicable are the faults of names this server can take (a crash needs
// the embedded cluster). None is an environment error: the check cannot
// run here, and a check that cannot run proves nothing.
func (r *runner) applicable(names []string) ([]fault.Fault, error) {
	all, err := fault.Parse(strings.Join(names, ","))
	if err != nil {
		return nil, err
	}
	var out []fault.Fault
	var why error
	for _, f := range all {
		if err := f.Applies(r.o.Server); err != nil {
			why = err
			continue
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("none of the faults %s applies to this server: %w", strings.Join(names, ","), why)
	}
	return out, nil
}

// stressFaults are the faults a correct variant's stress run takes.
var stressFaults = []string{"crash", "kill", "cancel", "lose-reply"}

// passed: a correct variant's check held every guarantee it decided and
// left none undecided; a bug variant's check violated something.
func passed(c report.Check) bool {
	if !c.Correct {
		return len(c.Violated()) > 0
	}
	for _, s := range c.Statuses {
		if s == histories.Violated || s == histories.Unknown {
			return false
		}
	}
	return true
}

func outcome(c report.Check) string {
	switch {
	case c.Error != "":
		return "ERROR"
	case c.Passed && c.Correct:
		return "held"
	case c.Passed:
		return "caught"
	case c.Correct:
		return "FAILED"
	}
	return "ESCAPED"
}

// held is the statuses of a check without faults in which L and I1–I6
// held: D and A need faults.
func held() map[model.Guarantee]histories.Status {
	s := map[model.Guarantee]histories.Status{}
	for _, g := range model.Guarantees {
		s[g] = histories.Held
	}
	s[model.Durability], s[model.Atomicity] = histories.NotApplicable, histories.NotApplicable
	return s
}

// Verdict is the one line of a gate whose checks all ran to their end —
// the shards' reports merged (jbcheck merge), say.
func Verdict(g report.Gate) (bool, string) { return verdict(g, nil) }

// verdict is the gate's one line.
func verdict(g report.Gate, err error) (bool, string) {
	var correct, bugs, caught, checks int
	var problems []string
	for _, v := range g.Variants() {
		isCorrect, ok := true, true
		var failed []string
		for _, c := range g.Checks {
			if c.Variant != v {
				continue
			}
			isCorrect = c.Correct
			checks++
			if !c.Passed {
				ok = false
				failed = append(failed, label(c))
			}
		}
		switch {
		case isCorrect && ok:
			correct++
		case brokenChecks(g, v) > 0:
			problems = append(problems, fmt.Sprintf("%s: %d checks could not run (internal error)", v, brokenChecks(g, v)))
			if !isCorrect {
				bugs++
			}
		case isCorrect:
			problems = append(problems, fmt.Sprintf("%s failed %s", v, strings.Join(failed, ", ")))
		case ok:
			bugs++
			caught++
		default:
			bugs++
			problems = append(problems, fmt.Sprintf("%s escaped %s", v, strings.Join(failed, ", ")))
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		problems = append(problems, "interrupted: the report holds the checks that finished")
	case err != nil:
		problems = append(problems, "the gate did not finish: "+redact.String(err.Error()))
	}
	if len(problems) > 0 {
		return false, "FAILED: " + strings.Join(problems, "; ")
	}
	return true, fmt.Sprintf("PASSED: %d correct variants held every guarantee in every check; %d of %d bug variants caught by every check (%d checks)", correct, caught, bugs, checks)
}

// brokenChecks counts the checks of variant v that ended in an error.
func brokenChecks(g report.Gate, v string) int {
	n := 0
	for _, c := range g.Checks {
		if c.Variant == v && c.Error != "" {
			n++
		}
	}
	return n
}

// slug makes a check name a folder name.
func slug(s string) string {
	s, _, _ = strings.Cut(s, ":")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(strings.TrimSpace(s)))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// begin names the running check of v and says what it counts.
func (r *runner) begin(v protocol.Variant, name string, budget int64, unit string) {
	r.o.Progress.name(name)
	r.o.Progress.measure(budget, unit)
}

// label is a check's stable ID, or the start of its name when it has none.
func label(c report.Check) string {
	if c.ID != "" {
		return c.ID
	}
	return strings.SplitN(c.Name, ":", 2)[0]
}
