package histories_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// TestPlotOfAStressHistory: the plot is one self-contained SVG (well-formed
// XML, no script, nothing fetched) with a p50 line and a p99 band for each
// operation the history calls, the throughput line, and a shaded window for
// each fault; a schedule-mode history, whose clock counts steps, gets none.
func TestPlotOfAStressHistory(t *testing.T) {
	h, err := histories.ReadFile("testdata/stress-locking-good.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// Two faults, as a run with --faults records them.
	h.Faults = append(h.Faults,
		histories.Event{Type: histories.Fault, Fault: "crash", Target: "server", Time: 1000, End: 5_000_000, Line: 9001},
		histories.Event{Type: histories.Fault, Fault: "kill", Target: "c3", Time: 6_000_000, End: 6_500_000, Line: 9002})
	var b bytes.Buffer
	if err := histories.WritePlot(&b, h); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
	ops := map[string]bool{}
	for _, c := range histories.Calls(h) {
		ops[string(c.Input.Op)] = true
	}
	for op := range ops {
		for _, class := range []string{`class="p50 ` + op + `"`, `class="p99 ` + op + `"`} {
			if !strings.Contains(svg, class) {
				t.Errorf("no %s", class)
			}
		}
	}
	if got := strings.Count(svg, `class="fault"`); got != 4 {
		t.Errorf("%d fault windows, want 2 in each of the two panels", got)
	}
	for _, want := range []string{`class="throughput"`, "crash server", "kill c3", "p50", "p99"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the plot lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(svg, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
			t.Errorf("the plot is not self-contained: %q", bad)
		}
	}
	schedule, err := histories.ReadFile("corpus/wallet-read-modify-write.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if path, err := histories.WritePlotFile(t.TempDir()+"/plot.svg", schedule); path != "" || err != nil {
		t.Errorf("a schedule-mode history plotted: %q, %v", path, err)
	}
}
