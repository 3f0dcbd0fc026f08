package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/record"
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
		var sess *session
		if !f.OnServer() {
			client := rng.IntN(n.cfg.Clients)
			sess = n.sessions.get(client)
			if sess == nil {
				n.missed++
				continue
			}
			target, t.PID, t.Link = fmt.Sprintf("c%d", client), sess.pid, sess.link
			if control == nil || control.IsClosed() {
				var err error
				if control, err = redial(ctx, n.connect, n.cfg); err != nil {
					return contextOr(ctx, err)
				}
			}
			t.Control = control
		}
		err := n.rec.Fault(f.Name(), target, func() error {
			if _, ok := f.(fault.LoseReply); ok {
				return loseReply(ctx, sess)
			}
			return f.Inject(ctx, t)
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

// loseReply loses the reply to the commit of the client's next call: the
// client arms its link when the call starts (session.askLoss). It returns
// once the reply was lost; ErrMissed if the session closed first, or ctx
// ended first (the request is withdrawn then).
func loseReply(ctx context.Context, s *session) error {
	if s.link == nil {
		return fmt.Errorf("fault lose-reply: the session has no link")
	}
	s.askLoss()
	select {
	case <-s.link.Lost():
		return nil
	case <-s.link.Closed():
	case <-ctx.Done():
	}
	if s.withdrawLoss() {
		return nil
	}
	return fmt.Errorf("%w: lose-reply: the session ended before a reply was lost", fault.ErrMissed)
}
