package model

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

func TestPorcupineModel(t *testing.T) {
	worlds := map[int64]World{1: testWorld, 2: testWorld}
	joined, already := &Output{Result: Joined}, &Output{Result: AlreadyMember}
	at := func(world int64) Input { in := join("u0", "g0"); in.World = world; return in }
	op := func(client int, world int64, out *Output, call, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: at(world), Output: out, Call: call, Return: ret}
	}
	tests := []struct {
		name    string
		history []porcupine.Operation
		want    bool
	}{
		{"two concurrent joins, one joined", []porcupine.Operation{
			op(0, 1, joined, 0, 10), op(1, 1, already, 1, 9)}, true},
		{"two concurrent joins, both joined", []porcupine.Operation{
			op(0, 1, joined, 0, 10), op(1, 1, joined, 1, 9)}, false},
		{"already_member before the join was invoked", []porcupine.Operation{
			op(0, 1, already, 0, 1), op(1, 1, joined, 2, 3)}, false},
		{"the same user joins in two worlds", []porcupine.Operation{
			op(0, 1, joined, 0, 10), op(1, 2, joined, 1, 9)}, true},
		{"an unknown outcome may be a second join that never happened", []porcupine.Operation{
			op(0, 1, joined, 0, 10), op(1, 1, nil, 1, 1<<62)}, true},
		{"an operation on an undeclared world is illegal", []porcupine.Operation{
			op(0, 3, joined, 0, 10)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := porcupine.CheckOperations(Porcupine(worlds), tt.history); got != tt.want {
				t.Errorf("linearizable = %v, want %v", got, tt.want)
			}
		})
	}
}
