package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"

	"jbcheck/harness/fault"
	"jbcheck/harness/protocol"
	"jbcheck/harness/record"
)

// nemesisStream is the nemesis' stream of the run's seed (the clients'
// streams are 1 to N, the worlds' 0).
const nemesisStream = 1 << 32

// nemesis injects faults into a run: every interval it draws a fault, and
// for a session fault a client, with the run's seed, and injects it. Each
// fault that took effect is an event in the history.
type nemesis struct {
	cfg      Config
	rec      *record.Recorder
	sessions *sessions
	connect  func(context.Context) (*pgx.Conn, error) // a harness connection, for kill and cancel

	injected map[string]int64 // by kind
	missed   int64            // drawn, but nothing to hit (a client reconnecting)
}

func (n *nemesis) run(ctx context.Context) error {
	rng := rand.New(rand.NewPCG(uint64(n.cfg.Seed), nemesisStream))
	var control *pgx.Conn
	defer func() {
		if control != nil {
			control.Close(context.Background())
		}
	}()
	for {
		protocol.Sleep(ctx, n.cfg.FaultInterval)
		if ctx.Err() != nil {
			return nil
		}
		f := n.cfg.Faults[rng.IntN(len(n.cfg.Faults))]
		t := fault.Target{Server: n.cfg.Server}
		target := "server"
		if !f.OnServer() {
			client := rng.IntN(n.cfg.Clients)
			s := n.sessions.get(client)
			if s == nil {
				n.missed++
				continue
			}
			target, t.PID, t.Link = fmt.Sprintf("c%d", client), s.pid, s.link
			if control == nil || control.IsClosed() {
				var err error
				if control, err = redial(ctx, n.connect, n.cfg); err != nil {
					return contextOr(ctx, err)
				}
			}
			t.Control = control
		}
		if lr, ok := f.(fault.LoseReply); ok && !lr.Commit {
			// Striking at a random moment, lose a commit's reply: the next
			// request's would often be a BEGIN's, or a statement's whose
			// transaction the broken connection rolls back.
			f = fault.LoseReply{Commit: true}
		}
		err := n.rec.Fault(f.Name(), target, func() error {
			if err := f.Inject(ctx, t); err != nil {
				return err
			}
			if t.Link != nil && f.Name() == "lose-reply" {
				return t.Link.AwaitLoss(ctx)
			}
			return nil
		})
		switch {
		case err == nil:
			n.injected[f.Name()]++
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, fault.ErrMissed), control != nil && control.IsClosed():
			n.missed++
		default:
			return fmt.Errorf("nemesis: %w", err)
		}
	}
}
