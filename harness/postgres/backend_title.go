package postgres

import (
	"bytes"
	"strconv"
	"syscall"
)

// LockWaiting reports whether backend pid waits for a heavyweight lock at
// this instant, as its process title says: PostgreSQL appends " waiting"
// to it for as long as the backend sleeps in a lock's wait queue. It costs
// one read of /proc (the file is kept open per backend) and no round trip;
// known is false when the title cannot be read or is no backend's (the
// process is gone).
//
// The title knows nothing of who holds the lock, nor of waits that are no
// lock's (a deferrable snapshot): the interleaving engine takes "not
// waiting" as "still running, look again later" and asks the server before
// it counts any session as blocked.
func (f *BackendFreezer) LockWaiting(pid uint32) (waiting, known bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fd, open := f.titles[pid]
	if !open {
		var err error
		if fd, err = syscall.Open("/proc/"+strconv.FormatUint(uint64(pid), 10)+"/cmdline", syscall.O_RDONLY|syscall.O_CLOEXEC, 0); err != nil {
			return false, false
		}
		if f.titles == nil {
			f.titles = map[uint32]int{}
		}
		f.titles[pid] = fd
	}
	var buf [256]byte
	n, err := syscall.Pread(fd, buf[:], 0)
	title := buf[:max(n, 0)]
	end := bytes.IndexByte(title, 0) // the title ends before the end of the buffer, where " waiting" would be
	if err != nil || end < 0 || !bytes.HasPrefix(title, []byte("postgres: ")) {
		syscall.Close(fd) // a process gone: its pid's next owner gets a new file
		delete(f.titles, pid)
		return false, false
	}
	return bytes.HasSuffix(title[:end], []byte(" waiting")), true
}

// Close closes the files LockWaiting keeps open.
func (f *BackendFreezer) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for pid, fd := range f.titles {
		syscall.Close(fd)
		delete(f.titles, pid)
	}
}
