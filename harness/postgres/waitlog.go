package postgres

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// WaitLog follows the embedded cluster's log for the lines PostgreSQL writes
// (with log_lock_waits on) once its deadlock detector has examined a lock
// wait; it implements the interleaving engine's WaitLog. It is nil for a
// server reached through a DSN, whose log the harness cannot read. Close it
// when done.
func (s *Server) WaitLog() (*LockWaitLog, error) {
	if s.embedded == nil {
		return nil, nil
	}
	l := &LockWaitLog{path: s.embedded.logPath(), latest: map[uint32]logged{}, changed: make(chan struct{}, 1)}
	if err := l.watch(); err != nil {
		return nil, fmt.Errorf("watching the server log: %w", err)
	}
	return l, nil
}

// LockWaitLog follows a server log: it reads what was appended since its
// last look, and keeps, per backend, the time of the last line that ended a
// deadlock check. An inotify watch tells it, at once, that the log grew:
// a millisecond matters here, and Go's timers are about that late.
type LockWaitLog struct {
	path    string
	changed chan struct{}
	notify  *os.File // the inotify instance

	mu sync.Mutex
	// file stays open: the cluster appends to one log across restarts, and
	// the engine reads it before every grant past an unexamined wait.
	file    *os.File
	offset  int64
	chunk   []byte // reused for every read
	partial []byte // a line not yet ended
	latest  map[uint32]logged
	found   int // deadlock checks that found a deadlock, hard or soft
}

// logged is the last deadlock-check line of one backend.
type logged struct {
	at      time.Time
	waiting bool // "still waiting"; false: "acquired"
}

// checkEnded matches the lines ProcSleep writes after a deadlock check that
// found no deadlock, or untangled a soft one: "process 123 still waiting for
// …" or "… acquired …", after the "%n [%p] " prefix. A hard deadlock's
// check ends in the victim's error instead, which the engine waits for.
var checkEnded = regexp.MustCompile(`^(\d+)\.(\d{3}) \[\d+\] LOG:  process (\d+) (still waiting|acquired)`)

// processLine is in every line checkEnded or deadlockFound matches.
var processLine = []byte("LOG:  process ")

// deadlockFound matches the line ProcSleep writes, before its "still
// waiting" or "acquired", when its check found a deadlock: a hard one (the
// process is the victim) or a soft one it untangled by rearranging a wait
// queue.
var deadlockFound = regexp.MustCompile(`^\d+\.\d{3} \[\d+\] LOG:  process \d+ (detected deadlock|avoided deadlock)`)

// Examined reports what the log's last deadlock-check line for backend pid
// since the given moment says — since being the start of a wait, or the
// grant of the statement that waits (before it, the backend's lines were
// about earlier statements): whether a check was logged at all, and whether
// the backend still waited then ("still waiting") or had got its lock
// ("acquired"). The log's times are in milliseconds, truncated; a check ends
// at least deadlock_timeout (≥ 1 ms) after its wait began, and a line about
// an earlier statement was written before since, so the truncated time
// tells the two apart.
func (l *LockWaitLog) Examined(pid uint32, since time.Time) (examined, waiting bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.readNew(); err != nil {
		return false, false, err
	}
	last, ok := l.latest[pid]
	if !ok || last.at.Before(since) {
		return false, false, nil
	}
	return true, last.waiting, nil
}

// DeadlocksFound counts the deadlock checks, so far, that found a
// deadlock: hard (a victim) or soft (a wait queue rearranged).
func (l *LockWaitLog) DeadlocksFound() (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.readNew()
	return l.found, err
}

// Changed ticks when the log may have grown since the last tick.
func (l *LockWaitLog) Changed() <-chan struct{} { return l.changed }

// Close stops watching the log.
func (l *LockWaitLog) Close() error {
	l.mu.Lock()
	if l.file != nil {
		l.file.Close()
	}
	l.mu.Unlock()
	return l.notify.Close()
}

func (l *LockWaitLog) watch() error {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		return err
	}
	if _, err := syscall.InotifyAddWatch(fd, l.path, syscall.IN_MODIFY); err != nil {
		syscall.Close(fd)
		return err
	}
	l.notify = os.NewFile(uintptr(fd), "inotify") // non-blocking: Close ends a pending Read
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := l.notify.Read(buf); err != nil {
				return
			}
			select {
			case l.changed <- struct{}{}:
			default:
			}
		}
	}()
	return nil
}

func (l *LockWaitLog) readNew() error {
	if l.file == nil {
		f, err := os.Open(l.path)
		if err != nil {
			return err
		}
		l.file, l.chunk = f, make([]byte, 64*1024)
	}
	for {
		n, err := l.file.ReadAt(l.chunk, l.offset)
		l.offset += int64(n)
		l.partial = append(l.partial, l.chunk[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	end := bytes.LastIndexByte(l.partial, '\n') + 1
	for lines := l.partial[:end]; len(lines) > 0; {
		line, rest, _ := bytes.Cut(lines, []byte{'\n'})
		lines = rest
		l.scan(line)
	}
	l.partial = append(l.partial[:0], l.partial[end:]...)
	return nil
}

// scan notes what one line of the log says about a deadlock check.
func (l *LockWaitLog) scan(line []byte) {
	if !bytes.Contains(line, processLine) {
		return // most lines: spare the regular expressions
	}
	m := checkEnded.FindSubmatch(line)
	if m == nil {
		if deadlockFound.Match(line) {
			l.found++
		}
		return
	}
	sec, _ := strconv.ParseInt(string(m[1]), 10, 64)
	ms, _ := strconv.ParseInt(string(m[2]), 10, 64)
	pid, _ := strconv.ParseUint(string(m[3]), 10, 32)
	l.latest[uint32(pid)] = logged{at: time.Unix(sec, ms*int64(time.Millisecond)), waiting: string(m[4]) == "still waiting"}
}
