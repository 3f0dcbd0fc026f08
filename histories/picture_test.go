package histories_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// TestPictureIsCutToTheViolation: a stress history's picture shows a window
// of its violating world — at most 12 calls, the anomaly's among them —
// with rows labelled as in the transcript, a row per finding, the findings
// in full above, a link to the whole history and none of porcupine's
// jargon; a drawing wider than the page is scaled to fit 1,400 px.
func TestPictureIsCutToTheViolation(t *testing.T) {
	for _, file := range []string{
		"testdata/stress-wallet-read-modify-write-bad-L-I4-I5.jsonl",
		"testdata/stress-balance-async-recompute-bad-L.jsonl",
		"corpus/leave-double-refund.jsonl",
		"corpus/join-fee-outside-tx.jsonl",
	} {
		t.Run(file, func(t *testing.T) {
			h, err := histories.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			v := histories.Check(h, histories.CheckOptions{})
			world := v.ViolatingWorlds()[0]
			var b bytes.Buffer
			if err := histories.WritePicture(&b, h, v, world); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			for _, jargon := range []string{"Valid LP", "Invalid LP", "Porcupine</title>"} {
				if strings.Contains(page, jargon) {
					t.Errorf("the picture says %q", jargon)
				}
			}
			for _, want := range []string{v.Anomalies[0].Name, `<a href="history.jsonl">`, "const JB_WIDTH = ", `id="jump-link"`} {
				if !strings.Contains(page, want) {
					t.Errorf("the picture lacks %q", want)
				}
			}
			for _, f := range v.Findings {
				if f.World == world && !strings.Contains(page, string(f.Guarantee)+" "+string(f.Status)) {
					t.Errorf("no row for %s %s", f.Guarantee, f.Status)
				}
			}
			labels := regexp.MustCompile(`const JB_LABELS = (\[[^\]]*\])`).FindStringSubmatch(page)
			if labels == nil {
				t.Fatal("no row labels")
			}
			var names []string
			if err := json.Unmarshal([]byte(labels[1]), &names); err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if !regexp.MustCompile(`^(c\d+′*|audit)$`).MatchString(n) {
					t.Errorf("row label %q: want c0, c1… or audit", n)
				}
			}
			calls := strings.Count(page, `"OriginalStart"`)
			if calls == 0 || calls > 12 {
				t.Errorf("%d calls drawn, want 1 to 12", calls)
			}
			for _, c := range v.Anomalies[0].Calls[:min(len(v.Anomalies[0].Calls), 4)] {
				if i := strings.Index(c, " "); i > 0 && !strings.Contains(c, "more calls") {
					call := strings.SplitN(strings.SplitN(c[i+1:], " (line", 2)[0], " (sent twice)", 2)[0]
					if !strings.Contains(page, call) {
						t.Errorf("the anomaly's call %q is not drawn", call)
					}
				}
			}
		})
	}
}
