package mutate

import (
	"context"
	"path/filepath"
	"time"

	"jbcheck.dev/jbcheck/harness/hunt"
	"jbcheck.dev/jbcheck/harness/postgres"
	"jbcheck.dev/jbcheck/harness/protocol"
	"jbcheck.dev/jbcheck/model"
)

// Hunt is the Hunter that runs jbcheck hunt's search (harness/hunt) on a
// mutant, from seed; a counterexample goes to out/mutants/NAME ("" keeps
// none). A verdict needs no shrinking: cutting a stress violation into
// schedule-mode candidates gets the mutant's budget again, at most.
func Hunt(server *postgres.Server, seed uint64, lanes int, out string) Hunter {
	return func(ctx context.Context, v protocol.Variant, budget time.Duration) ([]model.Guarantee, string, error) {
		dir := ""
		if out != "" {
			dir = filepath.Join(out, "mutants", v.Info().Name)
		}
		res, err := hunt.Run(ctx, hunt.Options{Server: server, Variant: v, Budget: budget, Seed: seed, Out: dir, Lanes: lanes, Command: "jbcheck mutate",
			ShrinkWithin: budget})
		if err != nil || !res.Violated {
			return nil, "", err
		}
		return res.Counterexample.Violated, res.Line(), nil
	}
}
