package protocol

import (
	"context"
	"time"
)

// Sleeper replaces the waits of retry backoff and polling loops. The
// deterministic scheduler installs one that does not sleep at all: under it,
// time does not pass between statements, and a poll that saw no change
// yields to the other clients instead.
type Sleeper func(ctx context.Context, d time.Duration)

type sleeperKey struct{}

// WithSleeper returns a context whose waits go through s.
func WithSleeper(ctx context.Context, s Sleeper) context.Context {
	return context.WithValue(ctx, sleeperKey{}, s)
}

// Sleep waits for d, or less if ctx ends, or however the context's Sleeper
// says.
func Sleep(ctx context.Context, d time.Duration) {
	if s, ok := ctx.Value(sleeperKey{}).(Sleeper); ok {
		s(ctx, d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
