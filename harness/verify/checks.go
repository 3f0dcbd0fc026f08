package verify

// The checks of the gate: the properties, bounded exploration of a
// standard scenario, stress with and without faults, and the evidence
// each leaves.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/coverage"
	"jbcheck.dev/jbcheck/harness/hunt"
	"jbcheck.dev/jbcheck/harness/property"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/harness/shrink"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// property runs the schedule-mode property of a correct variant: one
// round of many draws, each run's race windows counted; a failure is
// minimized and kept.
func (r *runner) property(ctx context.Context, v protocol.Variant, execs []*schedule.Executor) (report.Check, error) {
	c := report.Check{ID: "property", Name: "property: every guarantee in every scenario and schedule rapid draws",
		Params: map[string]string{"draws": fmt.Sprint(r.b.checks), "seed": fmt.Sprint(r.o.Seed)}}
	checks := r.b.checks
	if protocol.Lagging(v) {
		checks /= 2 // each of its calls polls the worker: draws cost several times more
	}
	r.begin(v, c.Name, int64(checks), "draws")
	_, worker := v.(protocol.Worker)
	var cov coverage.Table
	defer func() { r.cover(v, "property", cov) }()
	search := property.Search{Scenarios: r.o.Scenarios, Observe: func(sc model.Scenario, res *schedule.Result) {
		cov.Add(coverage.Observe(res.History, res.Transcript, nil))
		cov.Reach(coverage.Reachable([]model.Scenario{sc}, worker))
	}}
	caught, err := search.Catch(ctx, execs[0], r.o.Seed, 1, checks, func(n int) { r.o.Progress.advance(int64(n)) })
	if err != nil || caught == nil {
		c.Statuses, c.Detail = held(), "held in every draw"
		return c, err
	}
	m := caught.Minimal
	c.Statuses = m.Result.Verdict.Statuses
	c.Detail = fmt.Sprintf("seed %d: %s, world %s, schedule %v", caught.Seed, m.Scenario, m.Scenario.World.String(), m.Result.Choices)
	return c, r.keep(&c, v.Info().Name+"-property", m.Result)
}

// differential runs the sequential property: calls one at a time must get
// the model's answers and leave the model's state.
func (r *runner) differential(ctx context.Context, v protocol.Variant, _ []*schedule.Executor) (report.Check, error) {
	c := report.Check{ID: "differential", Name: "differential: one call at a time, the model's answers and state",
		Params: map[string]string{"seed": fmt.Sprint(r.o.Seed)}}
	draws := r.b.differential
	if protocol.Lagging(v) {
		draws /= 2 // each of its calls polls the worker
	}
	c.Params["draws"] = fmt.Sprint(draws)
	r.begin(v, c.Name, int64(draws), "draws")
	cfg := r.o.Server.ConnConfig()
	protocol.ConfigureClient(cfg, v, protocol.SchemaName(v))
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return c, err
	}
	defer conn.Close(context.Background())
	if err := protocol.Install(ctx, conn, v, protocol.SchemaName(v)); err != nil {
		return c, err
	}
	if w, ok := v.(protocol.Worker); ok {
		stop, err := r.worker(ctx, v, w)
		if err != nil {
			return c, err
		}
		defer stop()
	}
	progress := func(n int) { r.o.Progress.advance(int64(n)) }
	got := property.Falsify(v.Info().Name+"-differential", property.Options{Seed: r.o.Seed, Checks: draws, Progress: progress}, property.Differential(ctx, conn, v, nil))
	c.Statuses, c.Detail = held(), "every answer and every stored state as the model's"
	if got.Failed {
		c.Statuses[model.Linearizable] = histories.Violated
		c.Detail = lastLines(got.Report, 6)
	}
	return c, nil
}

// worker runs v's background worker on a connection of its own until the
// returned stop is called.
func (r *runner) worker(ctx context.Context, v protocol.Variant, w protocol.Worker) (stop func(), err error) {
	cfg := r.o.Server.ConnConfig()
	protocol.Configure(cfg, v, protocol.SchemaName(v))
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		protocol.RunWorker(wctx, w, conn, 0)
	}()
	return func() {
		cancel()
		<-done
		conn.Close(context.Background())
	}, nil
}

// explore runs one standard scenario under bounded exploration.
func (r *runner) explore(s Standard) check {
	return func(ctx context.Context, v protocol.Variant, execs []*schedule.Executor) (report.Check, error) {
		strategy := s.Strategy
		if protocol.Lagging(v) {
			strategy = lagStrategy
		}
		c := report.Check{ID: "explore/" + s.ID, Name: "explore: " + s.Name,
			Params: map[string]string{"scenario": s.Clients, "strategy": strategy.String()}}
		r.begin(v, c.Name, 0, "schedules")
		sc, err := model.ParseScenario(s.Clients, s.World)
		if err != nil {
			return c, err
		}
		if len(s.Faults) > 0 {
			// A crash hits every lane's connections: one lane, faults on.
			faults, err := r.applicable(s.Faults)
			if err != nil {
				return c, err
			}
			execs = execs[:1]
			if err := execs[0].SetFaults(faults, 1); err != nil {
				return c, err
			}
			defer execs[0].SetFaults(nil, 0)
		}
		budget := r.b.schedules
		if s.Schedules > 0 {
			budget = s.Schedules
		}
		if protocol.Lagging(v) {
			// Every call of a lagging variant polls its worker, and PCT runs
			// it for many rounds: its schedules are several times longer.
			// It gets as many as jbcheck mutate gives it — enough to catch
			// the mutants the search fixes were added for
			// (TestTheGateCatchesWhatItsSearchFixesWereAddedFor) — or a
			// sixth of the budget if that is fewer (--quick).
			if len(s.Faults) > 0 {
				budget = min(budget, lagFaultSchedules)
			} else {
				budget = min(budget/6, lagSchedules)
			}
		}
		r.o.Progress.measure(int64(budget), "schedules")
		progress := func(n int) { r.o.Progress.advance(int64(n)) }
		c.Params["max_schedules"] = fmt.Sprint(budget)
		rep, err := schedule.Explore(ctx, execs, sc, schedule.ExploreOptions{Strategy: strategy, Max: budget, Progress: progress})
		if err != nil {
			return c, err
		}
		if rep.Violation == nil {
			c.Statuses = held()
			if len(s.Faults) > 0 {
				c.Statuses[model.Atomicity] = histories.Held
				if slices.Contains(s.Faults, "crash") {
					c.Statuses[model.Durability] = histories.Held
				}
			}
			c.Detail = fmt.Sprintf("held in every one of %d schedules of %s", rep.Explored, sc)
			if !rep.Complete {
				c.Detail = fmt.Sprintf("held in the first %d schedules of %s (the budget; the strategy allows more)", rep.Explored, sc)
			}
			return c, nil
		}
		small, res, err := schedule.Minimize(ctx, execs, sc, rep.Violation, rep.Violation.Verdict.Violated())
		if err != nil {
			return c, err
		}
		c.Statuses = res.Verdict.Statuses
		c.Detail = fmt.Sprintf("schedule %d of %s violated; minimal: %s, schedule %v", rep.Explored, sc, small, res.Choices)
		return c, r.keep(&c, v.Info().Name+"-explore-"+slug(s.Name), res)
	}
}

// stress runs real concurrency for a correct variant, under faults when
// faults are named: one timed run, its race windows counted.
func (r *runner) stress(faults []string) check {
	return func(ctx context.Context, v protocol.Variant, execs []*schedule.Executor) (report.Check, error) {
		return r.stressRun(ctx, v, faults, execs)
	}
}

func (r *runner) stressRun(ctx context.Context, v protocol.Variant, faults []string, execs []*schedule.Executor) (report.Check, error) {
	cfg := stress.Config{Server: r.o.Server, Variant: v, Clients: 8, Worlds: 4, Seed: int64(r.o.Seed), Duration: r.b.stressFor, Command: "jbcheck verify"}
	c := report.Check{ID: "stress", Name: fmt.Sprintf("stress: %d clients on %d worlds", cfg.Clients, cfg.Worlds),
		Params: map[string]string{"duration_seconds": fmt.Sprint(cfg.Duration.Seconds()), "seed": fmt.Sprint(cfg.Seed)}}
	name := v.Info().Name + "-stress"
	if len(faults) > 0 {
		var err error
		if cfg.Faults, err = r.applicable(faults); err != nil {
			return c, err
		}
		cfg.FaultInterval = r.b.faultEvery
		var applied []string
		for _, f := range cfg.Faults {
			applied = append(applied, f.Name())
		}
		c.Name += ", under faults"
		c.ID = "stress-faults"
		c.Params["faults"] = strings.Join(applied, ",")
		name += "-faults"
	}
	dir := filepath.Join(r.o.Out, "runs", name)
	r.begin(v, c.Name, 0, "")
	var buf bytes.Buffer
	cfg.History = &buf
	start := time.Now()
	r.o.Progress.measure(int64(cfg.Duration.Seconds()), "seconds of stress")
	cfg.Progress = func(int64) { r.o.Progress.advance(int64(time.Since(start).Seconds())) }
	sum, err := stress.Run(ctx, cfg)
	if err != nil {
		return c, err
	}
	h, err := histories.Read(bytes.NewReader(buf.Bytes()), "stress")
	if err != nil {
		return c, err
	}
	cov := coverage.Table{Reachable: coverage.Reachable([]model.Scenario{coverage.StressScenario()}, false)}
	cov.Add(coverage.Observe(h, nil, nil))
	r.cover(v, "stress", cov)
	verdict := histories.Check(h, histories.CheckOptions{})
	c.Statuses = verdict.Statuses
	c.Detail = fmt.Sprintf("seed %d: %d operations, %.0f ops/s, %d fail, %d info", cfg.Seed, sum.Ops, sum.OpsPerSecond(), sum.Fail, sum.Info)
	if violated := verdict.Violated(); len(violated) == 0 && verdict.Passed() {
		return c, nil
	}
	// A failing run is evidence: keep it, with a picture and a report.
	files := histories.FilesIn(dir)
	files.Transcript = ""
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, err
	}
	if err := os.WriteFile(files.History, buf.Bytes(), 0o644); err != nil {
		return c, err
	}
	if files.Picture, err = histories.WritePictureFile(files.Picture, h, verdict); err != nil {
		return c, err
	}
	// The run is kept; the counterexample a person reads is its shrunk
	// form — a few calls that replay exactly — when shrinking finds one
	// (not under faults it cannot schedule).
	shrunk, err := shrink.Shrink(ctx, execs, h, files.History, shrink.Options{Candidates: 100})
	switch {
	case err == nil:
		c.Detail += "; shrunk to " + shrunk.Scenario.String()
		return c, r.keep(&c, name+"-shrunk", shrunk.Result)
	case ctx.Err() != nil:
		return c, ctx.Err()
	}
	c.Detail += "; not shrunk: " + err.Error()
	return c, r.writeBugReport(&c, report.Counterexample{History: h, Verdict: verdict, Files: files})
}

// keep writes a schedule-mode counterexample into counterexamples/NAME/:
// history, picture, transcript and bug report.
func (r *runner) keep(c *report.Check, name string, res *schedule.Result) error {
	files, err := schedule.WriteEvidence(filepath.Join(r.o.Out, "counterexamples", name), res)
	if err != nil {
		return err
	}
	return r.writeBugReport(c, report.Counterexample{History: res.History, Verdict: res.Verdict, Files: files, Transcript: res.Transcript})
}

// writeBugReport writes bug-report.md beside the counterexample's history
// and records the files in c, relative to the report directory.
func (r *runner) writeBugReport(c *report.Check, cx report.Counterexample) error {
	path, err := hunt.WriteBugReport(cx)
	if err != nil {
		return err
	}
	rel := func(p string) string {
		if p == "" {
			return ""
		}
		if q, err := filepath.Rel(r.o.Out, p); err == nil {
			return q
		}
		return p
	}
	c.Files = &histories.Files{History: rel(cx.Files.History), Picture: rel(cx.Files.Picture), Transcript: rel(cx.Files.Transcript)}
	c.BugReport = rel(path)
	if c.Anomaly = cx.Verdict.AnomalyNames(); c.Anomaly != "" {
		c.Detail = c.Anomaly + ": " + c.Detail
	}
	return nil
}
