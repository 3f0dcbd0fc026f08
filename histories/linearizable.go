package histories

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
)

// linearizable runs porcupine on one world's operations until ctx ends, and
// returns ctx's error then, without waiting for porcupine: its search can
// take the whole timeout. From that moment every step of the model fails,
// which ends the search left running within a few steps.
func linearizable(ctx context.Context, m porcupine.Model, ops []porcupine.Operation, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo, error) {
	if ctx.Done() == nil {
		result, info := porcupine.CheckOperationsVerbose(m, ops, timeout)
		return result, info, nil
	}
	var stopped atomic.Bool
	defer context.AfterFunc(ctx, func() { stopped.Store(true) })()
	step := m.Step
	m.Step = func(state, input, output any) (bool, any) {
		if stopped.Load() {
			return false, state
		}
		return step(state, input, output)
	}
	type answer struct {
		result porcupine.CheckResult
		info   porcupine.LinearizationInfo
	}
	done := make(chan answer, 1)
	go func() {
		result, info := porcupine.CheckOperationsVerbose(m, ops, timeout)
		done <- answer{result, info}
	}()
	select {
	case a := <-done:
		if err := ctx.Err(); err != nil {
			return porcupine.Unknown, porcupine.LinearizationInfo{}, err // found with failing steps: meaningless
		}
		return a.result, a.info, nil
	case <-ctx.Done():
		return porcupine.Unknown, porcupine.LinearizationInfo{}, ctx.Err()
	}
}
