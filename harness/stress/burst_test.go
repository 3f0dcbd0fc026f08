package stress

import (
	"context"
	"sync"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/model"
)

// TestEveryClientFiresEveryBurst: the gate opens only once every client
// still calling waits at it, and then gives each client its own call of
// the burst: four clients, one of which stops early, each get burst k's
// call for every burst fired while they run; one that stopped holds no
// burst back; a burst drawn empty fires nothing; and the coordinator stops
// when the clients have.
func TestEveryClientFiresEveryBurst(t *testing.T) {
	const clients = 4
	b := newBursts(clients)
	var drawn int64
	draw := func() []model.Input {
		drawn++
		if drawn%5 == 0 {
			return nil // the world offered no burst
		}
		calls := make([]model.Input, clients)
		for i := range calls {
			calls[i] = model.Input{Op: model.OpDeposit, User: "u0", Amount: drawn, World: int64(i)}
		}
		return calls
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan struct{})
	go func() { b.run(ctx, time.Millisecond, draw); close(done) }()
	got := make([][]model.Input, clients)
	var wg sync.WaitGroup
	for id := range clients {
		wg.Go(func() {
			defer b.quit()
			var seen int64
			calls := 40
			if id == 3 {
				calls = 10 // a client whose run ends early
			}
			for len(got[id]) < calls {
				if in, ok := b.await(id, &seen); ok {
					got[id] = append(got[id], in)
				}
				time.Sleep(100 * time.Microsecond) // a call of its own
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the coordinator still runs after every client stopped")
	}
	if n := b.fired.Load(); n < 40 {
		t.Fatalf("%d bursts fired, want at least 40 (the clients' calls)", n)
	}
	for id, calls := range got {
		for k, in := range calls {
			if in.World != int64(id) || in.Amount%5 == 0 {
				t.Errorf("client %d's burst call %d is %+v: another client's, or of a burst drawn empty", id, k, in)
			}
			if k > 0 && in.Amount <= calls[k-1].Amount {
				t.Errorf("client %d got burst %d after burst %d", id, in.Amount, calls[k-1].Amount)
			}
		}
		// While client 3 ran, every client met every burst; after, the
		// others go on without it.
		if id != 3 && got[id][9] != (model.Input{Op: model.OpDeposit, User: "u0", Amount: got[3][9].Amount, World: int64(id)}) {
			t.Errorf("client %d's tenth burst call is %+v; client 3's %+v", id, got[id][9], got[3][9])
		}
	}
}
