package histories

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
)

// linearizable runs porcupine on one world's operations until ctx ends,
// and returns ctx's error then. From that moment every step of the model
// fails, which ends porcupine's search within a few steps: a cancelled
// check returns at once, without a goroutine of its own to wait on.
//
// The search is first made without keeping partial linearizations (most
// worlds are linearizable, and keeping them is most of the cost on a small
// world); only an illegal world is searched again, keeping them, for its
// explanation (explainIllegal), which therefore comes from a search made
// exactly as before.
func linearizable(ctx context.Context, m porcupine.Model, ops []porcupine.Operation, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo, error) {
	if ctx.Done() != nil {
		var stopped atomic.Bool
		defer context.AfterFunc(ctx, func() { stopped.Store(true) })()
		step := m.Step
		m.Step = func(state, input, output any) (bool, any) {
			if stopped.Load() {
				return false, state
			}
			return step(state, input, output)
		}
	}
	result := porcupine.CheckOperationsTimeout(m, ops, timeout)
	var info porcupine.LinearizationInfo
	if result == porcupine.Illegal {
		result, info = porcupine.CheckOperationsVerbose(m, ops, timeout)
	}
	if err := ctx.Err(); err != nil {
		return porcupine.Unknown, porcupine.LinearizationInfo{}, err // found with failing steps: meaningless
	}
	return result, info, nil
}
