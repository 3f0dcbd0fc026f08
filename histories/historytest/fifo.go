// Package historytest holds helpers for tests that read histories.
package historytest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// FIFO makes a named pipe called name in dir and plays a writer on it until
// t ends: whenever a reader has the pipe open, the writer sends data, as a
// history arriving from another process would. It returns the pipe's path,
// and skips t where a FIFO cannot be made.
func FIFO(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	fifo := filepath.Join(dir, name)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	done, writerGone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(writerGone)
		for {
			select {
			case <-done:
				return
			default:
			}
			// Succeeds only while a reader has the FIFO open.
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Write(data)
				w.Close()
			}
			time.Sleep(time.Millisecond)
		}
	}()
	t.Cleanup(func() { close(done); <-writerGone })
	return fifo
}
