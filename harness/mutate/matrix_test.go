package mutate_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"jbcheck.dev/jbcheck/harness/mutate"
	"jbcheck.dev/jbcheck/harness/pgtest"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/verify"
)

var matrixRow = regexp.MustCompile(`(?m)^\| ([a-z0-9-]+) \((correct|bug)\) \|.*\n`)

// The matrix in docs/guarantees.md is what jbcheck matrix makes: its text
// around the rows is the command's, it has a row for every variant in the
// registry's order, and the rows of a cheap subset — a correct variant and
// a bug a stricter level fixes — are regenerated here and must be equal.
// `make docs` rewrites it.
func TestMatrixInDocsIsGenerated(t *testing.T) {
	doc, err := os.ReadFile("../../docs/guarantees.md")
	if err != nil {
		t.Fatal(err)
	}
	section := mutate.Section(string(doc))
	if section == "" {
		t.Fatalf("docs/guarantees.md has no %s … %s section: run make docs", mutate.BeginMarker, mutate.EndMarker)
	}
	if got := matrixRow.ReplaceAllString(section, ""); got != mutate.MatrixSection(nil) {
		t.Errorf("docs/guarantees.md's matrix text is not what jbcheck matrix writes (run make docs):\n%s", got)
	}
	var names []string
	for _, m := range matrixRow.FindAllStringSubmatch(section, -1) {
		names = append(names, m[1])
	}
	var want []string
	for _, v := range protocol.All() {
		want = append(want, v.Info().Name)
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("docs/guarantees.md's matrix has rows %v; the variants are %v (run make docs)", names, want)
	}
	var subset []protocol.Variant
	for _, name := range []string{"locking", "wallet-read-modify-write"} {
		v, err := protocol.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		subset = append(subset, v)
	}
	rows, err := mutate.Matrix(context.Background(), pgtest.Server(t), subset, verify.MatrixScenarios, 2, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if !strings.Contains(section, row.Markdown()) {
			t.Errorf("docs/guarantees.md's row of %s is not what jbcheck matrix makes now (run make docs):\n%s", row.Variant, row.Markdown())
		}
	}
}
