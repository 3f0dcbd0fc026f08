package interleave_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/interleave"
	"jbcheck.dev/jbcheck/harness/shard"
)

// splitProgram has a lock wait (s2 behind s1's transaction) and a few
// hundred schedules without reductions.
var splitProgram = [][]string{
	{"BEGIN", "UPDATE t SET v = v + 1 WHERE id = 1", "COMMIT"},
	{"UPDATE t SET v = v * 2 WHERE id = 1", "SELECT v FROM t WHERE id = 1"},
	{"UPDATE t SET v = v + 10 WHERE id = 2", "SELECT sum(v) FROM t"},
}

// explored is what an exploration ran: its report and every schedule's
// choices.
type explored struct {
	rep       *interleave.Report
	schedules map[string]int
}

func exploreShard(t *testing.T, engines []*interleave.Engine, p interleave.Program, opts interleave.ExploreOptions, sh shard.Shard) explored {
	t.Helper()
	got := explored{schedules: map[string]int{}}
	opts.Shard = sh
	opts.Visit = func(res *interleave.Result) { got.schedules[fmt.Sprint(res.Choices)]++ }
	rep, err := interleave.Explore(context.Background(), engines, p, opts)
	if err != nil {
		t.Fatalf("shard %q: %v", sh, err)
	}
	got.rep = rep
	return got
}

// assertShardsAddUp checks that shards 1..n of an exploration ran exactly
// the schedules of the unsharded one, each in exactly one shard, with the
// same outcomes.
func assertShardsAddUp(t *testing.T, engines []*interleave.Engine, p interleave.Program, opts interleave.ExploreOptions, n int) {
	t.Helper()
	whole := exploreShard(t, engines, p, opts, shard.All)
	union := map[string]int{}
	outcomes := map[string]int{}
	total, complete := 0, true
	for i := 1; i <= n; i++ {
		part := exploreShard(t, engines, p, opts, shard.Shard{I: i, N: n})
		if part.rep.Explored == 0 {
			t.Errorf("shard %d/%d explored nothing", i, n)
		}
		for s, c := range part.schedules {
			union[s] += c
		}
		for k, c := range part.rep.Outcomes {
			outcomes[k] += c
		}
		total += part.rep.Explored
		complete = complete && part.rep.Complete
		t.Logf("shard %d/%d: %d schedules, %d more run to split the tree", i, n, part.rep.Explored, part.rep.Uncounted)
		// A tree of a few dozen schedules is run whole by every shard
		// while splitting it (each counting its share); a bigger one not.
		if opts.Strategy.Name != "pct" && whole.rep.Explored > 100 && part.rep.Explored+part.rep.Uncounted >= whole.rep.Explored {
			t.Errorf("shard %d/%d ran %d schedules, %d of them its own: as many as the whole exploration (%d)", i, n,
				part.rep.Explored+part.rep.Uncounted, part.rep.Explored, whole.rep.Explored)
		}
	}
	if total != whole.rep.Explored {
		t.Errorf("the shards explored %d schedules together, the unsharded run %d", total, whole.rep.Explored)
	}
	if !maps.Equal(union, whole.schedules) {
		t.Errorf("the shards ran other schedules than the unsharded run:\nshards    %v\nunsharded %v", union, whole.schedules)
	}
	if opts.Strategy.Name != "pct" {
		// Depth first, a schedule is run once: twice among the shards
		// would be two shards doing the same work.
		for s, c := range union {
			if c > 1 {
				t.Errorf("schedule %s explored %d times among the shards", s, c)
			}
		}
	}
	if !maps.Equal(outcomes, whole.rep.Outcomes) {
		t.Errorf("outcomes differ: shards %v, unsharded %v", outcomes, whole.rep.Outcomes)
	}
	if complete != whole.rep.Complete {
		t.Errorf("shards complete %v, unsharded %v", complete, whole.rep.Complete)
	}
	t.Logf("%d schedules, %d outcomes", whole.rep.Explored, len(whole.rep.Outcomes))
}

// TestShardsSplitAnExplorationExactly: for a plain SQL program, exhaustive
// and preemption-bounded, three shards together run exactly
// the unsharded exploration's schedules, each once; pct's random schedules
// are split by index.
func TestShardsSplitAnExplorationExactly(t *testing.T) {
	// One lane: the program's sessions share one table (the lanes of a
	// sharded exploration are the five-join test's, harness/schedule).
	engines := []*interleave.Engine{engine(t, interleave.Config{StuckTimeout: 20 * time.Second})}
	p := &sqlProgram{setup: table, sessions: splitProgram, final: "SELECT id, v FROM t ORDER BY id"}
	for _, st := range []interleave.Strategy{{Name: "exhaustive"}, {Name: "preempt", K: 1}} {
		t.Run(st.String(), func(t *testing.T) {
			assertShardsAddUp(t, engines, p, interleave.ExploreOptions{Strategy: st}, 3)
		})
	}
	t.Run("pct", func(t *testing.T) {
		opts := interleave.ExploreOptions{Strategy: interleave.Strategy{Name: "pct", K: 3, Seed: 7}, Max: 20}
		assertShardsAddUp(t, engines, p, opts, 3)
	})
}
