package histories_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"jbcheck.dev/jbcheck/histories"
)

// TestAVerdictIsTheSameEveryTime: checking a history again gives the same
// findings, word for word — the operation an L finding names among those
// no order can place too, whatever order porcupine's search found its
// longest partial orders in. A counterexample must read the same on every
// replay.
func TestAVerdictIsTheSameEveryTime(t *testing.T) {
	files, _ := filepath.Glob("testdata/*bad*.jsonl")
	corpus, _ := filepath.Glob("corpus/*.jsonl")
	files = append(files, corpus...)
	for _, file := range files {
		h, err := histories.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		first := histories.Check(h, histories.CheckOptions{})
		for range 30 {
			if again := histories.Check(h, histories.CheckOptions{}); !reflect.DeepEqual(again.Findings, first.Findings) {
				t.Errorf("%s: checked again:\n%+v\nfirst:\n%+v", filepath.Base(file), again.Findings, first.Findings)
				break
			}
		}
	}
}
