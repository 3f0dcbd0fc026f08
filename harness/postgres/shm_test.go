package postgres

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClusterKeepsItsSharedMemoryInItsDirectory: the cluster's dynamic
// shared memory is in files of its data directory — nothing in /dev/shm's
// name space, where a killed postmaster (a crash test) would leave its
// segments behind for good.
func TestClusterKeepsItsSharedMemoryInItsDirectory(t *testing.T) {
	before := posixSegments(t)
	s := startTest(t, Options{})
	for name := range posixSegments(t) {
		if !before[name] {
			t.Errorf("a segment appeared in /dev/shm while the cluster started: %s", name)
		}
	}
	ctx := context.Background()
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var kind string
	if err := conn.QueryRow(ctx, "SHOW dynamic_shared_memory_type").Scan(&kind); err != nil {
		t.Fatal(err)
	}
	segments, err := os.ReadDir(filepath.Join(s.DataDir(), "pg_dynshmem"))
	if kind != "mmap" || err != nil || len(segments) == 0 {
		t.Errorf("dynamic shared memory: %s, %d segments in the data directory (%v); want mmap, in it", kind, len(segments), err)
	}
	for _, seg := range segments {
		if !strings.HasPrefix(seg.Name(), "mmap.") {
			t.Errorf("unexpected file %s in pg_dynshmem", seg.Name())
		}
	}
}

// posixSegments are the names of PostgreSQL's POSIX shared memory segments
// in /dev/shm.
func posixSegments(t *testing.T) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir("/dev/shm")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "PostgreSQL.") {
			names[e.Name()] = true
		}
	}
	return names
}
