package fault

import (
	"context"
	"fmt"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// LoseReply loses one session's reply: the request reaches the server and
// is acted on, the reply is read and dropped, and the connection is closed,
// so the client sees a broken connection and cannot tell whether its call
// happened — the classic indeterminate commit. It works through the
// session's Link (see Dial).
type LoseReply struct {
	// Commit loses the reply to the next request that ends a transaction (a
	// COMMIT, a statement outside a transaction: see
	// Link.LoseNextCommitReply) rather than to the next request whatever it
	// is (Link.LoseNextReply, what Lookup's lose-reply does: a fault placed
	// before a step loses that step's reply). The next request is often a
	// BEGIN, or a statement whose transaction the broken connection rolls
	// back; a commit's lost reply leaves the call truly indeterminate.
	Commit bool
}

func (LoseReply) Name() string   { return "lose-reply" }
func (LoseReply) OnServer() bool { return false }

// Applies needs connections without TLS: a Link reads the server's messages
// on the wire.
func (LoseReply) Applies(s *postgres.Server) error {
	if s == nil {
		return nil
	}
	cfg := s.ConnConfig()
	tls := cfg.TLSConfig != nil
	for _, fb := range cfg.Fallbacks {
		tls = tls || fb.TLSConfig != nil
	}
	if tls {
		return fmt.Errorf("%w: lose-reply reads the server's replies on the wire and cannot through TLS: use the embedded cluster, or a DSN with sslmode=disable on a network you trust, or leave lose-reply out of --faults",
			ErrNotApplicable)
	}
	return nil
}

// Inject arms t.Link and returns at once: the reply is lost when the
// request it was armed for is answered (in schedule mode, at the session's
// next step). Link.AwaitLoss waits for that.
func (r LoseReply) Inject(ctx context.Context, t Target) error {
	if t.Link == nil {
		return fmt.Errorf("fault lose-reply: no link (connect through fault.Dial)")
	}
	select {
	case <-t.Link.Closed():
		return fmt.Errorf("%w: lose-reply: the connection is closed", ErrMissed)
	default:
	}
	if r.Commit {
		t.Link.LoseNextCommitReply()
	} else {
		t.Link.LoseNextReply()
	}
	return nil
}
