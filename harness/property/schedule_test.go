package property_test

import (
	"context"
	"testing"

	"pgregory.net/rapid"

	"jbcheck/harness/pgtest"
	"jbcheck/harness/property"
	"jbcheck/harness/protocol"
	"jbcheck/harness/schedule"
)

func executor(t *testing.T, v protocol.Variant) *schedule.Executor {
	t.Helper()
	e, err := schedule.NewExecutor(context.Background(), pgtest.Server(t), v, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Reduce = true
	t.Cleanup(e.Close)
	return e
}

// TestPropertyCorrectVariantsKeepEveryGuarantee: the fixed protocol holds in
// every scenario and schedule rapid draws (-rapid.checks sets how many).
func TestPropertyCorrectVariantsKeepEveryGuarantee(t *testing.T) {
	for _, v := range pgtest.Correct() {
		t.Run(v.Info().Name, func(t *testing.T) {
			rapid.Check(t, property.Guarantees(context.Background(), executor(t, v), nil))
		})
	}
}
