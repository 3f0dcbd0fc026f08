package stress

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/fault"
	"jbcheck.dev/jbcheck/harness/protocol"
)

// Reconnecting after a fault: pauses that start at firstBackoff and double
// up to maxBackoff, each jittered by up to half its length, for at most
// reconnectWithin (a crashed server restarts in well under that).
const (
	firstBackoff    = 10 * time.Millisecond
	maxBackoff      = 500 * time.Millisecond
	reconnectWithin = 60 * time.Second
)

// redial opens a connection with connect. Without faults it tries once;
// with faults it tries again with backoff until the server is back, ctx
// ends or reconnectWithin passes. Each attempt has the per-call deadline:
// a paused server does not answer.
func redial(ctx context.Context, connect func(context.Context) (*pgx.Conn, error), cfg Config) (*pgx.Conn, error) {
	if len(cfg.Faults) == 0 {
		return connect(ctx)
	}
	give := time.Now().Add(reconnectWithin)
	backoff := firstBackoff
	for {
		actx, cancel := context.WithTimeout(ctx, cfg.OpTimeout)
		conn, err := connect(actx)
		cancel()
		switch {
		case err == nil:
			return conn, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case time.Now().After(give):
			return nil, fmt.Errorf("the server did not take a connection for %v: %w", reconnectWithin, err)
		}
		protocol.Sleep(ctx, backoff/2+rand.N(backoff/2+1))
		backoff = min(2*backoff, maxBackoff)
	}
}

// session is what a nemesis needs of a client's session.
type session struct {
	pid  uint32      // its backend (kill, cancel)
	link *fault.Link // its connection (lose-reply)

	mu       sync.Mutex
	loseNext bool // the nemesis asks for the reply of the next call's commit
}

// askLoss asks the client to arm its link at the start of its next call, so
// that the call's commit reply is lost: every kind of call is hit as often
// as it is made, where arming at a random moment would mostly hit the long
// transactions a client spends its time in.
func (s *session) askLoss() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// armIfAsked arms the link if the nemesis asked for a loss.
func (s *session) armIfAsked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loseNext {
		s.loseNext = false
		s.link.LoseNextCommitReply()
	}
}

// withdrawLoss takes the request back; it reports true when the reply was
// lost already.
func (s *session) withdrawLoss() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = false
	return !s.link.Disarm()
}

// sessions are the clients' current sessions; nil while a client has none
// (it is reconnecting, or done).
type sessions struct {
	mu       sync.Mutex
	byClient []*session
}

func newSessions(clients int) *sessions {
	return &sessions{byClient: make([]*session, clients)}
}

func (s *sessions) set(client int, sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byClient[client] = sess
}

func (s *sessions) get(client int) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byClient[client]
}
