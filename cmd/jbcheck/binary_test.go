package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"jbcheck.dev/jbcheck/harness/postgres"
)

// Some tests need the real binary: what it prints on its own standard
// output and error, its exit status, and how it takes a signal. It is built
// once per test run.
var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// jbcheckBinary builds cmd/jbcheck and returns its path.
func jbcheckBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "jbcheck-bin-"); buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "jbcheck")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// ran is what one run of the binary did.
type ran struct {
	stdout, stderr string
	code           int
}

// process is the binary running.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr output
}

// start starts the binary with args.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(jbcheckBinary(t), args...)}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// wait waits for the binary to end.
func (p *process) wait(t *testing.T) ran {
	t.Helper()
	err := p.cmd.Wait()
	r := ran{stdout: p.stdout.String(), stderr: p.stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// waitFor waits until out (p.stdout or p.stderr) holds text. It gives up
// after two minutes: the process is stuck, or never prints text.
func (p *process) waitFor(t *testing.T, out *output, text string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), text); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never printed; stdout:\n%s\nstderr:\n%s", text, p.stdout.String(), p.stderr.String())
		}
	}
}

// waitForFile waits until the file at path holds text, as waitFor does.
func (p *process) waitForFile(t *testing.T, path, text string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never held %q; stdout:\n%s\nstderr:\n%s", path, text, p.stdout.String(), p.stderr.String())
		}
	}
}

// jbcheck runs the binary with args to its end.
func jbcheck(t *testing.T, args ...string) ran {
	t.Helper()
	return start(t, args...).wait(t)
}

// output collects what a process writes, safe to read while it runs.
type output struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// userServer plays a user's own server, reached with --dsn: an embedded
// cluster with a login role of its own, with the given attributes and
// password. It returns the cluster and the role's host and port.
func userServer(t *testing.T, role, attributes, password string) (s *postgres.Server, host string, port uint16) {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Start(ctx, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE ROLE %s LOGIN %s PASSWORD '%s'", role, attributes, password)); err != nil {
		t.Fatal(err)
	}
	cfg := s.ConnConfig()
	return s, cfg.Host, cfg.Port
}
