package workload_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/model"
)

// TestEveryOperationIsWiredEverywhere enforces docs/extending.md's "add an
// operation" checklist: an operation in model.Ops that one of these places
// does not know fails here, naming the place to change.
func TestEveryOperationIsWiredEverywhere(t *testing.T) {
	w, err := model.ParseWorld("users=u0:100,u1:100 groups=g0:cap=2:fee=10")
	if err != nil {
		t.Fatal(err)
	}
	// A state in which every operation has something to do: u0 is a member.
	joined, _ := model.Initial(w).Step(model.Input{Op: model.OpJoin, User: "u0", Group: "g0"})
	r := rand.New(rand.NewPCG(1, 2))
	for _, op := range model.Ops {
		t.Run(string(op), func(t *testing.T) {
			// harness/workload/input.go (buildInput) draws a call of op.
			in := workload.RandomInput(r, w, workload.Mix{op: 1})
			if in.Op != op {
				t.Fatalf("harness/workload/input.go: buildInput drew %s for %s", in.Op, op)
			}
			// model/operation.go (Input.String, Input.Check) and
			// model/scenario.go (arity, parseCall): the call reads back.
			if err := in.Check(w); err != nil {
				t.Errorf("model/operation.go: Input.Check refuses the drawn %s: %v", in, err)
			}
			sc, err := model.ParseScenario("c0: "+in.String(), w.String())
			if err != nil || len(sc.Clients) != 1 || len(sc.Clients[0]) != 1 {
				t.Fatalf("model/scenario.go: %q does not parse back: %v", in.String(), err)
			}
			back := sc.Clients[0][0]
			back.World = in.World
			if back != in {
				t.Errorf("model/scenario.go: %q parses as %+v, not %+v", in.String(), back, in)
			}
			// model/state.go (State.Step): the model answers it. The zero
			// Output is the model's "no such call".
			call := model.Input{Op: op, User: "u0", Group: "g0", To: "u1", Amount: 5}
			if op == model.OpBalance {
				call.Group = ""
			}
			if _, out := joined.Step(call); out.Equal(model.Output{}) {
				t.Errorf("model/state.go: State.Step has no answer for %s", call)
			}
			// harness/workload/random.go: the default mix runs it, and
			// --mix can name it.
			if workload.DefaultMix[op] <= 0 {
				t.Errorf("harness/workload/random.go: DefaultMix has no weight for %s", op)
			}
			if _, err := workload.ParseMix(string(op) + "=1"); err != nil {
				t.Errorf("harness/workload/random.go: ParseMix refuses %s: %v", op, err)
			}
			// harness/protocol/variant.go: Apply calls the variant's method.
			v := &calls{}
			if _, err := protocol.Apply(context.Background(), v, nil, call); err != nil {
				t.Errorf("harness/protocol/variant.go: Apply(%s): %v", op, err)
			}
			if len(v.called) != 1 {
				t.Errorf("harness/protocol/variant.go: Apply(%s) called %v", op, v.called)
			}
		})
	}
	if !slices.Contains(model.Ops, model.OpJoin) {
		t.Error("model.Ops lost join")
	}
}

// calls is a Variant that records which of its methods ran.
type calls struct{ called []string }

func (c *calls) Info() protocol.Info { return protocol.Info{Name: "test-calls"} }
func (c *calls) Schema() string      { return "" }
func (c *calls) Join(context.Context, *pgx.Conn, int64, string, string) (model.Result, error) {
	c.called = append(c.called, "join")
	return model.Joined, nil
}
func (c *calls) Leave(context.Context, *pgx.Conn, int64, string, string) (model.Result, error) {
	c.called = append(c.called, "leave")
	return model.Left, nil
}
func (c *calls) Deposit(context.Context, *pgx.Conn, int64, string, int64) error {
	c.called = append(c.called, "deposit")
	return nil
}
func (c *calls) Transfer(context.Context, *pgx.Conn, int64, string, string, int64) (model.Result, error) {
	c.called = append(c.called, "transfer")
	return model.OK, nil
}
func (c *calls) Balance(context.Context, *pgx.Conn, int64, model.Account) (int64, error) {
	c.called = append(c.called, "balance")
	return 1, nil
}
func (c *calls) Members(context.Context, *pgx.Conn, int64, string) ([]string, error) {
	c.called = append(c.called, "members")
	return []string{"u0"}, nil
}
