package property

import (
	"context"

	"github.com/jackc/pgx/v5"
	"pgregory.net/rapid"

	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/harness/workload"
	"jbcheck.dev/jbcheck/model"
)

// Differential is the sequential property of a variant: random calls in a
// random world, one at a time on conn, must give exactly the model's outputs,
// and after every call the audited world must equal the model's state and
// keep I1–I6. conn must be configured for v (protocol.ConfigureClient) and v
// installed. On failure, failing receives the calls made so far, the last
// one being the call that went wrong.
func Differential(ctx context.Context, conn *pgx.Conn, v protocol.Variant, failing func([]model.Input)) func(*rapid.T) {
	return func(t *rapid.T) {
		spec := workload.Worlds().Draw(t, "world")
		world, err := protocol.CreateWorld(ctx, conn, spec)
		if err != nil {
			t.Fatal(err)
		}
		state := model.Initial(spec)
		calls := rapid.SliceOfN(workload.Inputs(spec), 1, 25).Draw(t, "calls")
		fail := func(i int, format string, args ...any) {
			if failing != nil {
				failing(calls[:i+1])
			}
			t.Fatalf("call %d %v: "+format, append([]any{i, calls[i]}, args...)...)
		}
		for i, in := range calls {
			in.World = world
			got, err := protocol.Apply(ctx, v, conn, in)
			if err != nil {
				fail(i, "%v", err)
			}
			var want model.Output
			state, want = state.Step(in)
			if !got.Equal(want) {
				fail(i, "got %v, the model says %v", got, want)
			}
			snap, err := protocol.Audit(ctx, conn, world)
			if err != nil {
				t.Fatal(err)
			}
			if stored := snap.State(); !stored.Equal(state) {
				fail(i, "afterwards\nstored %s\nmodel  %s", stored.Describe(), state.Describe())
			}
			if vs := model.Invariants(snap); len(vs) > 0 {
				fail(i, "afterwards %v", vs)
			}
		}
	}
}
