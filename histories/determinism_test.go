package histories

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestAVerdictIsTheSameEveryTime: checking a history again gives the same
// findings, word for word — the operation an L finding names among those
// no order can place too, whatever order porcupine's search found its
// longest partial orders in. A counterexample must read the same on every
// replay.
func TestAVerdictIsTheSameEveryTime(t *testing.T) {
	for _, file := range historyFiles(t, "testdata/*bad*.jsonl", "corpus/*.jsonl") {
		h, err := ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		first := Check(h, CheckOptions{})
		for range 30 {
			if again := Check(h, CheckOptions{}); !reflect.DeepEqual(again.Findings, first.Findings) {
				t.Errorf("%s: checked again:\n%+v\nfirst:\n%+v", filepath.Base(file), again.Findings, first.Findings)
				break
			}
		}
	}
}
