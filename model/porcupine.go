package model

import (
	"maps"
	"slices"

	"github.com/anishathalye/porcupine"
)

// Porcupine is the protocol as a porcupine.Model over the given worlds.
//
// Operations carry an Input and a *Output; a nil *Output means the outcome is
// unknown (an `info` completion) and any answer is accepted. An audit (Input
// with Op OpAudit) carries the stored State as its output instead: the
// world as the database holds it must be the state the linearization has
// reached. A history
// partitions by world: no operation crosses worlds, so each world is checked
// on its own, starting from Initial of its description. The closures only
// type-assert and delegate to State.Step.
func Porcupine(worlds map[int64]World) porcupine.Model {
	return porcupine.Model{
		Partition: partitionByWorld,
		// The state of a partition is nil until its first step, which is the
		// first moment its world is known.
		Init: func() any { return nil },
		Step: func(state, input, output any) (bool, any) {
			in := input.(Input)
			st, ok := state.(State)
			if !ok {
				w, known := worlds[in.World]
				if !known {
					return false, state
				}
				st = Initial(w)
			}
			if in.Op == OpAudit {
				stored, _ := output.(State)
				return stored.Equal(st), st
			}
			next, want := st.Step(in)
			got := output.(*Output)
			return got == nil || got.Equal(want), next
		},
		Equal: func(a, b any) bool {
			sa, okA := a.(State)
			sb, okB := b.(State)
			return okA == okB && (!okA || sa.Equal(sb))
		},
		Hash: func(state any) uint64 {
			if st, ok := state.(State); ok {
				return st.Hash()
			}
			return 0
		},
		DescribeOperation: DescribeOperation,
		DescribeState: func(state any) string {
			if st, ok := state.(State); ok {
				return st.Describe()
			}
			return "(initial state of the world)"
		},
	}
}

// DescribeCall renders one completed call: "join(u0,g0) → joined", with "?"
// for an unknown outcome.
func DescribeCall(in Input, out *Output) string {
	if out == nil {
		return in.String() + " → ?"
	}
	return in.String() + " → " + out.String()
}

// DescribeOperation renders a porcupine operation of Porcupine's model: a
// call (see DescribeCall) or an audit with the state it read.
func DescribeOperation(input, output any) string {
	if stored, ok := output.(State); ok {
		return "audit → " + stored.Describe()
	}
	return DescribeCall(input.(Input), output.(*Output))
}

func partitionByWorld(history []porcupine.Operation) [][]porcupine.Operation {
	byWorld := map[int64][]porcupine.Operation{}
	for _, op := range history {
		w := op.Input.(Input).World
		byWorld[w] = append(byWorld[w], op)
	}
	worlds := slices.Sorted(maps.Keys(byWorld))
	out := make([][]porcupine.Operation, 0, len(worlds))
	for _, w := range worlds {
		out = append(out, byWorld[w])
	}
	return out
}
