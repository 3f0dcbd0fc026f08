package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"jbcheck/harness/postgres"
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

// prepare prepares the binary with args, output captured into r.
func prepare(t *testing.T, r *ran, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(jbcheckBinary(t), args...)
	cmd.Stdout, cmd.Stderr = &buffer{s: &r.stdout}, &buffer{s: &r.stderr}
	return cmd
}

// jbcheck runs the binary with args to its end.
func jbcheck(t *testing.T, args ...string) ran {
	t.Helper()
	var r ran
	err := prepare(t, &r, args...).Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// buffer appends what is written to a string.
type buffer struct {
	mu sync.Mutex
	s  *string
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	*b.s += string(p)
	return len(p), nil
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
