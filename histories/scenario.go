package histories

import (
	"encoding/json"
	"fmt"

	"jbcheck.dev/jbcheck/model"
)

// ScenarioHeader is what a schedule-mode history records of its scenario:
// enough, with the header's schedule, to run the same schedule again.
type ScenarioHeader struct {
	Clients string `json:"clients"`
	World   string `json:"world"`
	Reduce  bool   `json:"reduce"`
	// Audits is how many mid-flight audits a schedule could take: it
	// decides where the choices are, so a schedule replays only with it.
	Audits int `json:"audits,omitempty"`
	// Faults are the faults a schedule could inject between its steps, at
	// most MaxFaults of them: they too decide where the choices are.
	Faults    []string `json:"faults,omitempty"`
	MaxFaults int      `json:"max_faults,omitempty"`
}

// ScenarioOf reads the scenario a schedule-mode history records in its
// header, with the settings it ran with (a schedule replays only with the
// same reductions and audits).
func ScenarioOf(h *History, file string) (model.Scenario, ScenarioHeader, error) {
	var recorded ScenarioHeader
	if h.Header.Mode != ModeSchedule {
		return model.Scenario{}, recorded, fmt.Errorf("%s is a %s-mode history: only schedule-mode histories (from jbcheck explore) record a scenario and schedule", file, h.Header.Mode)
	}
	if err := json.Unmarshal(h.Header.Scenario, &recorded); err != nil {
		return model.Scenario{}, recorded, fmt.Errorf("%s:1: the header's scenario: %v", file, err)
	}
	sc, err := model.ParseScenario(recorded.Clients, recorded.World)
	if err != nil {
		return model.Scenario{}, recorded, fmt.Errorf("%s:1: the header's scenario: %w", file, err)
	}
	return sc, recorded, nil
}
