package workload

import (
	"testing"

	"pgregory.net/rapid"
)

func TestGeneratedWorldsAndInputsAreWellFormed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := Worlds().Draw(t, "world")
		if err := w.Validate(); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if in := Inputs(w).Draw(t, "input"); in.Check(w) != nil {
				t.Fatalf("%v: %v", in, in.Check(w))
			}
		}
	})
}
