package postgres

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClusterKeepsItsSharedMemoryInItsDirectory: the cluster's dynamic
// shared memory is in files of its data directory — nothing in /dev/shm's
// name space, where a killed postmaster (a crash test) would leave its
// segments behind for good. (Watching /dev/shm itself would not do: an
// initdb running beside the test, another package's, makes a segment
// there for a moment to see whether it can.)
func TestClusterKeepsItsSharedMemoryInItsDirectory(t *testing.T) {
	s := startTest(t, Options{})
	kind := queryOne[string](t, s, "SHOW dynamic_shared_memory_type")
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
