package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/record"
	"jbcheck.dev/jbcheck/harness/stress"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// Stress is a stress run of an application: its clients' HTTP calls made
// really concurrently, the relay passing every statement through, the
// history checked as a Go variant's (jbcheck run --app).
type Stress struct {
	Clients, Worlds, Ops int
	// Duration bounds the run when Ops is 0.
	Duration time.Duration
	Seed     int64
	// Mix weighs the operations; those the application lacks are left out.
	Mix workload.Mix
	// JobInterval is the pause between two rounds of the background job
	// (0: 50 ms). In a stress run it is triggered on this timer.
	JobInterval time.Duration
	History     io.Writer
	Command     string // recorded in the header
}

// Stress runs s and returns what the run did. The history ends with a
// final audit of every world, quiescent once the background job, if any,
// has had two rounds that changed nothing.
func (a *App) Stress(ctx context.Context, s Stress) (stress.Summary, error) {
	mix, err := a.cfg.supported(s.Mix)
	if err != nil {
		return stress.Summary{}, err
	}
	a.relay.Hold(false)
	defer a.relay.Hold(true)
	control := a.exec.Engine().Control()
	seeds := rand.New(rand.NewPCG(uint64(s.Seed), 0))
	worlds := make([]int64, s.Worlds)
	specs := map[int64]model.World{}
	for i := range worlds {
		spec := workload.RandomWorld(seeds)
		if worlds[i], err = protocol.CreateWorld(ctx, control, spec); err != nil {
			return stress.Summary{}, err
		}
		specs[worlds[i]] = spec
	}
	duration := ""
	if s.Ops == 0 {
		duration = s.Duration.String()
	}
	scenario, _ := json.Marshal(stress.Scenario{Clients: s.Clients, Worlds: s.Worlds, Ops: s.Ops, Duration: duration, Mix: mix.String()})
	w, err := histories.NewWriter(s.History, histories.Header{Variant: a.cfg.Name, Mode: histories.ModeStress, Seed: s.Seed,
		Scenario: scenario, Worlds: specs, Postgres: a.server.Version(), Command: s.Command, Started: time.Now().UTC(),
		Lagging: a.cfg.Background != nil})
	if err != nil {
		return stress.Summary{}, err
	}
	base := time.Now()
	rec := record.New(w, func(histories.Kind) int64 { return time.Since(base).Nanoseconds() })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: s.Clients + 1}, Timeout: 10 * time.Second}
	jobs, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	jobErr := make(chan error, 1)
	go func() { jobErr <- a.jobLoop(jobs, client, s.JobInterval) }()
	var claimed atomic.Int64
	var deadline time.Time
	if s.Ops == 0 {
		deadline = base.Add(s.Duration)
	}
	var wg sync.WaitGroup
	errs := make([]error, s.Clients)
	for c := range s.Clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s.Seed), uint64(c)+1))
			for ctx.Err() == nil && (s.Ops == 0 || claimed.Add(1) <= int64(s.Ops)) && (deadline.IsZero() || time.Now().Before(deadline)) {
				world := worlds[rng.IntN(len(worlds))]
				in := workload.RandomInput(rng, specs[world], mix)
				// A pot's balance, say, where only wallets' are mapped: draw again.
				for try := 0; a.cfg.Supports(in) != nil; try++ {
					if try == 100 {
						errs[c] = a.cfg.Supports(in)
						return
					}
					in = workload.RandomInput(rng, specs[world], mix)
				}
				in.World = world
				if _, err := rec.Call(c, in, func() (model.Output, error) { return a.call(ctx, client, in) }); err != nil {
					errs[c] = err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(base)
	stopJobs()
	runErr := errors.Join(append(errs, <-jobErr)...)
	// Catch up and audit even after Ctrl-C.
	finish, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	quiescent, err := a.quiesce(finish, client)
	runErr = errors.Join(runErr, err)
	for _, world := range worlds {
		read := func() (model.Snapshot, error) { return protocol.Audit(finish, a.exec.Engine().Control(), world) }
		if err := rec.Audit(world, read, quiescent); err != nil {
			return stress.Summary{}, errors.Join(runErr, err)
		}
	}
	ok, fail, info := rec.Counts()
	return stress.Summary{Ops: ok + fail + info, OK: ok, Fail: fail, Info: info, Elapsed: elapsed, Quiescent: quiescent}, runErr
}

// call makes one call over HTTP, outside any schedule.
func (a *App) call(ctx context.Context, client *http.Client, in model.Input) (model.Output, error) {
	cl, err := a.cfg.newCall(ctx, a.proc.URL(), in)
	if err != nil {
		return model.Output{}, err
	}
	return cl.output(send(client, cl.req))
}

// job runs one round of the background job and reports whether it
// changed anything.
func (a *App) job(ctx context.Context, client *http.Client) (bool, error) {
	b := a.cfg.Background
	req, err := http.NewRequestWithContext(ctx, b.method, a.proc.URL()+b.path, nil)
	if err != nil {
		return false, err
	}
	ans := send(client, req)
	if ans.err == nil && ans.status/100 != 2 {
		ans.err = fmt.Errorf("%s %s answered %d %s", b.method, b.path, ans.status, ans.body)
	}
	return progressed(ans, b.Progressed), ans.err
}

// jobLoop triggers the background job every interval until ctx ends.
func (a *App) jobLoop(ctx context.Context, client *http.Client, interval time.Duration) error {
	if a.cfg.Background == nil {
		return nil
	}
	if interval <= 0 {
		interval = 50 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := a.job(ctx, client); err != nil && ctx.Err() == nil {
				return fmt.Errorf("background job: %w", err)
			}
		}
	}
}

// quiesce runs the background job until two rounds in a row changed
// nothing: the first may have read the ledger before the last call
// committed, the second cannot have. Without a job, balances never lag.
func (a *App) quiesce(ctx context.Context, client *http.Client) (bool, error) {
	if a.cfg.Background == nil {
		return true, nil
	}
	for idle := 0; idle < 2; {
		changed, err := a.job(ctx, client)
		if err != nil {
			return false, fmt.Errorf("catching up before the final audits: %w", err)
		}
		if idle++; changed {
			idle = 0
		}
	}
	return true, nil
}

// supported is mix without the operations c lacks.
func (c *Config) supported(mix workload.Mix) (workload.Mix, error) {
	if mix == nil {
		mix = workload.DefaultMix
	}
	out := workload.Mix{}
	for op, weight := range mix {
		_, ok := c.Operations[string(op)]
		if _, pots := c.Operations["pot_balance"]; ok || (op == model.OpBalance && pots) {
			out[op] = weight
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s supports none of the operations of the mix %s", ErrConfig, c.Name, mix)
	}
	return out, nil
}
