package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"jbcheck.dev/jbcheck/harness/schedule"
	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// jsonSchema is the version of every --json output and of summary.json
// (docs/json.md). It changes only when a field changes meaning or goes
// away; new fields may appear without it changing.
const jsonSchema = 1

// printJSON writes v to standard output, indented.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// scheduleExploreJSON is explore --json.
type scheduleExploreJSON struct {
	Schema     int      `json:"schema"`
	Variant    string   `json:"variant"`
	Scenario   string   `json:"scenario"`
	World      string   `json:"world"`
	Strategy   string   `json:"strategy"`
	Seed       int64    `json:"seed"`
	Reductions bool     `json:"reductions"`
	Schedules  int      `json:"schedules"`
	Statements int      `json:"statements"`
	Seconds    float64  `json:"seconds"`
	Complete   bool     `json:"complete"`
	Outcomes   int      `json:"distinct_outcomes"`
	Passed     bool     `json:"passed"`
	Violated   []string `json:"violated,omitempty"`
	Anomaly    string   `json:"anomaly,omitempty"`
	Schedule   []int    `json:"schedule,omitempty"` // the violating schedule's choices
	Violating  int      `json:"violating_schedules,omitempty"`
	History    string   `json:"history,omitempty"`
	Transcript string   `json:"transcript,omitempty"`
	Picture    string   `json:"picture,omitempty"`
}

// shrinkJSON is shrink --json.
type shrinkJSON struct {
	Schema     int      `json:"schema"`
	Input      string   `json:"input"`
	Events     int      `json:"events"`
	Variant    string   `json:"variant"`
	Seconds    float64  `json:"seconds"`
	Tried      int      `json:"candidates_tried"`
	From       string   `json:"from"`
	Scenario   string   `json:"scenario"`
	World      string   `json:"world"`
	Schedule   []int    `json:"schedule"`
	Violated   []string `json:"violated"`
	Anomaly    string   `json:"anomaly,omitempty"`
	History    string   `json:"history"`
	Transcript string   `json:"transcript"`
	Picture    string   `json:"picture"`
}

// codes is ["L", "I1"].
func codes(gs []model.Guarantee) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, string(g))
	}
	return out
}

// exploreAsJSON prints explore's report as JSON, with the violating
// schedule's files, ev; it returns errViolation on a violation.
func exploreAsJSON(variant string, sc model.Scenario, strategy string, seed int64, reduce bool, rep *schedule.Report, ev histories.Files, keepGoing bool) error {
	out := scheduleExploreJSON{Schema: jsonSchema, Variant: variant, Scenario: sc.String(), World: sc.World.String(), Strategy: strategy, Seed: seed,
		Reductions: reduce, Schedules: rep.Explored, Statements: rep.Steps, Seconds: rep.Elapsed.Seconds(), Complete: rep.Complete,
		Outcomes: len(rep.Outcomes), Passed: rep.Violation == nil}
	if res := rep.Violation; res != nil {
		out.Violated, out.Anomaly, out.Schedule = codes(res.Verdict.Violated()), res.Verdict.AnomalyNames(), res.Choices
		out.History, out.Transcript, out.Picture = ev.History, ev.Transcript, ev.Picture
		if keepGoing {
			out.Violating = len(rep.Violating)
		}
	}
	if err := printJSON(out); err != nil {
		return err
	}
	if !out.Passed {
		return fmt.Errorf("%w: %s violated", errViolation, strings.Join(out.Violated, ", "))
	}
	return nil
}
