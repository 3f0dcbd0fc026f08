package postgres

import (
	"bytes"
	"strconv"
	"syscall"
)

// LockWait reads, without a round trip, what backend pid shows of lock
// waits at this instant:
//
//   - its process title: PostgreSQL appends " waiting" to it for as long as
//     the backend sleeps in a lock's wait queue (one read of /proc, the file
//     kept open per backend). Without it, the backend waits for no lock.
//   - where the kernel has it asleep (/proc/PID/wchan): a lock wait sleeps
//     in epoll_wait (WaitLatch). The title lags: a waiter granted its lock
//     says " waiting" until it has run again. But the process that
//     releases a lock wakes its waiter — makes it runnable, asleep nowhere
//     — before that process answers its own client, and once running, the
//     waiter takes " waiting" off its title before it could sleep in
//     epoll_wait again (for its client). So a title that says " waiting"
//     before and after the kernel shows the backend asleep in epoll_wait
//     is a wait in the queue, not granted: queued. One awake (granted,
//     about to sleep, or woken by a signal) is waiting, not queued.
//
// Neither says who holds the lock, nor shows a wait that is no lock's (a
// deferrable snapshot). known is false for a process that is gone, or no
// backend.
func (f *BackendFreezer) LockWait(pid uint32) (waiting, queued, known bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if waiting, known = f.titleWaiting(pid); !waiting {
		return false, false, known
	}
	var buf [32]byte
	n, ok := f.pread(pid, "wchan", buf[:])
	if !ok {
		return false, false, false
	}
	if string(buf[:n]) != "do_epoll_wait" {
		return true, false, true
	}
	waiting, known = f.titleWaiting(pid) // not waiting: granted and run on meanwhile
	return waiting, waiting, known
}

// titleWaiting reports whether pid's title says " waiting"; known is
// false when it is gone or no backend. Under f.mu.
func (f *BackendFreezer) titleWaiting(pid uint32) (waiting, known bool) {
	var buf [256]byte
	n, ok := f.pread(pid, "cmdline", buf[:])
	title := buf[:n]
	end := bytes.IndexByte(title, 0) // the title ends before the end of the buffer, where " waiting" would be
	if !ok || end < 0 || !bytes.HasPrefix(title, []byte("postgres: ")) {
		f.forget(pid) // a process gone: its pid's next owner gets new files
		return false, false
	}
	return bytes.HasSuffix(title[:end], []byte(" waiting")), true
}

// procFile is one of a backend's files in /proc that f keeps open.
type procFile struct {
	pid  uint32
	name string
}

// pread reads /proc/PID/name into buf from its start, on a file opened
// once; ok is false when it cannot be read (the file is then closed).
func (f *BackendFreezer) pread(pid uint32, name string, buf []byte) (n int, ok bool) {
	key := procFile{pid, name}
	fd, open := f.files[key]
	if !open {
		var err error
		if fd, err = syscall.Open("/proc/"+strconv.FormatUint(uint64(pid), 10)+"/"+name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0); err != nil {
			return 0, false
		}
		if f.files == nil {
			f.files = map[procFile]int{}
		}
		f.files[key] = fd
	}
	n, err := syscall.Pread(fd, buf, 0)
	if err != nil || n < 0 {
		syscall.Close(fd)
		delete(f.files, key)
		return 0, false
	}
	return n, true
}

// forget closes the files kept open for pid.
func (f *BackendFreezer) forget(pid uint32) {
	for key, fd := range f.files {
		if key.pid == pid {
			syscall.Close(fd)
			delete(f.files, key)
		}
	}
}

// Close closes the files LockWait keeps open.
func (f *BackendFreezer) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for key, fd := range f.files {
		syscall.Close(fd)
		delete(f.files, key)
	}
}
