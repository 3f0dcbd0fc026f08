package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ExplorationSchema is the version of an exploration's summary.json
// (docs/json.md).
const ExplorationSchema = 1

// Exploration is what one exploration found — jbcheck explore, or spec
// --explore — as its report directory's summary.json records it. The
// shards of one exploration write one each, and jbcheck merge adds them
// up into the exploration's.
type Exploration struct {
	Schema int `json:"schema"`
	// Kind is "explore" or "spec-explore"; Target what was explored
	// ("locking: c0: join(u0,g0); c1: join(u0,g0)", a spec's path);
	// Options everything else that decides which schedules run (strategy,
	// seed, world, reductions, isolation…). Shards of one run agree on all
	// three and on Version.
	Kind    string            `json:"kind"`
	Target  string            `json:"target"`
	Options map[string]string `json:"options"`
	Version string            `json:"version,omitempty"`
	// Shard is "i/n" for one shard's part of the exploration.
	Shard      string    `json:"shard,omitempty"`
	Started    time.Time `json:"started"`
	Seconds    float64   `json:"seconds"`
	Schedules  int       `json:"schedules"`
	Statements int       `json:"statements"`
	// Complete: every schedule the strategy allows (this shard's share of
	// them) was run.
	Complete bool `json:"complete"`
	// Outcomes are the distinct outcomes, sorted by key.
	Outcomes []ExploredOutcome `json:"outcomes"`
	// Violating counts the schedules that violated something (with
	// --keep-going: all of them; else the first); Violation is the first.
	Violating int                `json:"violating_schedules"`
	Violation *ExploredViolation `json:"violation,omitempty"`
	Passed    bool               `json:"passed"`
	Verdict   string             `json:"verdict"` // one line
}

// ExploredOutcome is one distinct outcome and how many schedules had it.
type ExploredOutcome struct {
	Key       string `json:"key"`
	Schedules int    `json:"schedules"`
	Violated  bool   `json:"violated,omitempty"`
	Verdict   string `json:"verdict,omitempty"` // what judged it said
	Replay    string `json:"replay,omitempty"`  // a command that replays it
}

// ExploredViolation is the first violating schedule: its choices, what it
// violated, and its files relative to the report directory.
type ExploredViolation struct {
	Schedule []int    `json:"schedule"`
	Violated []string `json:"violated"`
	Anomaly  string   `json:"anomaly,omitempty"`
	Shard    string   `json:"shard,omitempty"` // the shard that found it, when merged
	Files    []string `json:"files,omitempty"`
}

// WriteExploration writes summary.json, junit.xml and index.html into dir.
func WriteExploration(dir string, e Exploration) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	summary, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), append(summary, '\n'), 0o644); err != nil {
		return err
	}
	tc := JUnitCase{Name: e.Kind + "/" + e.Target, Classname: "jbcheck." + e.Kind, Time: seconds(e.Seconds),
		SystemOut: e.Verdict, Properties: []JUnitProperty{{"schedules", fmt.Sprint(e.Schedules)}, {"complete", fmt.Sprint(e.Complete)}}}
	suite := JUnitSuite{Name: e.Kind, Tests: 1, Time: seconds(e.Seconds)}
	if !e.Passed {
		tc.Failure = &JUnitFailure{Message: e.Verdict, Type: "violation", Text: e.Verdict}
		suite.Failures = 1
	}
	suite.Cases = []JUnitCase{tc}
	junit, err := xml.MarshalIndent(JUnitSuites{Name: "jbcheck " + e.Kind, Tests: 1, Failures: suite.Failures, Time: suite.Time,
		Suites: []JUnitSuite{suite}}, "", "  ")
	if err != nil {
		return err
	}
	junit = append([]byte(xml.Header), append(junit, '\n')...)
	if err := os.WriteFile(filepath.Join(dir, "junit.xml"), junit, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "index.html"))
	if err != nil {
		return err
	}
	if err := explorationPage.Execute(f, e); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadSummary reads a report directory's summary.json: an exploration's
// (it has a kind) or a gate's (it has checks).
func ReadSummary(dir string) (*Exploration, *Gate, error) {
	path := filepath.Join(dir, "summary.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	switch _, kind := probe["kind"]; {
	case kind:
		var e Exploration
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return &e, nil, nil
	case probe["checks"] != nil:
		var g Gate
		if err := json.Unmarshal(data, &g); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, &g, nil
	}
	return nil, nil, fmt.Errorf("%s: neither a gate's report (verify) nor an exploration's (explore, spec --explore)", path)
}

var explorationPage = template.Must(template.New("exploration").Funcs(template.FuncMap{
	"lines": func(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") },
}).Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>jbcheck {{.Kind}}</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; margin-bottom: 2em; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
.pass { color: #070; } .fail { color: #b00; font-weight: bold; } td.violated { background: #fbb; }
</style></head><body>
<h1>jbcheck {{.Kind}}: {{.Target}}</h1>
<p class="{{if .Passed}}pass{{else}}fail{{end}}">{{.Verdict}}</p>
<p>Started {{.Started.Format "2006-01-02 15:04:05 MST"}}, {{printf "%.1f" .Seconds}} s{{with .Shard}}, shard {{.}}{{end}}{{with .Version}}, {{.}}{{end}}:
{{.Schedules}} schedules ({{.Statements}} statements){{if .Complete}}, every one the strategy allows{{end}}.
Machine-readable: <a href="summary.json">summary.json</a>, <a href="junit.xml">junit.xml</a>.</p>
<table>{{range $k, $v := .Options}}<tr><th>{{$k}}</th><td>{{$v}}</td></tr>{{end}}</table>
{{with .Violation}}<h2>The first violation{{with .Shard}} (shard {{.}}){{end}}</h2>
<p>{{range .Violated}}{{.}} {{end}}violated{{with .Anomaly}}: {{.}}{{end}}; schedule {{.Schedule}}.
{{range .Files}}<a href="{{.}}">{{.}}</a> {{end}}</p>{{end}}
<h2>Outcomes</h2>
<table><tr><th>schedules</th><th>outcome</th><th>verdict</th></tr>
{{range .Outcomes}}<tr><td>{{.Schedules}}</td><td>{{range lines .Key}}{{.}}<br>{{end}}{{with .Replay}}<small>{{.}}</small>{{end}}</td><td{{if .Violated}} class="violated"{{end}}>{{.Verdict}}</td></tr>
{{end}}</table>
</body></html>
`))
