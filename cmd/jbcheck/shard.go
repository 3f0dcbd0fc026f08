package main

import (
	"flag"
	"fmt"
	"os"

	"jbcheck.dev/jbcheck/harness/shard"
)

// shardFlag adds --shard to a command whose work splits among processes
// (docs/scale-out.md).
func shardFlag(fs *flag.FlagSet) *string {
	return fs.String("shard", "", "run only part I of N of the work; the N parts' reports combine with `jbcheck merge` "+
		"(default: $JBCHECK_SHARD, or a Kubernetes indexed Job's $JOB_COMPLETION_INDEX with $JBCHECK_SHARDS; none: all of it)")
}

// resolveShard is --shard, else the environment's shard. Work drawn from a
// seed splits only with the seed given: a seed each shard picked for
// itself would make each draw other work.
func resolveShard(flagValue string, seedGiven bool) (shard.Shard, error) {
	sh, err := shard.Resolve(flagValue, os.Getenv)
	if err != nil && flagValue != "" {
		return sh, fmt.Errorf("%w: --shard: %v", errUsage, err)
	}
	if err != nil {
		return sh, fmt.Errorf("%w: the shard the environment names: %v", errUsage, err)
	}
	if sh.Sharded() && !seedGiven {
		return sh, fmt.Errorf("%w: shard %s: give --seed S, the same in every shard, so that every shard draws the same work", errUsage, sh)
	}
	return sh, nil
}

// shardNote is ", shard i/n" for a header line, or "".
func shardNote(sh shard.Shard) string {
	if !sh.Sharded() {
		return ""
	}
	return ", shard " + sh.String()
}
