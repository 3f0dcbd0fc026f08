package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"jbcheck.dev/jbcheck/histories"
	"jbcheck.dev/jbcheck/model"
)

// GateSchema is the version of summary.json's format and of verify --json
// (docs/json.md).
const GateSchema = 1

// Gate is what a release gate run found: every check of every variant, the
// matrix they add up to, and the verdict.
type Gate struct {
	// Schema is the version of this format (docs/json.md): it changes only
	// when a field changes meaning or goes away.
	Schema   int       `json:"schema"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Quick    bool      `json:"quick"`
	Seed     uint64    `json:"seed"`
	Postgres string    `json:"postgres"`
	Checks   []Check   `json:"checks"`
	Passed   bool      `json:"passed"`
	Verdict  string    `json:"verdict"` // one line

	// Version is the jbcheck build that ran the gate (jbcheck version).
	Version string `json:"version,omitempty"`
	// RunVariants are the variants the run checks, in order, and Total
	// the number of its checks: every shard of one run has the same.
	RunVariants []string `json:"run_variants,omitempty"`
	Total       int      `json:"total_checks,omitempty"`
	// Shard is "i/n" when this report holds one shard's checks (those
	// whose Index the shard owns); jbcheck merge combines the n reports.
	Shard string `json:"shard,omitempty"`
}

// Check is one check of one variant.
type Check struct {
	Variant string `json:"variant"`
	// Correct: the variant must hold every guarantee; otherwise it is a
	// bug variant and the check must catch it.
	Correct bool `json:"correct"`
	// ID is the check's stable name: property, differential,
	// explore/SCENARIO, stress, stress-faults. It never changes with the
	// seed, the budget or --quick: JUnit's test case is VARIANT/ID.
	ID string `json:"id"`
	// Name describes the check; Params hold what changes from run to run
	// (seed, budget, scenario), JUnit properties.
	Name     string                               `json:"name"`
	Params   map[string]string                    `json:"params,omitempty"`
	Statuses map[model.Guarantee]histories.Status `json:"statuses"`
	Passed   bool                                 `json:"passed"` // held for a correct variant, caught for a bug variant
	Detail   string                               `json:"detail"`
	// Anomaly names what the counterexample shows ("lost update (P4)"),
	// when there is one.
	Anomaly string  `json:"anomaly,omitempty"`
	Seconds float64 `json:"seconds"`
	// Files of the counterexample or failing history, relative to the
	// report directory; BugReport is its bug-report.md.
	Files     *histories.Files `json:"files,omitempty"`
	BugReport string           `json:"bug_report,omitempty"`
	// Error is set when the check could not run to the end (a fault of the
	// harness or of its environment): it proves nothing either way.
	Error string `json:"error,omitempty"`

	// Index is the check's place in the run's fixed order of checks
	// (variant by variant): a shard runs the indexes it owns.
	Index int `json:"index"`
}

// Violated lists the guarantees the check found violated.
func (c Check) Violated() []model.Guarantee {
	var out []model.Guarantee
	for _, g := range model.Guarantees {
		if c.Statuses[g] == histories.Violated {
			out = append(out, g)
		}
	}
	return out
}

// Variants lists the variants checked, in the order first checked.
func (g Gate) Variants() []string {
	var out []string
	for _, c := range g.Checks {
		if !slices.Contains(out, c.Variant) {
			out = append(out, c.Variant)
		}
	}
	return out
}

// Row is a variant's line of the matrix: each guarantee's status over all
// its checks (violated beats unknown beats held beats n/a).
func (g Gate) Row(variant string) map[model.Guarantee]histories.Status {
	rank := map[histories.Status]int{histories.NotApplicable: 0, histories.Held: 1, histories.Unknown: 2, histories.Violated: 3}
	row := map[model.Guarantee]histories.Status{}
	for _, c := range g.Checks {
		if c.Variant != variant {
			continue
		}
		for _, gu := range model.Guarantees {
			if s, ok := c.Statuses[gu]; ok && (row[gu] == "" || rank[s] > rank[row[gu]]) {
				row[gu] = s
			}
		}
	}
	return row
}

// Result sums up a variant's checks: "holds (9 checks)", "caught by all 3
// checks", or what failed ("FAILS 1 of 9 checks", "ESCAPED 1 of 3 checks").
func (g Gate) Result(variant string) string {
	total, ok, correct := 0, 0, true
	for _, c := range g.Checks {
		if c.Variant == variant {
			total++
			correct = c.Correct
			if c.Passed {
				ok++
			}
		}
	}
	switch {
	case correct && ok == total:
		return fmt.Sprintf("holds (%d checks)", total)
	case correct:
		return fmt.Sprintf("FAILS %d of %d checks", total-ok, total)
	case ok == total:
		return fmt.Sprintf("caught by all %d checks", total)
	}
	return fmt.Sprintf("ESCAPED %d of %d checks", total-ok, total)
}

// Passes: every check of variant passed (held for a correct variant,
// caught a bug variant).
func (g Gate) Passes(variant string) bool {
	for _, c := range g.Checks {
		if c.Variant == variant && !c.Passed {
			return false
		}
	}
	return true
}

// Correct: variant is a correct variant (its checks must hold).
func (g Gate) Correct(variant string) bool {
	for _, c := range g.Checks {
		if c.Variant == variant {
			return c.Correct
		}
	}
	return true
}

// Anomalies is "lost update (P4)": every anomaly a variant's checks
// named, once each.
func (g Gate) Anomalies(variant string) string {
	var names []string
	for _, c := range g.Checks {
		for _, n := range strings.Split(c.Anomaly, ", ") {
			if c.Variant == variant && n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return strings.Join(names, ", ")
}

// WriteGate writes summary.json, junit.xml and index.html into dir.
func WriteGate(dir string, g Gate) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	summary, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), append(summary, '\n'), 0o644); err != nil {
		return err
	}
	junit, err := JUnit(g)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "junit.xml"), junit, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "index.html"))
	if err != nil {
		return err
	}
	if err := indexPage.Execute(f, g); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// JUnit XML, as CI systems read it: one testsuite per variant, one
// testcase per check.
type (
	JUnitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []JUnitSuite `xml:"testsuite"`
	}
	JUnitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Time       string          `xml:"time,attr"`
		Properties []JUnitProperty `xml:"properties>property,omitempty"`
		Cases      []JUnitCase     `xml:"testcase"`
	}
	// JUnitCase is one check, named VARIANT/ID: what changes from run to
	// run (seed, budget, --quick) is in its properties, never in its name.
	JUnitCase struct {
		Name       string          `xml:"name,attr"`
		Classname  string          `xml:"classname,attr"`
		Time       string          `xml:"time,attr"`
		Properties []JUnitProperty `xml:"properties>property,omitempty"`
		Failure    *JUnitFailure   `xml:"failure,omitempty"`
		SystemOut  string          `xml:"system-out,omitempty"`
	}
	JUnitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	JUnitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// JUnit renders g as JUnit XML.
func JUnit(g Gate) ([]byte, error) {
	all := JUnitSuites{Name: "jbcheck verify", Time: seconds(g.Seconds)}
	for _, v := range g.Variants() {
		suite := JUnitSuite{Name: v, Properties: []JUnitProperty{{"seed", fmt.Sprint(g.Seed)}, {"quick", fmt.Sprint(g.Quick)}}}
		var total float64
		for _, c := range g.Checks {
			if c.Variant != v {
				continue
			}
			id := c.ID
			if id == "" {
				id = c.Name
			}
			tc := JUnitCase{Name: v + "/" + id, Classname: "jbcheck." + v, Time: seconds(c.Seconds), SystemOut: c.Detail,
				Properties: []JUnitProperty{{"description", c.Name}}}
			for _, k := range slices.Sorted(maps.Keys(c.Params)) {
				tc.Properties = append(tc.Properties, JUnitProperty{k, c.Params[k]})
			}
			if !c.Passed {
				kind, msg := "violation", fmt.Sprintf("%s violated %v", v, c.Violated())
				if !c.Correct {
					kind, msg = "escape", "bug variant "+v+" was not caught"
				} else if len(c.Violated()) == 0 {
					kind, msg = "undecided", "a check could not decide: "+c.Detail
				}
				tc.Failure = &JUnitFailure{Message: msg, Type: kind, Text: c.Detail}
				if c.BugReport != "" {
					tc.Failure.Text += "\nbug report: " + c.BugReport
				}
				suite.Failures++
			}
			suite.Tests++
			total += c.Seconds
			suite.Cases = append(suite.Cases, tc)
		}
		suite.Time = seconds(total)
		all.Tests += suite.Tests
		all.Failures += suite.Failures
		all.Suites = append(all.Suites, suite)
	}
	out, err := xml.MarshalIndent(all, "", "  ")
	return append([]byte(xml.Header), append(out, '\n')...), err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

var indexPage = template.Must(template.New("index").Funcs(template.FuncMap{
	"guarantees": func() []model.Guarantee { return model.Guarantees },
	"cell": func(g Gate, variant string, gu model.Guarantee) histories.Status {
		return g.Row(variant)[gu]
	},
	"anomalies": Gate.Anomalies,
	"result":    Gate.Result,
	"passes":    Gate.Passes,
	"correct":   Gate.Correct,
}).Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>jbcheck verify</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; margin-bottom: 2em; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
.held { background: #dfd; } .violated { background: #fbb; } .unknown { background: #ffd; } .pass { color: #070; } .fail { color: #b00; font-weight: bold; }
.bug td.held { background: none; } .bug td.violated { background: #dfd; } td.ok { background: #dfd; color: #070; } td.bad { background: #fbb; color: #b00; font-weight: bold; }
</style></head><body>
<h1>jbcheck verify</h1>
<p class="{{if .Passed}}pass{{else}}fail{{end}}">{{.Verdict}}</p>
<p>Started {{.Started.Format "2006-01-02 15:04:05 MST"}}, {{printf "%.0f" .Seconds}} s{{if .Quick}}, quick{{end}}{{with .Shard}}, shard {{.}}{{end}}, seed {{.Seed}}, PostgreSQL {{.Postgres}}.
Machine-readable: <a href="summary.json">summary.json</a>, <a href="junit.xml">junit.xml</a>.</p>
<h2>Matrix</h2>
<p>A correct variant must hold every guarantee (green); a bug variant must be caught (its violated guarantees are the catch, green too).</p>
<table><tr><th>variant</th>{{range guarantees}}<th title="{{.Title}}">{{printf "%s" .}}</th>{{end}}<th>result</th><th>anomaly</th></tr>
{{$g := .}}{{range .Variants}}{{$v := .}}<tr class="{{if correct $g $v}}correct{{else}}bug{{end}}"><td>{{$v}}</td>{{range guarantees}}{{$s := cell $g $v .}}<td class="{{$s}}">{{$s}}{{if and (not (correct $g $v)) (eq (printf "%s" $s) "violated")}} (caught){{end}}</td>{{end}}<td class="{{if passes $g $v}}ok{{else}}bad{{end}}">{{result $g $v}}</td><td>{{anomalies $g $v}}</td></tr>
{{end}}</table>
<h2>Checks</h2>
<table><tr><th>variant</th><th>check</th><th>result</th><th>detail</th><th>counterexample</th></tr>
{{range .Checks}}<tr><td>{{.Variant}}</td><td title="{{.Name}}">{{.ID}}<br><small>{{.Name}}</small></td>
<td class="{{if .Passed}}pass{{else}}fail{{end}}">{{if .Passed}}{{if .Correct}}held{{else}}caught{{end}}{{else}}{{if .Correct}}FAILED{{else}}ESCAPED{{end}}{{end}}</td>
<td>{{with .Anomaly}}<b>{{.}}</b>: {{end}}{{.Detail}}</td>
<td>{{with .Files}}<a href="{{.History}}">history</a>{{if .Picture}} · <a href="{{.Picture}}">picture</a>{{end}}{{if .Transcript}} · <a href="{{.Transcript}}">transcript</a>{{end}}{{end}}{{with .BugReport}} · <a href="{{.}}">bug report</a>{{end}}</td></tr>
{{end}}</table>
</body></html>
`))
