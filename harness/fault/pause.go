package fault

import (
	"context"
	"fmt"
	"time"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// DefaultPause is how long Pause stops the server when For is 0.
const DefaultPause = 2 * time.Second

// Pause stops every process of the embedded cluster (SIGSTOP) for a while,
// then resumes them (SIGCONT): the server neither answers nor accepts
// connections meanwhile, so calls with a shorter deadline time out. Nothing
// is lost; a call that timed out may still complete once the server runs.
type Pause struct {
	For time.Duration // 0: DefaultPause
}

func (Pause) Name() string   { return "pause" }
func (Pause) OnServer() bool { return true }

func (Pause) Applies(s *postgres.Server) error {
	return needEmbedded("pause", "SIGSTOPs every server process", s)
}

// Inject pauses the server and returns once it runs again (sooner when ctx
// ends: the server is resumed then too).
func (p Pause) Inject(ctx context.Context, t Target) error {
	if t.Server == nil {
		return fmt.Errorf("fault pause: no server")
	}
	d := p.For
	if d <= 0 {
		d = DefaultPause
	}
	if err := t.Server.Pause(ctx, d); err != nil {
		return fmt.Errorf("fault pause: %w", err)
	}
	return nil
}
