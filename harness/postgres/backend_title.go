package postgres

import (
	"bytes"
	"os"
	"strconv"
)

// Waiting reports whether backend pid's process title says it waits for a
// lock. PostgreSQL (update_process_title, on by default) appends
// " waiting" to a backend's title when it begins to wait for a
// heavyweight lock and takes it off once the wait is over; the title
// lives in the process's own memory, which /proc shows, so reading it
// costs no round trip. It is a hint, never proof: the title says waiting
// a moment before the wait is in the lock table, and for a moment after
// another session released it. The interleaving engine asks the server
// only once a title says waiting (interleave.Config.Titles).
func (f *BackendFreezer) Waiting(pid uint32) bool {
	file, err := os.Open("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/cmdline")
	if err != nil {
		return false
	}
	defer file.Close()
	// The title is at the start; the rest of the area it may grow into is
	// padding: one read of its head is enough.
	var head [256]byte
	n, _ := file.Read(head[:])
	title, _, _ := bytes.Cut(head[:n], []byte{0})
	return bytes.HasSuffix(title, []byte(" waiting"))
}
