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
// lock's (a deferrable snapshot), and it lags: a waiter granted its lock
// says " waiting" until it has run again. LockQueued tells the lag apart.
func (f *BackendFreezer) LockWaiting(pid uint32) (waiting, known bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.titleWaiting(pid)
}

// LockQueued reports whether backend pid sleeps in a lock's wait queue,
// not granted, at this instant: its title says " waiting" before and after
// the kernel reports it asleep in epoll_wait (/proc/PID/wchan), which is
// where a lock wait sleeps (WaitLatch). A waiter is granted its lock by
// the process that releases it, which wakes it — makes it runnable, so
// that it is asleep nowhere — before that process answers its own client;
// once running, the waiter takes its " waiting" off the title before it
// could sleep in epoll_wait again (to wait for its client). So a granted
// waiter never passes for a queued one; a waiter that is running (about
// to sleep, or woken by a signal) is not queued either: ask again.
func (f *BackendFreezer) LockQueued(pid uint32) (queued, known bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if waiting, known := f.titleWaiting(pid); !known || !waiting {
		return false, known
	}
	var buf [32]byte
	n, ok := f.pread(pid, "wchan", buf[:])
	if !ok {
		return false, false
	}
	if string(buf[:n]) != "do_epoll_wait" {
		return false, true
	}
	return f.titleWaiting(pid)
}

// titleWaiting is LockWaiting under f.mu.
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

// Close closes the files LockWaiting and LockQueued keep open.
func (f *BackendFreezer) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for key, fd := range f.files {
		syscall.Close(fd)
		delete(f.files, key)
	}
}
