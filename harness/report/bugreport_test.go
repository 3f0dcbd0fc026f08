package report_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/report"
	"jbcheck.dev/jbcheck/histories"
)

// TestBugReportOfEachCorpusFile: the report of every bug variant's minimal
// counterexample names its anomaly on the first line, fits in 80 lines,
// says what each broken value should have been and what it was, quotes
// every line of the transcript whole (SQL never cut) and gives a replay
// command that works from a fresh clone.
func TestBugReportOfEachCorpusFile(t *testing.T) {
	paths, err := filepath.Glob("../../histories/corpus/*.jsonl")
	if err != nil || len(paths) < 9 {
		t.Fatalf("corpus: %v, %d files", err, len(paths))
	}
	for _, path := range paths {
		bug := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		t.Run(bug, func(t *testing.T) {
			h, err := histories.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files := histories.FilesOf(path)
			text, err := os.ReadFile(files.Transcript)
			if err != nil {
				t.Fatal(err)
			}
			transcript := strings.Split(strings.TrimRight(string(text), "\n"), "\n")
			v := histories.Check(h, histories.CheckOptions{})
			var b strings.Builder
			if err := report.BugReport(&b, report.Counterexample{History: h, Verdict: v, Files: files, Transcript: transcript}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			if len(lines) > 80 {
				t.Errorf("%d lines, want at most 80:\n%s", len(lines), out)
			}
			if len(v.Anomalies) == 0 || !strings.Contains(lines[0], v.Anomalies[0].Name) {
				t.Errorf("first line %q does not name the anomaly %+v", lines[0], v.Anomalies)
			}
			expected := section(out, "## Expected vs actual")
			if !strings.Contains(expected, " should ") || !strings.Contains(expected, ", was ") && !strings.Contains(expected, ", answered ") {
				t.Errorf("no expected vs actual:\n%s", expected)
			}
			for _, l := range transcript {
				if !strings.Contains(out, l+"\n") {
					t.Errorf("transcript line missing or cut: %q", l)
				}
			}
			for _, l := range lines {
				if strings.HasSuffix(l, "...") || strings.Contains(l, "...  [") {
					t.Errorf("a cut line: %q", l)
				}
			}
			for _, bad := range []string{" 1 operations", "world 2: world 2", "client 0", "client 1"} {
				if strings.Contains(out, bad) {
					t.Errorf("the report says %q", bad)
				}
			}
			if !strings.Contains(out, "go run ./cmd/jbcheck replay histories/corpus/"+bug+".jsonl\n") {
				t.Errorf("no replay command that works from a fresh clone:\n%s", section(out, "## Reproduce"))
			}
		})
	}
}

// TestBugReportReproducesAScheduleOutsideTheCorpus: a counterexample that
// is not in the repository is reproduced by exploring its scenario again,
// with the faults it ran with, quoted for the shell.
func TestBugReportReproducesAScheduleOutsideTheCorpus(t *testing.T) {
	h, err := histories.ReadFile("../../histories/corpus/join-fee-outside-tx.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	files := histories.Files{History: "/tmp/elsewhere/history.jsonl"}
	if err := report.BugReport(&b, report.Counterexample{History: h, Verdict: histories.Check(h, histories.CheckOptions{}), Files: files}); err != nil {
		t.Fatal(err)
	}
	want := "go run ./cmd/jbcheck explore --variant join-fee-outside-tx --scenario 'c0: join(u0,g0)' --world 'users=u0:100 groups=g0:cap=2:fee=10' --faults crash --max-faults 1\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("want %q in:\n%s", want, section(b.String(), "## Reproduce"))
	}
}

// section is the text from heading to the next "## ".
func section(text, heading string) string {
	i := strings.Index(text, heading)
	if i < 0 {
		return ""
	}
	rest := text[i+len(heading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestBugReportStaysWithin80Lines: a stress counterexample with many
// findings, hundreds of calls and a long transcript still fits: lists end
// with how many more there are and where.
func TestBugReportStaysWithin80Lines(t *testing.T) {
	for _, file := range []string{"stress-wallet-read-modify-write-bad-L-I4-I5.jsonl", "stress-balance-async-recompute-bad-L.jsonl"} {
		h, err := histories.ReadFile("../../histories/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		transcript := make([]string, 60)
		for i := range transcript {
			transcript[i] = "  " + strings.Repeat("x", 20) + " SELECT 1"
		}
		var b strings.Builder
		err = report.BugReport(&b, report.Counterexample{History: h, Verdict: histories.Check(h, histories.CheckOptions{}),
			Files: histories.FilesOf("/tmp/run/history.jsonl"), Transcript: transcript})
		if err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if n := strings.Count(out, "\n"); n > 80 {
			t.Errorf("%s: %d lines, want at most 80:\n%s", file, n, out)
		}
		for _, want := range []string{"## Expected vs actual", " should ", "more lines in `transcript.txt`", "go run ./cmd/jbcheck run --variant "} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the report lacks %q:\n%s", file, want, out)
			}
		}
	}
}
