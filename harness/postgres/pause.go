package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Pause stops every process of the embedded cluster (SIGSTOP: the postmaster
// first, so that it forks no new backend, then every backend and auxiliary
// process) for d, or until ctx ends, then resumes them all (SIGCONT). The
// server neither answers nor accepts a connection meanwhile: statements and
// connection attempts hang until their deadlines. The processes are resumed
// however Pause ends — d passed, ctx ended, or a panic — and a harness killed
// outright leaves no stopped server either: its janitor SIGKILLs the
// cluster, which a stopped process does not resist.
//
// Pause holds the server for its whole length: Crash, Restart, Stop and
// ConnConfig wait until the processes are resumed. It returns nil once they
// are, even when ctx cut the pause short.
func (s *Server) Pause(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.running(); err != nil {
		return err
	}
	stopped, err := s.embedded.freeze()
	defer thaw(stopped)
	if err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// freeze SIGSTOPs the postmaster, waits until it is stopped, then SIGSTOPs
// every other process of the cluster until a look at /proc finds no new
// one. It returns the processes it stopped, even on error.
func (c *cluster) freeze() ([]int, error) {
	if c.postmaster == nil {
		return nil, fmt.Errorf("embedded postgres: no postmaster to pause")
	}
	pm := c.postmaster.Process.Pid
	if err := syscall.Kill(pm, syscall.SIGSTOP); err != nil {
		return nil, fmt.Errorf("embedded postgres: pausing the postmaster: %w", err)
	}
	stopped := []int{pm}
	for i := 0; i < 1000 && processState(pm) != 'T'; i++ {
		time.Sleep(time.Millisecond)
	}
	seen := map[int]bool{pm: true}
	for quiet := 0; quiet < 2; {
		quiet++
		for _, pid := range Processes(c.data) {
			if !seen[pid] {
				seen[pid] = true
				syscall.Kill(pid, syscall.SIGSTOP)
				stopped = append(stopped, pid)
				quiet = 0
			}
		}
	}
	return stopped, nil
}

// thaw SIGCONTs the processes freeze stopped, the postmaster last.
func thaw(stopped []int) {
	for i := len(stopped) - 1; i >= 0; i-- {
		syscall.Kill(stopped[i], syscall.SIGCONT)
	}
}

// processState is the state letter of /proc/PID/stat ('T' for stopped), or
// 0 when the process is gone.
func processState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: the state follows
	// the last ')'.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2]
	}
	return 0
}

// Stopped lists the processes of the cluster in dataDir that are stopped
// (state T): none should be once a Pause is over.
func Stopped(dataDir string) []int {
	var pids []int
	for _, pid := range Processes(dataDir) {
		if processState(pid) == 'T' {
			pids = append(pids, pid)
		}
	}
	return pids
}
