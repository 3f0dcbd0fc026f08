package flaky

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

// TestPlotOfRunTimes: the run-time distribution is a well-formed,
// self-contained SVG whose bars count every run once, by kind.
func TestPlotOfRunTimes(t *testing.T) {
	rep := Report{Command: []string{"go", "test", "./..."}, Runs: 6, Failures: 3,
		Passing: Timing{Runs: 3, P50: 2 * time.Second, P95: 3 * time.Second},
		Failing: Timing{Runs: 3, P50: 15 * time.Second, P95: 16 * time.Second},
		Details: []Run{
			{Kind: "pass", Duration: 2 * time.Second}, {Kind: "pass", Duration: 2 * time.Second}, {Kind: "pass", Duration: 3 * time.Second},
			{Kind: "fail", Duration: 15 * time.Second}, {Kind: "fail", Duration: 15 * time.Second}, {Kind: "timeout", Duration: 16 * time.Second},
		}}
	var b bytes.Buffer
	if err := WriteRuntimes(&b, rep); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	counted := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "rect" {
			for _, a := range el.Attr {
				if a.Name.Local == "class" {
					counted[a.Value]++
				}
			}
		}
	}
	// One bar per kind and bin: 2 s and 3 s fall in different bins.
	if counted["pass"] != 2 || counted["fail"] != 1 || counted["timeout"] != 1 {
		t.Errorf("bars %v, want pass 2, fail 1, timeout 1", counted)
	}
	svg := b.String()
	for _, want := range []string{"passing p50 2s", "failing p95 16s", "run times of 6 runs (3 failed)"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the plot lacks %q", want)
		}
	}
	if strings.Contains(svg, "<script") {
		t.Error("a script in the plot")
	}
}
