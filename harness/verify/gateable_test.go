package verify_test

import (
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/verify"
	"jbcheck.dev/jbcheck/model"
)

// unscenarioed is a bug variant no standard scenario names.
type unscenarioed struct{ protocol.Locking }

func (unscenarioed) Info() protocol.Info {
	return protocol.Info{Name: "test-bug-without-scenario", Summary: "a test's bug variant", Breaks: []model.Guarantee{model.Linearizable}}
}

// The gate refuses a bug variant without a standard scenario, naming it and
// the file to add one to; every registered variant is gateable.
func TestGateRefusesABugWithoutAStandardScenario(t *testing.T) {
	if err := verify.Gateable(protocol.All()); err != nil {
		t.Errorf("the registered variants: %v", err)
	}
	err := verify.Gateable([]protocol.Variant{unscenarioed{}})
	if err == nil || !strings.Contains(err.Error(), "test-bug-without-scenario") || !strings.Contains(err.Error(), "harness/verify/scenarios.go") {
		t.Errorf("got %v", err)
	}
}
