package testvariants

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

func init() {
	protocol.Register(&cachedBalance{Locking: protocol.Locking{}, seen: map[cacheKey]int64{}})
}

// cachedBalance is locking whose balance reads are served from an
// in-process cache once an account has been read: a cache hit runs no
// statement at all, and writes never invalidate it, so a read after a write
// can be stale (L).
type cachedBalance struct {
	protocol.Locking
	mu   sync.Mutex
	seen map[cacheKey]int64
}

type cacheKey struct {
	world   int64
	account model.Account
}

func (*cachedBalance) Info() protocol.Info {
	return protocol.Info{Name: "test-cached-balance",
		Summary: "BUG (test): balance reads are served from an in-process cache that writes never invalidate",
		Breaks:  []model.Guarantee{model.Linearizable}}
}

func (v *cachedBalance) Balance(ctx context.Context, conn *pgx.Conn, world int64, account model.Account) (int64, error) {
	key := cacheKey{world, account}
	v.mu.Lock()
	amount, hit := v.seen[key]
	v.mu.Unlock()
	if hit {
		return amount, nil
	}
	amount, err := v.Locking.Balance(ctx, conn, world, account)
	if err == nil {
		v.mu.Lock()
		v.seen[key] = amount
		v.mu.Unlock()
	}
	return amount, err
}
