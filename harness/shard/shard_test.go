package shard

import "testing"

func TestShardsPartitionTheWork(t *testing.T) {
	for n := 1; n <= 5; n++ {
		owners := make([]int, 23)
		for i := 1; i <= n; i++ {
			sh, err := Parse(fmtShard(i, n))
			if err != nil {
				t.Fatal(err)
			}
			for k := range owners {
				if sh.Owns(k) {
					owners[k]++
				}
			}
		}
		for k, c := range owners {
			if c != 1 {
				t.Fatalf("n=%d: item %d owned by %d shards, want exactly 1", n, k, c)
			}
		}
	}
}

func fmtShard(i, n int) string { return Shard{I: i, N: n}.String() }

func TestParseRejectsNonsense(t *testing.T) {
	for _, s := range []string{"0/3", "4/3", "3", "a/b", "1/0", "-1/2"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	if sh, err := Parse(""); err != nil || sh.Sharded() || !sh.Owns(7) {
		t.Errorf("Parse(\"\") = %v, %v: want the unsharded shard", sh, err)
	}
}

func TestEnvironment(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	sh, ok, err := FromEnv(env(map[string]string{"JOB_COMPLETION_INDEX": "2", "JBCHECK_SHARDS": "3"}))
	if err != nil || !ok || sh != (Shard{I: 3, N: 3}) {
		t.Fatalf("indexed Job: %v %v %v, want 3/3", sh, ok, err)
	}
	if _, _, err := FromEnv(env(map[string]string{"JOB_COMPLETION_INDEX": "3", "JBCHECK_SHARDS": "3"})); err == nil {
		t.Fatal("index 3 of 3 accepted")
	}
	if _, _, err := FromEnv(env(map[string]string{"JOB_COMPLETION_INDEX": "0"})); err == nil {
		t.Fatal("an index without JBCHECK_SHARDS accepted")
	}
	sh, err = Resolve("", env(map[string]string{"JBCHECK_SHARD": "2/4"}))
	if err != nil || sh != (Shard{I: 2, N: 4}) {
		t.Fatalf("JBCHECK_SHARD: %v %v", sh, err)
	}
	sh, err = Resolve("1/2", env(map[string]string{"JBCHECK_SHARD": "2/4"}))
	if err != nil || sh != (Shard{I: 1, N: 2}) {
		t.Fatalf("the flag must win over the environment: %v %v", sh, err)
	}
	if sh, ok, err := FromEnv(env(nil)); ok || err != nil || sh.Sharded() {
		t.Fatalf("empty environment: %v %v %v", sh, ok, err)
	}
}
