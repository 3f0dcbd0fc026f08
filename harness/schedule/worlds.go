package schedule

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// worldPool hands out fresh worlds made ahead, in batches: making one is a
// committed write, a round trip as long as two or three steps, and a
// schedule needs one. Batches double, up to maxWorldBatch, so that a
// single replay makes one world and an exploration few statements. Worlds
// belong to a lane's schema, so the pool is kept per control connection.
type worldPool struct {
	mu    sync.Mutex
	ready map[worldKey][]int64
	batch map[worldKey]int
}

type worldKey struct {
	control *pgx.Conn
	world   string
}

const maxWorldBatch = 64

// take returns a fresh world of spec, made on control.
func (p *worldPool) take(ctx context.Context, control *pgx.Conn, spec model.World) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ready == nil {
		p.ready, p.batch = map[worldKey][]int64{}, map[worldKey]int{}
	}
	k := worldKey{control, spec.String()}
	if len(p.ready[k]) == 0 {
		n := max(1, min(2*p.batch[k], maxWorldBatch))
		worlds, err := protocol.CreateWorlds(ctx, control, spec, n)
		if err != nil {
			return 0, err
		}
		p.ready[k], p.batch[k] = worlds, n
	}
	w := p.ready[k][0]
	p.ready[k] = p.ready[k][1:]
	return w, nil
}
