package app

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is the application's running service: started in a process
// group of its own, so that Stop ends it with every process it started.
type Process struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	out  *tail
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done is closed
	stop sync.Once
}

// Start starts the service with databaseURL as {database_url} (and the
// password, if the server wants one, as PGPASSWORD: never in a URL) on a
// free port, and returns once its readiness request answers 2xx. Startup is no
// part of any schedule: it is waited for with a time bound
// (Service.StartSeconds), and a service that does not come up is an error.
func (c *Config) Start(ctx context.Context, databaseURL, password string) (*Process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	fill := strings.NewReplacer("{port}", strconv.Itoa(port), "{database_url}", databaseURL)
	cmd := exec.Command(c.Service.Command[0], c.Service.Command[1:]...)
	cmd.Dir = c.resolve(c.Service.Dir)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Service.Env)) {
		cmd.Env = append(cmd.Env, k+"="+fill.Replace(c.Service.Env[k]))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	// A descendant that left the process group could hold the output pipe
	// open forever: Wait gives up on it this long after the service exits.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (%s, in %s): %w", c.Name, strings.Join(c.Service.Command, " "), cmd.Dir, err)
	}
	p := &Process{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := p.awaitReady(ctx, c); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// awaitReady polls the readiness request until it answers 2xx, the process
// exits, or the start time is up.
func (p *Process) awaitReady(ctx context.Context, c *Config) error {
	method, path, _ := requestLine(c.Service.Ready)
	limit := time.Duration(cmp.Or(c.Service.StartSeconds, 30)) * time.Second
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, method, p.base+path, nil)
		if err != nil {
			return err
		}
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode/100 == 2 {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (%v); its output:\n%s", c.Name, p.err, p.out)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s with 2xx within %s (service.start_seconds in %s); its output:\n%s",
				c.Name, c.Service.Ready, limit, c.path, p.out)
		}
	}
}

// URL is the service's base URL.
func (p *Process) URL() string { return p.base }

// Output is the last of what the service printed.
func (p *Process) Output() string { return p.out.String() }

// Exited reports, without waiting, whether the service has exited and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// PID is the service's process id (its process group's too).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop ends the service's process group: SIGTERM, then SIGKILL for what is
// left after two seconds. Stopping twice is harmless.
func (p *Process) Stop() {
	p.stop.Do(func() {
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(2 * time.Second):
		}
		// The group may outlive its leader: whatever is left goes.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	})
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last 8 KiB a process printed, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 8<<10 {
		t.buf = t.buf[len(t.buf)-8<<10:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
