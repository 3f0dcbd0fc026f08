package mutate

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/model"
)

// Scenario is a scenario explored for every mutant and every cell of the
// matrix (the release gate's standard scenarios: verify.MutationScenarios).
type Scenario struct {
	ID       string
	Clients  string // schedule.Parse syntax
	World    string // "" for the default world
	Strategy schedule.Strategy
	Faults   []string // at most one per schedule
	// Max bounds the schedules explored (0: none).
	Max int
}

// explored is what one scenario's exploration found.
type explored struct {
	Scenario  Scenario
	Schedules int
	Complete  bool
	Outcomes  []string // every distinct outcome, sorted
	// Violated is every guarantee a schedule violated (only the first
	// violating schedule's unless the exploration kept going).
	Violated  []model.Guarantee
	Anomalies []string
	// Violation describes the first violating schedule.
	Violation string
}

// explorer runs scenarios of one variant on executors of its own.
type explorer struct {
	server *postgres.Server
	v      protocol.Variant
	execs  []*schedule.Executor
}

func newExplorer(ctx context.Context, server *postgres.Server, v protocol.Variant, lanes int) (*explorer, error) {
	execs, err := schedule.NewExecutors(ctx, server, v, max(1, lanes))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.Info().Name, err)
	}
	for _, e := range execs {
		e.Reduce = true
		e.Command = "jbcheck mutate"
	}
	return &explorer{server: server, v: v, execs: execs}, nil
}

func (x *explorer) close() { schedule.CloseAll(x.execs) }

// explore runs s; keepGoing explores past violations, gathering every
// guarantee violated.
func (x *explorer) explore(ctx context.Context, s Scenario, keepGoing bool) (explored, error) {
	out := explored{Scenario: s}
	sc, err := model.ParseScenario(s.Clients, s.World)
	if err != nil {
		return out, err
	}
	execs := x.execs
	if len(s.Faults) > 0 {
		faults, err := fault.Parse(strings.Join(s.Faults, ","))
		if err != nil {
			return out, err
		}
		faults = slices.DeleteFunc(faults, func(f fault.Fault) bool { return f.Applies(x.server) != nil })
		if len(faults) == 0 {
			return out, fmt.Errorf("scenario %s: none of the faults %v applies to this server", s.ID, s.Faults)
		}
		// A crash hits every lane's connections: one lane, faults on.
		execs = execs[:1]
		if err := execs[0].SetFaults(faults, 1); err != nil {
			return out, err
		}
		defer execs[0].SetFaults(nil, 0)
	}
	rep, err := schedule.Explore(ctx, execs, sc, schedule.ExploreOptions{Strategy: s.Strategy, Max: s.Max, KeepGoing: keepGoing})
	if err != nil {
		return out, fmt.Errorf("%s, scenario %s: %w", x.v.Info().Name, s.ID, err)
	}
	out.Schedules, out.Complete = rep.Explored, rep.Complete
	for key := range maps.Keys(rep.Outcomes) {
		if c := canonical(key); !slices.Contains(out.Outcomes, c) {
			out.Outcomes = append(out.Outcomes, c)
		}
	}
	slices.Sort(out.Outcomes)
	violating := rep.Violating
	if len(violating) == 0 && rep.Violation != nil {
		violating = []*schedule.Result{rep.Violation}
	}
	for _, r := range violating {
		for _, g := range r.Verdict.Violated() {
			if !slices.Contains(out.Violated, g) {
				out.Violated = append(out.Violated, g)
			}
		}
		for _, a := range r.Verdict.Anomalies {
			if !slices.Contains(out.Anomalies, a.Name) {
				out.Anomalies = append(out.Anomalies, a.Name)
			}
		}
	}
	slices.SortFunc(out.Violated, func(a, b model.Guarantee) int {
		return slices.Index(model.Guarantees, a) - slices.Index(model.Guarantees, b)
	})
	slices.Sort(out.Anomalies)
	if len(violating) > 0 {
		r := violating[0]
		out.Violation = fmt.Sprintf("%s violated %v in schedule %v of %s", s.ID, r.Verdict.Violated(), r.Choices, sc)
		if names := r.Verdict.AnomalyNames(); names != "" {
			out.Violation = names + ": " + out.Violation
		}
	}
	return out, nil
}

var clientLine = regexp.MustCompile(`^c\d+: `)

// canonical is an outcome with its clients' names dropped and their lines
// sorted: the same outcome whichever of two clients with the same calls
// got which answer. The engine explores only one order of such clients
// (they are symmetric), and a mutant that moves a choice point may make it
// explore the other.
func canonical(outcome string) string {
	lines := strings.Split(outcome, "\n")
	var clients, rest []string
	for _, l := range lines {
		if loc := clientLine.FindStringIndex(l); loc != nil {
			clients = append(clients, l[loc[1]:])
		} else {
			rest = append(rest, l)
		}
	}
	slices.Sort(clients)
	return strings.Join(append(clients, rest...), "\n")
}
