package workload

import (
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/model"
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

func TestRandomWorkloadsAreWellFormedAndRepeatable(t *testing.T) {
	gen := func(seed uint64) []model.Input {
		r := rand.New(rand.NewPCG(seed, 0))
		w := RandomWorld(r)
		if err := w.Validate(); err != nil {
			t.Fatal(err)
		}
		var calls []model.Input
		for range 500 {
			in := RandomInput(r, w, DefaultMix)
			if err := in.Check(w); err != nil {
				t.Fatal(err)
			}
			calls = append(calls, in)
		}
		return calls
	}
	if a, b := gen(7), gen(7); !slices.Equal(a, b) {
		t.Error("the same seed gave two different workloads")
	}
	if a, b := gen(7), gen(8); slices.Equal(a, b) {
		t.Error("two seeds gave the same workload")
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("transfer=80, balance=20")
	if err != nil || m[model.OpTransfer] != 80 || m[model.OpJoin] != 0 || m.String() != "transfer=80,balance=20" {
		t.Errorf("got %v, %v", m, err)
	}
	for _, bad := range []string{"", "join", "join=x", "steal=3", "join=-1", "join=0"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}

// TestStressWorldsReachTheirEdges: a seeded stress world takes each edge
// with probability 1/EdgeOdds: over 4,000 worlds, each comes up at least
// half that often.
func TestStressWorldsReachTheirEdges(t *testing.T) {
	const worlds = 4000
	seen := map[string]int{}
	for i := range worlds {
		w := RandomWorld(rand.New(rand.NewPCG(uint64(i), 0)))
		if err := w.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, g := range w.Groups {
			seen["fee 0"] += b(g.Fee == 0)
			seen["capacity 0"] += b(g.Capacity == 0)
			seen["capacity 1"] += b(g.Capacity == 1)
		}
		for _, u := range w.Users {
			seen["opening 0"] += b(u.Opening == 0)
			seen["opening = fee"] += b(u.Opening == w.Groups[0].Fee)
		}
		seen["three groups"] += b(len(w.Groups) == 3)
		seen["one group"] += b(len(w.Groups) == 1)
	}
	for name, n := range seen {
		if n < worlds/EdgeOdds/2 {
			t.Errorf("%s in %d of %d stress worlds", name, n, worlds)
		}
	}
	if len(seen) != 7 {
		t.Errorf("counted %v", seen)
	}
}

func b(ok bool) int {
	if ok {
		return 1
	}
	return 0
}
