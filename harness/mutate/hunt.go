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
// none).
func Hunt(server *postgres.Server, seed uint64, lanes int, out string) Hunter {
	return func(ctx context.Context, v protocol.Variant, budget time.Duration) ([]model.Guarantee, string, error) {
		dir := ""
		if out != "" {
			dir = filepath.Join(out, "mutants", v.Info().Name)
		}
		res, err := hunt.Run(ctx, hunt.Options{Server: server, Variant: v, Budget: budget, Seed: seed, Out: dir, Lanes: lanes, Command: "jbcheck mutate"})
		if err != nil || !res.Violated {
			return nil, "", err
		}
		return res.Counterexample.Violated, res.Line(), nil
	}
}
