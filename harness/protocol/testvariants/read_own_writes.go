package testvariants

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

func init() {
	async, err := protocol.Lookup("balance-async-recompute")
	if err != nil {
		panic(err)
	}
	protocol.Register(&readOwnWrites{Variant: async, worker: async.(protocol.Worker), pending: map[*pgx.Conn]bool{}})
}

// readOwnWrites is balance-async-recompute whose balance reads first wait
// for the worker to catch up — but only when the reading session has
// written since its last wait. A client always sees its own writes; a read
// that starts after another client's write returned can still be stale.
type readOwnWrites struct {
	protocol.Variant
	worker  protocol.Worker
	mu      sync.Mutex
	pending map[*pgx.Conn]bool // sessions with writes their reads have not waited for
}

func (*readOwnWrites) Info() protocol.Info {
	return protocol.Info{Name: "test-read-own-writes",
		Summary: "BUG (test): balances are recomputed in the background and a read waits only for the reader's own writes",
		Breaks:  []model.Guarantee{model.Linearizable}}
}

func (v *readOwnWrites) WorkOnce(ctx context.Context, conn *pgx.Conn) (bool, error) {
	return v.worker.WorkOnce(ctx, conn)
}

func (v *readOwnWrites) Interval() time.Duration { return v.worker.Interval() }

func (v *readOwnWrites) mark(conn *pgx.Conn, wrote bool) (was bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	was = v.pending[conn]
	v.pending[conn] = wrote
	return was
}

func (v *readOwnWrites) Balance(ctx context.Context, conn *pgx.Conn, world int64, account model.Account) (int64, error) {
	if v.mark(conn, false) {
		if err := protocol.Quiesce(ctx, v, conn); err != nil {
			return 0, err
		}
	}
	return v.Variant.Balance(ctx, conn, world, account)
}

func (v *readOwnWrites) Deposit(ctx context.Context, conn *pgx.Conn, world int64, user string, amount int64) error {
	err := v.Variant.Deposit(ctx, conn, world, user, amount)
	v.mark(conn, true)
	return err
}

func (v *readOwnWrites) Transfer(ctx context.Context, conn *pgx.Conn, world int64, from, to string, amount int64) (model.Result, error) {
	res, err := v.Variant.Transfer(ctx, conn, world, from, to, amount)
	v.mark(conn, true)
	return res, err
}

func (v *readOwnWrites) Join(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	res, err := v.Variant.Join(ctx, conn, world, user, group)
	v.mark(conn, true)
	return res, err
}

func (v *readOwnWrites) Leave(ctx context.Context, conn *pgx.Conn, world int64, user, group string) (model.Result, error) {
	res, err := v.Variant.Leave(ctx, conn, world, user, group)
	v.mark(conn, true)
	return res, err
}
