package schedule

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// BenchmarkTwoClientJoin explores, exhaustively and without reductions,
// the first flaky test's smallest form — two clients joining the same group
// as the same user — against locking, on one lane, one lane per CPU, and
// as many lanes as `jbcheck explore` uses by default (two per CPU). One op
// is one whole exploration. Beside schedule mode's statement rate it measures, in the
// same run and on the same cluster, pgbench's select-only rate at one
// client: one client's statement round trip, the physical limit of one
// lane, which moves one statement at a time. vs-pgbench is their ratio.
// Before each lane count it also measures the floor (floorRate): what pgx
// alone does with the same schedules' round trips on as many lanes, with no
// engine; vs-floor is the engine's share of it. Both are steady rates:
// every lane first runs untimed (the engine one exploration, the floor one
// schedule), so that new connections' first statements — the server
// loading its catalog caches, pgx preparing — count in neither; on 4 lanes
// they make the first exploration take about 115 ms instead of 45.
func BenchmarkTwoClientJoin(b *testing.B) {
	ctx := context.Background()
	tps, err := pgtest.Server(b).PgbenchSelectOnly(ctx, nil, 3*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	sc := mustParse(b, "c0: join(u0,g0); c1: join(u0,g0)", "")
	for _, lanes := range slices.Compact([]int{1, runtime.NumCPU(), DefaultLanes()}) {
		b.Run(fmt.Sprintf("lanes=%d", lanes), func(b *testing.B) {
			execs := lanesOf(b, "locking", lanes)
			floor := floorRate(b, "locking", sc, lanes, 2*time.Second)
			if _, err := Explore(ctx, execs, sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}}); err != nil {
				b.Fatal(err) // warming the lanes: b.Loop starts the clock
			}
			var schedules, statements int
			for b.Loop() {
				rep, err := Explore(ctx, execs, sc, ExploreOptions{Strategy: Strategy{Name: "exhaustive"}})
				if err != nil || rep.Violation != nil {
					b.Fatalf("%v, violation %v", err, rep.Violation != nil)
				}
				schedules += rep.Explored
				statements += rep.Steps
			}
			rate := float64(statements) / b.Elapsed().Seconds()
			perSecond := float64(schedules) / b.Elapsed().Seconds()
			b.ReportMetric(perSecond, "schedules/s")
			b.ReportMetric(rate, "statements/s")
			b.ReportMetric(tps, "pgbench-S-tps")
			b.ReportMetric(rate/tps, "vs-pgbench")
			b.ReportMetric(floor, "floor-schedules/s")
			b.ReportMetric(perSecond/floor, "vs-floor")
		})
	}
}

// BenchmarkFiveSerializableJoins is the first flaky test as the gate
// explores it at its heaviest: five clients joining as one user against
// serializable, every schedule with at most two preemptions, reductions on,
// on as many lanes as `jbcheck explore` uses by default. One op is one whole
// exploration.
func BenchmarkFiveSerializableJoins(b *testing.B) {
	ctx := context.Background()
	sc := mustParse(b, "c0: join(u0,g0); c1: join(u0,g0); c2: join(u0,g0); c3: join(u0,g0); c4: join(u0,g0)", "")
	execs := lanesOf(b, "serializable", DefaultLanes())
	for _, e := range execs {
		e.Reduce = true
	}
	var schedules int
	for b.Loop() {
		rep, err := Explore(ctx, execs, sc, ExploreOptions{Strategy: Strategy{Name: "preempt", K: 2}})
		if err != nil || rep.Violation != nil || !rep.Complete {
			b.Fatalf("%v, violation %v, complete %v", err, rep.Violation != nil, rep.Complete)
		}
		schedules = rep.Explored
	}
	b.ReportMetric(float64(schedules), "schedules/op")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
}

// lanesOf opens n executors of a variant, closed when b ends.
func lanesOf(b testing.TB, variant string, n int) []*Executor {
	v, err := protocol.Lookup(variant)
	if err != nil {
		b.Fatal(err)
	}
	execs, err := NewExecutors(context.Background(), pgtest.Server(b), v, n)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { CloseAll(execs) })
	return execs
}

// floorRate measures, for d, the schedules per second of sc against
// variant (installed by lanesOf) that pgx alone achieves on lanes lanes with every
// round trip a schedule cannot do without and nothing else: each lane runs
// the clients' calls one client after the other, each on its own
// connection, in a fresh world, then audits the world. (The protocol's
// sessions need no reset between two schedules: interleave.Tuning.Stateless.)
// No engine:
// no grants, no interleaving (so no lock waits and no polls of the lock
// table), no history, no check. It is the bound of schedule mode on this
// machine, measured beside it (each lane's first schedule untimed).
func floorRate(b *testing.B, variant string, sc model.Scenario, lanes int, d time.Duration) float64 {
	ctx := context.Background()
	v, err := protocol.Lookup(variant)
	if err != nil {
		b.Fatal(err)
	}
	connect := func(lane int) *pgx.Conn {
		cfg := pgtest.Server(b).ConnConfig()
		protocol.ConfigureClient(cfg, v, laneSchema(v, lane))
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close(ctx) })
		return c
	}
	next := make([]func() error, lanes) // runs one schedule of the lane
	for lane := range lanes {
		control, clients := connect(lane), make([]*pgx.Conn, len(sc.Clients))
		for i := range clients {
			clients[i] = connect(lane)
		}
		var worlds []int64
		next[lane] = func() error {
			if len(worlds) == 0 {
				var err error
				if worlds, err = protocol.CreateWorlds(ctx, control, sc.World, 64); err != nil {
					return err
				}
			}
			world := worlds[0]
			worlds = worlds[1:]
			return floorSchedule(ctx, v, sc, world, control, clients)
		}
	}
	errs := make([]error, lanes)
	var wg sync.WaitGroup
	for lane := range lanes { // warming each lane, untimed (BenchmarkTwoClientJoin)
		wg.Go(func() { errs[lane] = next[lane]() })
	}
	wg.Wait()
	var done atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	for lane := range lanes {
		wg.Go(func() {
			for errs[lane] == nil && time.Now().Before(deadline) {
				if errs[lane] = next[lane](); errs[lane] == nil {
					done.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	return float64(done.Load()) / time.Since(start).Seconds()
}

// floorSchedule is one schedule of the floor: the calls and the audit.
func floorSchedule(ctx context.Context, v protocol.Variant, sc model.Scenario, world int64, control *pgx.Conn, clients []*pgx.Conn) error {
	for c, calls := range sc.Clients {
		for _, in := range calls {
			in.World = world
			if _, err := protocol.Apply(ctx, v, clients[c], in); err != nil {
				return err
			}
		}
	}
	_, err := protocol.Audit(ctx, control, world)
	return err
}
