package postgres

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BackendFreezer stops and resumes single backends of the embedded cluster
// (SIGSTOP, SIGCONT); it implements the interleaving engine's Freezer. It
// signals a process only once /proc shows it is a child of the cluster's
// running postmaster, so a pid read from the server can never reach
// another process of the machine.
type BackendFreezer struct {
	s *Server
	// files are the /proc files LockWait keeps open.
	mu    sync.Mutex
	files map[procFile]int
}

// Backends is the freezer of the embedded cluster's backends; nil with a
// DSN, whose server's processes are not the harness' to signal.
func (s *Server) Backends() *BackendFreezer {
	if s.embedded == nil {
		return nil
	}
	return &BackendFreezer{s: s}
}

// Freeze stops backend pid and returns once it is stopped: from then on it
// runs no code, whatever it is granted.
func (f *BackendFreezer) Freeze(pid uint32) error {
	if err := f.ours(pid); err != nil {
		return err
	}
	if err := syscall.Kill(int(pid), syscall.SIGSTOP); err != nil {
		return fmt.Errorf("embedded postgres: stopping backend %d: %w", pid, err)
	}
	// A sleeping process stops as soon as the signal is delivered; one on
	// another core may run on for a moment. Stopped means stopped.
	for i := 0; processState(int(pid)) != 'T'; i++ {
		if i == 10000 {
			syscall.Kill(int(pid), syscall.SIGCONT)
			return fmt.Errorf("embedded postgres: backend %d did not stop", pid)
		}
		if i > 100 {
			time.Sleep(10 * time.Microsecond)
		}
	}
	return nil
}

// Thaw resumes backend pid.
func (f *BackendFreezer) Thaw(pid uint32) error {
	if err := f.ours(pid); err != nil {
		return err
	}
	if err := syscall.Kill(int(pid), syscall.SIGCONT); err != nil {
		return fmt.Errorf("embedded postgres: resuming backend %d: %w", pid, err)
	}
	return nil
}

// ours checks that pid is a child of the running postmaster.
func (f *BackendFreezer) ours(pid uint32) error {
	f.s.mu.Lock()
	var pm int
	if c := f.s.embedded; c != nil && c.postmaster != nil && c.postmaster.Process != nil {
		pm = c.postmaster.Process.Pid
	}
	f.s.mu.Unlock()
	if pm == 0 || pid == 0 || parentOf(int(pid)) != pm {
		return fmt.Errorf("embedded postgres: process %d is not a backend of the cluster (postmaster %d)", pid, pm)
	}
	return nil
}

// parentOf is the parent pid in /proc/PID/stat, or 0 when pid is gone.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid ...": the command may hold spaces and
	// parentheses; the fields after the last ')' are plain.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
