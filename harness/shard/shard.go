package shard

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Shard is one of N equal parts of a piece of work, numbered 1..N. The zero
// value means "unsharded": it owns everything.
type Shard struct {
	I, N int
}

// All is the unsharded shard.
var All = Shard{}

// Parse reads "i/n" (1 ≤ i ≤ n). The empty string is All.
func Parse(s string) (Shard, error) {
	if s == "" {
		return All, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return All, fmt.Errorf("shard %q: expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/3", s)
	}
	return Shard{I: i, N: n}, nil
}

// FromEnv returns the shard the environment names, if any: JBCHECK_SHARD
// ("i/n"), or a Kubernetes indexed Job's JOB_COMPLETION_INDEX (0-based) with
// the shard count in JBCHECK_SHARDS.
func FromEnv(getenv func(string) string) (Shard, bool, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if s := getenv("JBCHECK_SHARD"); s != "" {
		sh, err := Parse(s)
		if err != nil {
			return All, false, fmt.Errorf("JBCHECK_SHARD: %w", err)
		}
		return sh, true, nil
	}
	idx := getenv("JOB_COMPLETION_INDEX")
	if idx == "" {
		return All, false, nil
	}
	i, err := strconv.Atoi(idx)
	n, err2 := strconv.Atoi(getenv("JBCHECK_SHARDS"))
	if err != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return All, false, fmt.Errorf("JOB_COMPLETION_INDEX=%q JBCHECK_SHARDS=%q: expected 0 ≤ index < shards (set JBCHECK_SHARDS to the Job's completions)", idx, getenv("JBCHECK_SHARDS"))
	}
	return Shard{I: i + 1, N: n}, true, nil
}

// Resolve picks the flag's shard when given, else the environment's.
func Resolve(flag string, getenv func(string) string) (Shard, error) {
	if flag != "" {
		return Parse(flag)
	}
	sh, _, err := FromEnv(getenv)
	return sh, err
}

// Sharded reports whether the work is split at all.
func (s Shard) Sharded() bool { return s.N > 1 }

// Owns reports whether item k (0-based, in the order every shard enumerates
// the work) belongs to this shard.
func (s Shard) Owns(k int) bool {
	if s.N <= 1 {
		return true
	}
	return k%s.N == s.I-1
}

// String is "i/n", or "" for All.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}
