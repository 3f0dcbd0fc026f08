package postgres

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// WaitLog reads the embedded cluster's log for the lines PostgreSQL writes
// (with log_lock_waits on) once its deadlock detector has examined a lock
// wait; it implements the interleaving engine's WaitLog. It is nil for a
// server reached through a DSN, whose log the harness cannot read.
func (s *Server) WaitLog() *LockWaitLog {
	if s.embedded == nil {
		return nil
	}
	return &LockWaitLog{path: s.embedded.logPath(), latest: map[uint32]logged{}}
}

// LockWaitLog follows a server log: it reads what was appended since its
// last look, and keeps, per backend, the time of the last line that ended a
// deadlock check.
type LockWaitLog struct {
	path string

	mu      sync.Mutex
	offset  int64
	partial []byte
	latest  map[uint32]logged
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

// Examined reports what the log says of backend pid's lock wait that began
// at since: whether the deadlock detector examined it, and whether it still
// waits ("still waiting") or got its lock ("acquired": the statement goes
// on). The log's times are in milliseconds, truncated; a wait's check ends
// at least deadlock_timeout (≥ 1 ms) after the wait began, and an earlier
// wait's line was written before the wait began, so the truncated time
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

func (l *LockWaitLog) readNew() error {
	f, err := os.Open(l.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(l.offset, io.SeekStart); err != nil {
		return err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	l.offset += int64(len(data))
	data = append(l.partial, data...)
	end := bytes.LastIndexByte(data, '\n') + 1
	l.partial = append([]byte(nil), data[end:]...)
	sc := bufio.NewScanner(bytes.NewReader(data[:end]))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		m := checkEnded.FindSubmatch(sc.Bytes())
		if m == nil {
			continue
		}
		sec, _ := strconv.ParseInt(string(m[1]), 10, 64)
		ms, _ := strconv.ParseInt(string(m[2]), 10, 64)
		pid, _ := strconv.ParseUint(string(m[3]), 10, 32)
		l.latest[uint32(pid)] = logged{at: time.Unix(sec, ms*int64(time.Millisecond)), waiting: string(m[4]) == "still waiting"}
	}
	return sc.Err()
}
