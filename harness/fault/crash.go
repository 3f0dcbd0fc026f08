package fault

import (
	"context"
	"fmt"
	"time"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// Crash SIGKILLs every process of the embedded cluster at once, as a power
// cut would to the server, and restarts it on the same data directory. Every
// connection breaks; what was committed survives (the operating system kept
// what the server wrote, even with fsync off), and recovery replays the
// write-ahead log.
type Crash struct{}

func (Crash) Name() string   { return "crash" }
func (Crash) OnServer() bool { return true }

func (Crash) Applies(s *postgres.Server) error {
	return needEmbedded("crash", "SIGKILLs every server process and restarts the cluster", s)
}

// restartWithin bounds the restart after a crash.
const restartWithin = 2 * time.Minute

// Inject crashes the server and returns once it accepts connections again.
// The restart ignores the end of ctx: a crashed server is always restarted.
func (Crash) Inject(ctx context.Context, t Target) error {
	if t.Server == nil {
		return fmt.Errorf("fault crash: no server")
	}
	if err := t.Server.Crash(); err != nil {
		return fmt.Errorf("fault crash: %w", err)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restartWithin)
	defer cancel()
	if err := t.Server.Restart(rctx); err != nil {
		return fmt.Errorf("fault crash: restarting the cluster: %w", err)
	}
	return nil
}
