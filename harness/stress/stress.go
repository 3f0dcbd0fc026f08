package stress

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/record"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// Config says what a stress run does.
type Config struct {
	Server  *postgres.Server
	Variant protocol.Variant
	Clients int   // concurrent clients, each with its own connection
	Worlds  int   // worlds the clients share
	Ops     int   // total operations; 0 means run for Duration
	Seed    int64 // the worlds and every client's calls follow from it
	// Duration bounds the run when Ops is 0.
	Duration time.Duration
	// OpTimeout bounds one operation (0: 10 s, or 1 s with faults, so that
	// a paused server turns calls into info instead of a hang); past it the
	// operation is cancelled and recorded as info (it may or may not have
	// happened).
	OpTimeout time.Duration
	// Faults, if any, are injected by a nemesis every FaultInterval (0:
	// 1 s): each time it draws a fault, and for a session fault a client,
	// with the run's seed. Clients, the background worker and the auditor
	// reconnect when a fault breaks their connection; every call is named
	// (protocol.WithOperationID), and a call whose connection was lost with
	// its request sent is sent again, once, under the same id.
	Faults        []fault.Fault
	FaultInterval time.Duration
	// WorkerInterval overrides the pause between a background worker's idle
	// rounds; 0 keeps the variant's own.
	WorkerInterval time.Duration
	// AuditEvery is the pause between audits of every world while the
	// clients run (0: 250 ms; negative: only the final audit). An invariant
	// broken for a moment is caught even if later operations mend it.
	AuditEvery time.Duration
	// BarrierEvery is the longest pause between two barriers (0: 1 s;
	// negative: none), BarrierCalls the most calls between two (0:
	// 10,000): a barrier holds every client between two calls, lets the
	// background worker catch up, and records every world's state, which
	// cuts the history into segments the checker checks one at a time
	// (docs/segments.md). A run with faults records no barrier.
	BarrierEvery time.Duration
	BarrierCalls int
	// BurstEvery, if positive, is the pause between two bursts: every
	// client ends its call and waits at a start gate, then all fire the
	// same kind of call on one hot row of one world at once
	// (workload.Burst), so that their statements overlap inside the
	// server — a race within one statement that calls drawn one by one
	// almost never meet. A run with faults fires no burst.
	BurstEvery time.Duration
	Mix        workload.Mix
	// History receives the history, flushed line by line.
	History io.Writer
	Command string // recorded in the header
	// Progress, if set, is called about every 200 ms with the operations
	// completed so far.
	Progress func(done int64)
}

// Scenario is what the header records of a stress run's configuration.
type Scenario struct {
	Clients  int    `json:"clients"`
	Worlds   int    `json:"worlds"`
	Ops      int    `json:"ops,omitempty"`
	Duration string `json:"duration,omitempty"`
	Mix      string `json:"mix"`
	// Faults are the nemesis' faults, comma-separated; FaultInterval the
	// pause between two.
	Faults        string `json:"faults,omitempty"`
	FaultInterval string `json:"fault_interval,omitempty"`
	BurstEvery    string `json:"burst_every,omitempty"` // the pause between two bursts
}

// Summary is what a run did.
type Summary struct {
	Ops            int64
	OK, Fail, Info int64
	Elapsed        time.Duration // from the first invoke to the last completion
	Quiescent      bool          // the background worker caught up before the audits
	// Faults counts the faults injected, by kind; FaultsMissed those drawn
	// that found nothing to hit (a client between two connections).
	Faults       map[string]int64
	FaultsMissed int64
	// Retried counts the calls sent again after their connection was lost.
	Retried int64
	// Barriers counts the barriers recorded (each cuts every world);
	// BarriersSkipped those given up because a backend of a connection
	// given up, or the background worker, did not settle in time.
	Barriers, BarriersSkipped int64
	// Bursts counts the bursts fired (Config.BurstEvery).
	Bursts int64
}

// OpsPerSecond is the throughput of the run.
func (s Summary) OpsPerSecond() float64 { return float64(s.Ops) / s.Elapsed.Seconds() }

// ErrBadConfig reports a Config that cannot run.
var ErrBadConfig = errors.New("bad stress configuration")

// Run runs the clients until Ops operations completed, Duration passed or ctx
// ended (Ctrl-C), then lets the background worker catch up, audits every
// world and writes the audits. The history is complete up to the moment Run
// returns, whatever ended it.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.Clients < 1 || cfg.Worlds < 1 || (cfg.Ops <= 0 && cfg.Duration <= 0) {
		return Summary{}, fmt.Errorf("%w: need at least one client, one world, and an operation count or a duration", ErrBadConfig)
	}
	if cfg.Mix == nil {
		cfg.Mix = workload.DefaultMix
	}
	faulty := len(cfg.Faults) > 0
	for _, f := range cfg.Faults {
		if err := f.Applies(cfg.Server); err != nil {
			return Summary{}, fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
	}
	switch {
	case cfg.OpTimeout == 0 && faulty:
		cfg.OpTimeout = time.Second
	case cfg.OpTimeout == 0:
		cfg.OpTimeout = 10 * time.Second
	}
	if cfg.FaultInterval <= 0 {
		cfg.FaultInterval = time.Second
	}
	connect := func(ctx context.Context) (*pgx.Conn, error) {
		c := cfg.Server.ConnConfig()
		protocol.ConfigureClient(c, cfg.Variant, protocol.SchemaName(cfg.Variant))
		// Every client's connection is a Link: it counts what a call sent,
		// which Classify needs (attempt), and with faults a reply can be
		// lost through it (fault.LinkOf finds it).
		fault.Dial(c, nil)
		return pgx.ConnectConfig(ctx, c)
	}
	// A harness connection: not the variant's isolation.
	connectControl := func(ctx context.Context) (*pgx.Conn, error) {
		c := cfg.Server.ConnConfig()
		protocol.Configure(c, cfg.Variant, protocol.SchemaName(cfg.Variant))
		return pgx.ConnectConfig(ctx, c)
	}
	control, err := connectControl(ctx)
	if err != nil {
		return Summary{}, err
	}
	defer control.Close(context.Background())
	if err := protocol.Install(ctx, control, cfg.Variant, protocol.SchemaName(cfg.Variant)); err != nil {
		return Summary{}, err
	}
	seeds := rand.New(rand.NewPCG(uint64(cfg.Seed), 0))
	worlds := make([]int64, cfg.Worlds)
	specs := map[int64]model.World{}
	for i := range worlds {
		spec := workload.RandomWorld(seeds)
		if worlds[i], err = protocol.CreateWorld(ctx, control, spec); err != nil {
			return Summary{}, err
		}
		specs[worlds[i]] = spec
	}
	scenario, _ := json.Marshal(scenarioOf(cfg))
	w, err := histories.NewWriter(cfg.History, histories.Header{
		Variant: cfg.Variant.Info().Name, Mode: histories.ModeStress, Seed: cfg.Seed, Scenario: scenario,
		Worlds: specs, Postgres: cfg.Server.Version(), Command: cfg.Command, Started: time.Now().UTC(),
		Lagging: protocol.Lagging(cfg.Variant),
	})
	if err != nil {
		return Summary{}, err
	}

	// The worker outlives the clients: the audits wait for it to catch up.
	wctx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	workerDone := make(chan error, 1)
	if worker, ok := cfg.Variant.(protocol.Worker); ok {
		wconn, err := connect(ctx)
		if err != nil {
			return Summary{}, err
		}
		go func() { workerDone <- runWorker(wctx, worker, wconn, connect, cfg) }()
	} else {
		workerDone <- nil
	}

	base := time.Now()
	rec := record.New(w, func(histories.Kind) int64 { return time.Since(base).Nanoseconds() })
	// A duration ends the run by not starting new operations; the ones in
	// flight finish normally (cancelling them would record them as info).
	var deadline time.Time
	if cfg.Ops <= 0 {
		deadline = base.Add(cfg.Duration)
	}
	var claimed, done atomic.Int64
	stopProgress := reportProgress(cfg.Progress, &done)
	_, async := cfg.Variant.(protocol.Worker)
	actx, stopAuditor := context.WithCancel(ctx)
	defer stopAuditor()
	auditorDone := make(chan error, 1)
	if cfg.AuditEvery >= 0 {
		aconn, err := connectControl(ctx)
		if err != nil {
			return Summary{}, err
		}
		a := auditor{cfg: cfg, rec: rec, worlds: worlds, connect: connectControl, conn: aconn}
		// Mid-run audits of an asynchronous variant are not quiescent: only
		// its membership invariants hold at every instant.
		go func() { auditorDone <- a.run(actx, cmp.Or(cfg.AuditEvery, 250*time.Millisecond), !async) }()
	} else {
		auditorDone <- nil
	}
	bctx, stopBarriers := context.WithCancel(ctx)
	defer stopBarriers()
	barriersDone := make(chan error, 1)
	var g *gate
	var cuts *barriers
	if cfg.BarrierEvery >= 0 && !faulty {
		bconn, err := connectControl(ctx)
		if err != nil {
			return Summary{}, err
		}
		g = &gate{}
		cuts = &barriers{cfg: cfg, rec: rec, worlds: worlds, gate: g, conn: bconn}
		every, calls := cmp.Or(cfg.BarrierEvery, defaultBarrierEvery), int64(cmp.Or(cfg.BarrierCalls, defaultBarrierCalls))
		go func() { barriersDone <- cuts.run(bctx, every, calls, &done) }()
	} else {
		barriersDone <- nil
	}
	var fire *bursts
	stopBursts := func() {}
	if cfg.BurstEvery > 0 && !faulty {
		if fire, stopBursts, err = startBursts(ctx, cfg, connectControl, worlds, specs); err != nil {
			return Summary{}, err
		}
		defer stopBursts()
	}
	live := newSessions(cfg.Clients)
	var retried atomic.Int64
	nctx, stopNemesis := context.WithCancel(ctx)
	defer stopNemesis()
	nemesisDone := make(chan error, 1)
	nem := nemesis{cfg: cfg, rec: rec, sessions: live, connect: connectControl, injected: map[string]int64{}}
	if faulty {
		go func() { nemesisDone <- nem.run(nctx) }()
	} else {
		nemesisDone <- nil
	}
	errs := make(chan error, cfg.Clients)
	var wg sync.WaitGroup
	for client := range cfg.Clients {
		wg.Go(func() {
			cl := clientRun{cfg: cfg, id: client, rec: rec, connect: connect, worlds: worlds, specs: specs,
				rng: rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(client)+1)), sessions: live, retried: &retried, gate: g, bursts: fire}
			defer func() {
				if r := recover(); r != nil {
					errs <- fmt.Errorf("internal error: panic in client %d: %v", client, r)
				}
			}()
			errs <- cl.loop(ctx, deadline, &claimed, &done)
		})
	}
	wg.Wait()
	stopBursts()
	// The nemesis stops with the clients: a crash it is in finishes with
	// the server restarted, a pause is cut short.
	stopNemesis()
	runErr := <-nemesisDone
	stopAuditor()
	stopBarriers()
	stopProgress()
	elapsed := time.Since(base)
	close(errs)
	for err := range errs {
		runErr = errors.Join(runErr, err)
	}
	if err := <-auditorDone; err != nil {
		runErr = errors.Join(runErr, err)
	}
	if err := <-barriersDone; err != nil {
		runErr = errors.Join(runErr, err)
	}

	// Catch up and audit even after Ctrl-C: the history should end with
	// the evidence the invariants need. After a crash, on a new connection.
	finish, cancelFinish := context.WithTimeout(context.Background(), 30*time.Second+reconnectWithin)
	defer cancelFinish()
	if faulty {
		control.Close(context.Background())
		if control, err = redial(finish, connectControl, cfg); err != nil {
			stopWorker()
			<-workerDone
			return Summary{}, errors.Join(runErr, fmt.Errorf("final audits: %w", err))
		}
		defer control.Close(context.Background())
	}
	quiescent := protocol.Quiesce(finish, cfg.Variant, control) == nil
	stopWorker()
	if err := <-workerDone; err != nil {
		runErr = errors.Join(runErr, err)
	}
	for _, world := range worlds {
		read := func() (model.Snapshot, error) { return protocol.Audit(finish, control, world) }
		if err := rec.Audit(world, read, quiescent); err != nil {
			return Summary{}, errors.Join(runErr, err)
		}
	}
	ok, fail, info := rec.Counts()
	sum := Summary{Ops: ok + fail + info, OK: ok, Fail: fail, Info: info, Elapsed: elapsed, Quiescent: quiescent,
		Faults: nem.injected, FaultsMissed: nem.missed, Retried: retried.Load()}
	if fire != nil {
		sum.Bursts = fire.fired.Load()
	}
	if cuts != nil {
		sum.Barriers, sum.BarriersSkipped = cuts.taken.Load(), cuts.skipped.Load()
	}
	return sum, runErr
}

func durationText(cfg Config) string {
	if cfg.Ops > 0 {
		return ""
	}
	return cfg.Duration.String()
}

// contextOr hides an error caused by the run ending.
func contextOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func reportProgress(progress func(int64), done *atomic.Int64) (stop func()) {
	if progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				progress(done.Load())
			case <-quit:
				progress(done.Load())
				return
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}
