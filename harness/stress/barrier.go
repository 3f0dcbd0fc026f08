package stress

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/record"
	"jbcheck.dev/jbcheck/model"
)

// The defaults of Config.BarrierEvery and Config.BarrierCalls: a barrier
// at least every second, and after at most this many calls.
const (
	defaultBarrierEvery = time.Second
	defaultBarrierCalls = 10_000
)

// barrierWait bounds what a barrier waits for with the clients held: the
// background worker catching up, the backends of given-up connections
// ending. Past it the barrier is skipped (nothing is recorded) and tried
// again at the next period.
const barrierWait = 5 * time.Second

// gate lets a barrier hold the clients: each client holds it shared for
// the whole of a call (invoke to completion, retry included), a barrier
// holds it alone. A nil gate holds nothing (a run without barriers).
type gate struct {
	mu sync.RWMutex
	// doubts are the backends of connections given up after a call: a call
	// cut off (info) may still commit in its backend while that backend
	// lives, so no barrier is taken until they have all ended.
	doubtMu sync.Mutex
	doubts  []uint32
}

func (g *gate) enter() {
	if g != nil {
		g.mu.RLock()
	}
}

func (g *gate) leave() {
	if g != nil {
		g.mu.RUnlock()
	}
}

// doubt notes pid, the backend of a connection given up, while the gate is
// held: the next barrier waits until that backend has ended.
func (g *gate) doubt(pid uint32) {
	if g == nil {
		return
	}
	g.doubtMu.Lock()
	g.doubts = append(g.doubts, pid)
	g.doubtMu.Unlock()
}

// barriers cuts the worlds' histories into segments: every period, or
// after every so many calls, it holds every client between two calls,
// lets the background worker catch up, and records each world's state as
// a barrier (record.Recorder.Barrier). A barrier cuts every world at once.
type barriers struct {
	cfg     Config
	rec     *record.Recorder
	worlds  []int64
	gate    *gate
	conn    *pgx.Conn
	ledger  ledgerSums
	taken   atomic.Int64
	skipped atomic.Int64
}

func (b *barriers) run(ctx context.Context, every time.Duration, calls int64, done *atomic.Int64) error {
	defer func() { b.conn.Close(context.Background()) }()
	tick := min(every, 20*time.Millisecond)
	last, lastAt := done.Load(), time.Now()
	for {
		protocol.Sleep(ctx, tick)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(lastAt) < every && done.Load()-last < calls {
			continue
		}
		if err := b.cut(ctx); err != nil {
			return contextOr(ctx, err)
		}
		last, lastAt = done.Load(), time.Now()
	}
}

// cut takes one barrier of every world, or none when the doubts or the
// worker do not settle within barrierWait.
func (b *barriers) cut(ctx context.Context) error {
	b.gate.mu.Lock()
	defer b.gate.mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, barrierWait)
	defer cancel()
	if !b.settled(wctx) || protocol.Quiesce(wctx, b.cfg.Variant, b.conn) != nil {
		b.skipped.Add(1)
		return ctx.Err()
	}
	snaps, err := b.ledger.read(ctx, b.conn, b.worlds)
	if err != nil {
		return err
	}
	for _, world := range b.worlds {
		read := func() (model.Snapshot, error) { return snaps[world], nil }
		if err := b.rec.Barrier(world, read); err != nil {
			return err
		}
	}
	b.taken.Add(1)
	return nil
}

// settled waits until no backend of a given-up connection lives: then no
// call cut off before the barrier can take effect after it.
func (b *barriers) settled(ctx context.Context) bool {
	b.gate.doubtMu.Lock()
	defer b.gate.doubtMu.Unlock()
	for len(b.gate.doubts) > 0 {
		var alive int64
		if err := b.conn.QueryRow(ctx, protocol.PollMarker+"SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)",
			b.gate.doubts).Scan(&alive); err != nil {
			return false
		}
		if alive == 0 {
			b.gate.doubts = b.gate.doubts[:0]
			return true
		}
		protocol.Sleep(ctx, 10*time.Millisecond)
		if ctx.Err() != nil {
			return false
		}
	}
	return true
}
