package stress

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/model"
)

// bursts makes the clients fire together (Config.BurstEvery): every period
// it announces a burst; each client, once its call in flight has ended,
// waits at the start gate; when every client still running waits there,
// the coordinator reads the hot world's state, draws each client's call
// (workload.Burst: the same kind of call on one hot row) and opens the
// gate for all of them at once. A nil *bursts fires none.
type bursts struct {
	mu   sync.Mutex
	cond *sync.Cond
	live int // clients still calling
	// announced is the burst announced last (0: none yet), readable
	// without mu; arrived counts the clients waiting at it, released is
	// the last burst whose gate opened, and calls its calls, by client.
	announced atomic.Int64
	arrived   int
	released  int64
	calls     []model.Input
	fired     atomic.Int64 // bursts that fired calls
}

func newBursts(clients int) *bursts {
	b := &bursts{live: clients}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// await is where a client between two calls meets the bursts: when one
// was announced since *seen, it waits at the gate and returns its call of
// the burst (ok false when the burst fired none).
func (b *bursts) await(id int, seen *int64) (in model.Input, ok bool) {
	if b == nil || b.announced.Load() == *seen {
		return model.Input{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	*seen = b.announced.Load()
	b.arrived++
	b.cond.Broadcast()
	for b.released < *seen {
		b.cond.Wait()
	}
	if id < len(b.calls) {
		return b.calls[id], true
	}
	return model.Input{}, false
}

// quit tells the coordinator a client has stopped calling.
func (b *bursts) quit() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.live--
	b.cond.Broadcast()
	b.mu.Unlock()
}

// run announces a burst every period until ctx ends or no client is left,
// and fires each with the calls draw gives (nil: none).
func (b *bursts) run(ctx context.Context, every time.Duration, draw func() []model.Input) {
	for {
		protocol.Sleep(ctx, every)
		b.mu.Lock()
		if ctx.Err() != nil || b.live == 0 {
			b.mu.Unlock()
			return
		}
		next := b.announced.Load() + 1
		b.arrived = 0
		b.announced.Store(next)
		for b.arrived < b.live {
			b.cond.Wait()
		}
		b.mu.Unlock()
		var calls []model.Input
		if ctx.Err() == nil {
			calls = draw()
		}
		b.mu.Lock()
		b.released, b.calls = next, calls
		if calls != nil {
			b.fired.Add(1)
		}
		b.cond.Broadcast()
		b.mu.Unlock()
	}
}

// startBursts starts the coordinator on a connection of its own; stop,
// called once the clients have stopped (or never started), ends it and
// waits for it.
func startBursts(ctx context.Context, cfg Config, connect func(context.Context) (*pgx.Conn, error), worlds []int64, specs map[int64]model.World) (b *bursts, stop func(), err error) {
	conn, err := connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	b = newBursts(cfg.Clients)
	bctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer conn.Close(context.Background())
		b.run(bctx, cfg.BurstEvery, burstDraw(bctx, cfg, conn, worlds, specs))
	}()
	var once sync.Once
	return b, func() {
		once.Do(func() {
			cancel()
			b.mu.Lock()
			b.live = 0 // clients that never started hold no burst back
			b.cond.Broadcast()
			b.mu.Unlock()
			<-done
		})
	}, nil
}

// burstDraw reads one world, drawn, with every client held, and draws
// its burst (workload.Burst); nil when the read fails (the burst fires no
// calls) or the world offers none.
func burstDraw(ctx context.Context, cfg Config, conn *pgx.Conn, worlds []int64, specs map[int64]model.World) func() []model.Input {
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0xb0b))
	return func() []model.Input {
		world := worlds[r.IntN(len(worlds))]
		s, err := protocol.Audit(ctx, conn, world)
		if err != nil {
			return nil
		}
		calls := workload.Burst(r, specs[world], s, cfg.Mix, cfg.Clients)
		for i := range calls {
			calls[i].World = world
		}
		return calls
	}
}
